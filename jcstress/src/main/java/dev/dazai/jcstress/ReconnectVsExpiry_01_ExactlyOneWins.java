package dev.dazai.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.dazai.kernel.domain.FireGate;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.ZZ_Result;

/**
 * A reconnect racing the grace timer: exactly one of "cancelled" and "fired" wins.
 *
 * <p>The heartbeat was lost and a grace window is pending. At the last moment the heartbeat
 * reconnects (HELLO), on a socket thread, while the window's timer expires on the clock's thread.
 * The usual code keeps two flags: the reconnect cancels unless the switch has fired, the timer fires
 * unless the window was cancelled. Each checks the other's flag and then sets its own, so both can
 * pass: the owner is told "cancelled, welcome back" while the sequence wipes the secret and kills
 * the holders — the worst of both answers.
 *
 * <p>The kernel's {@link FireGate#cancel()} and {@link FireGate#expire(long)} are compare-and-sets
 * on one word out of the same {@code Pending} value: whichever lands first moves the word, and the
 * other's CAS fails. Never both, and never neither.
 *
 * <p>How to run:
 * <pre>
 *   java -jar jcstress/target/jcstress.jar -t ReconnectVsExpiry_01 -m quick
 * </pre>
 *
 * <p>Outcomes seen in the bounded run (2 cores, JDK 17, {@code -m quick}; jcstress/RESULTS.md):
 * <pre>
 *   variant RESULT          SAMPLES  EXPECT
 *   Naive   false, false          0  Forbidden
 *   Naive   false, true   1,108,679  Acceptable
 *   Naive   true, false   2,079,254  Acceptable
 *   Naive   true, true      202,896  Interesting
 *   Kernel  false, false          0  Forbidden
 *   Kernel  false, true   1,117,217  Acceptable
 *   Kernel  true, false   1,772,347  Acceptable
 *   Kernel  true, true            0  Forbidden
 * </pre>
 */
public class ReconnectVsExpiry_01_ExactlyOneWins {

    /** Two flags, each checked and then set. */
    @JCStressTest
    @Description("A reconnect racing the grace timer: exactly one wins. Two flags, each checked and then set.")
    @Outcome(id = "true, false",  expect = ACCEPTABLE,             desc = "The reconnect cancelled the window in time; the timer found nothing to fire.")
    @Outcome(id = "false, true",  expect = ACCEPTABLE,             desc = "The timer fired first; the reconnect came too late and was refused.")
    @Outcome(id = "true, true",   expect = ACCEPTABLE_INTERESTING, desc = "Both won: the owner was told the panic was cancelled, and the sequence ran anyway.")
    @Outcome(id = "false, false", expect = FORBIDDEN,              desc = "Neither won: the window is neither cancelled nor fired, and nothing will end it.")
    @State
    public static class Naive {
        private volatile boolean cancelled;
        private volatile boolean fired;

        @Actor
        public void heartbeatReconnects(ZZ_Result r) {
            if (!fired) {
                cancelled = true;
                r.r1 = true;
            }
        }

        @Actor
        public void timerExpires(ZZ_Result r) {
            if (!cancelled) {
                fired = true;
                r.r2 = true;
            }
        }
    }

    /** The kernel's arbiter: two compare-and-sets out of the same pending word. */
    @JCStressTest
    @Description("A reconnect racing the grace timer: exactly one wins. The kernel's arbiter: two compare-and-sets out of the same pending word.")
    @Outcome(id = "true, false",  expect = ACCEPTABLE, desc = "The reconnect cancelled the window in time; the timer found nothing to fire.")
    @Outcome(id = "false, true",  expect = ACCEPTABLE, desc = "The timer fired first; the reconnect came too late and was refused.")
    @Outcome(id = "true, true",   expect = FORBIDDEN,  desc = "Both won: the owner was told the panic was cancelled, and the sequence ran anyway.")
    @Outcome(id = "false, false", expect = FORBIDDEN,  desc = "Neither won: the window is neither cancelled nor fired, and nothing will end it.")
    @State
    public static class Kernel {
        private final FireGate gate = new FireGate();
        private final long window;

        public Kernel() {
            gate.openGrace();
            window = gate.epoch();
        }

        @Actor
        public void heartbeatReconnects(ZZ_Result r) {
            r.r1 = gate.cancel();
        }

        @Actor
        public void timerExpires(ZZ_Result r) {
            r.r2 = gate.expire(window);
        }
    }
}
