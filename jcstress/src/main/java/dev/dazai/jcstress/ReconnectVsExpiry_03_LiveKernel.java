package dev.dazai.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.dazai.jcstress.live.LiveKernel;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * A lost heartbeat's window: the new heartbeat's HELLO races the grace timer, end to end.
 *
 * <p>ReconnectVsExpiry_01 shows the race on the gate alone. Here it runs through everything a
 * reconnect crosses: the heartbeat connection's HELLO is posted to the kernel thread, which decides
 * between HeartbeatReconnects and SecondClientConnects and answers the connection; the timer's task
 * is posted to the same thread as TimerExpires. The client must read the truth: told WELCOME means
 * the window was cancelled and nothing fires; a fire means it was told it came too late.
 *
 * <p>The naive variant answers the way the first heartbeat server could: it decides from a look at
 * the state (is a window pending?) and answers at once, while the expiry fires on its own thread —
 * so a client can be welcomed into a switch that is firing.
 *
 * <p>How to run:
 * <pre>
 *   java -jar jcstress/target/jcstress.jar -t ReconnectVsExpiry_03 -m quick
 * </pre>
 *
 * <p>Outcomes (told, fired): 1 = WELCOME, 2 = BUSY; see jcstress/RESULTS.md for counts.
 */
public class ReconnectVsExpiry_03_LiveKernel {

    /** Look, then answer: the answer and the gate are decided apart. */
    @JCStressTest
    @Description("HELLO after a loss races the grace timer. Naive: the answer comes from a look at the state, the fire from the timer's thread.")
    @Outcome(id = "1, 0", expect = ACCEPTABLE,             desc = "The reconnect won: WELCOME, and the window was cancelled.")
    @Outcome(id = "2, 1", expect = ACCEPTABLE,             desc = "The timer won: the switch fired, and the client was told it came too late.")
    @Outcome(id = "1, 1", expect = ACCEPTABLE_INTERESTING, desc = "The client was told WELCOME while the switch fired.")
    @Outcome(id = ".*",   expect = FORBIDDEN,              desc = "Neither or something else.")
    @State
    public static class Naive {
        private volatile boolean pending = true;
        private volatile boolean fired;
        private volatile int told;

        @Actor
        public void heartbeatReconnects() {
            if (pending && !fired) {
                told = 1;
                pending = false;
            } else {
                told = 2;
            }
        }

        @Actor
        public void timerExpires() {
            if (pending) {
                fired = true;
            }
        }

        @Arbiter
        public void arbiter(II_Result r) {
            r.r1 = told;
            r.r2 = fired ? 1 : 0;
        }
    }

    /** The live kernel: one thread decides, the gate arbitrates, the answer is the decision. */
    @JCStressTest
    @Description("HELLO after a loss races the grace timer, on the live kernel: the answer the client reads is what happened.")
    @Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "The reconnect won: WELCOME, and the window was cancelled.")
    @Outcome(id = "2, 1", expect = ACCEPTABLE, desc = "The timer won: the switch fired, and the client was told BUSY.")
    @Outcome(id = ".*",   expect = FORBIDDEN,  desc = "WELCOME into a fire, BUSY with nothing fired, or no answer.")
    @State
    public static class Kernel {
        private final LiveKernel live = new LiveKernel(60_000);
        private LiveKernel.Line reconnecting;

        public Kernel() {
            live.kernel().clientHangsUp(live.attached(7));
            live.settle();
        }

        @Actor
        public void heartbeatReconnects() {
            reconnecting = live.hello(8);
        }

        @Actor
        public void timerExpires() {
            live.timersRun();
        }

        @Arbiter
        public void arbiter(II_Result r) {
            live.settle();
            r.r1 = reconnecting.told();
            r.r2 = live.sequences();
            live.close();
        }
    }
}
