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
 * A timer from a cancelled window must not fire the next one.
 *
 * <p>The heartbeat reconnects and cancels the pending window; a moment later a new panic opens a
 * fresh window. Cancelling a timer is best effort (Clock.Timer#cancel): the first window's timer may
 * already be running. A timer that only asks "is a window pending?" finds the new window pending
 * and fires it at once, with none of its grace — or, if it read the flag just before the reconnect
 * cleared it, fires a window that was cancelled.
 *
 * <p>In the kernel each timer carries the epoch of the window it was armed for, and
 * {@link FireGate#expire(long)} compares-and-sets from exactly {@code (Pending, epoch)}: once its
 * window is cancelled, no later window matches.
 *
 * <p>How to run:
 * <pre>
 *   java -jar jcstress/target/jcstress.jar -t ReconnectVsExpiry_02 -m quick
 * </pre>
 *
 * <p>Outcomes seen in the bounded run (2 cores, JDK 17, {@code -m quick}; jcstress/RESULTS.md):
 * <pre>
 *   variant RESULT          SAMPLES  EXPECT
 *   Naive   false, false          0  Forbidden
 *   Naive   false, true     709,167  Acceptable
 *   Naive   true, false       8,764  Acceptable
 *   Naive   true, true    2,251,973  Interesting
 *   Kernel  false, false          0  Forbidden
 *   Kernel  false, true     838,070  Acceptable
 *   Kernel  true, false   1,430,903  Acceptable
 *   Kernel  true, true            0  Forbidden
 * </pre>
 */
public class ReconnectVsExpiry_02_StaleTimer {

    /** A timer that fires whichever window is pending. */
    @JCStressTest
    @Description("A cancelled window's timer racing the next window. A timer that fires whichever window is pending.")
    @Outcome(id = "true, false",  expect = ACCEPTABLE,             desc = "The reconnect cancelled the first window and a new one opened; the old timer did nothing.")
    @Outcome(id = "false, true",  expect = ACCEPTABLE,             desc = "The first window's timer fired on time; the reconnect came too late.")
    @Outcome(id = "true, true",   expect = ACCEPTABLE_INTERESTING, desc = "The cancelled window's timer fired anyway: the new window lost its grace.")
    @Outcome(id = "false, false", expect = FORBIDDEN,              desc = "Neither the reconnect nor the timer took effect on the first window.")
    @State
    public static class Naive {
        private volatile boolean pending = true;
        private volatile boolean fired;

        @Actor
        public void heartbeatReconnectsThenOwnerPanics(ZZ_Result r) {
            if (pending && !fired) {
                pending = false;
                r.r1 = true;
                pending = true;
            }
        }

        @Actor
        public void timerExpires(ZZ_Result r) {
            if (pending) {
                fired = true;
                r.r2 = true;
            }
        }
    }

    /** The kernel's arbiter: a timer fires only the window whose epoch it carries. */
    @JCStressTest
    @Description("A cancelled window's timer racing the next window. The kernel's arbiter: a timer fires only the window whose epoch it carries.")
    @Outcome(id = "true, false",  expect = ACCEPTABLE, desc = "The reconnect cancelled the first window and a new one opened; the old timer did nothing.")
    @Outcome(id = "false, true",  expect = ACCEPTABLE, desc = "The first window's timer fired on time; the reconnect came too late.")
    @Outcome(id = "true, true",   expect = FORBIDDEN,  desc = "The cancelled window's timer fired anyway: the new window lost its grace.")
    @Outcome(id = "false, false", expect = FORBIDDEN,  desc = "Neither the reconnect nor the timer took effect on the first window.")
    @State
    public static class Kernel {
        private final FireGate gate = new FireGate();
        private final long firstWindow;

        public Kernel() {
            gate.openGrace();
            firstWindow = gate.epoch();
        }

        @Actor
        public void heartbeatReconnectsThenOwnerPanics(ZZ_Result r) {
            if (gate.cancel()) {
                r.r1 = true;
                gate.openGrace();
            }
        }

        @Actor
        public void timerExpires(ZZ_Result r) {
            r.r2 = gate.expire(firstWindow);
        }
    }
}
