package dev.dazai.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.dazai.jcstress.live.LiveKernel;
import dev.dazai.kernel.port.in.Presence.Session;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * The last session out races a new session in, with --grace 0 (the last one out fires at once).
 *
 * <p>One shell is open; the user closes it in the same instant a new terminal registers. Either
 * the close came first — the switch had nobody, fired, and the newcomer is too late — or the new
 * session came first and the close was not the last: the switch stays attached. Never both (fired
 * and attached), never neither (not fired and nobody present).
 *
 * <p>Written the usual way, with a count of sessions that each side reads and then changes, both
 * sides can decide on a count the other is about to change: the closing shell sees "one left, it
 * is me" and fires while the newcomer, which read "one" before the close, counts itself attached.
 * The kernel decides both on its one thread: the count and the decision cannot come apart.
 *
 * <p>How to run:
 * <pre>
 *   java -jar jcstress/target/jcstress.jar -t Presence_01 -m quick
 * </pre>
 *
 * <p>Outcomes (fired, attached): see jcstress/RESULTS.md for counts.
 */
public class Presence_01_LastOutVsNewIn {

    /** A session count, read and then written on each side. */
    @JCStressTest
    @Description("Last session out vs new session in, grace 0. Naive: each side reads the session count, then acts on it.")
    @Outcome(id = "1, 0", expect = ACCEPTABLE,             desc = "The close came first: nobody was present, the switch fired, the newcomer came too late.")
    @Outcome(id = "0, 1", expect = ACCEPTABLE,             desc = "The newcomer came first: the close was not the last, the switch stays attached.")
    @Outcome(id = "1, 1", expect = ACCEPTABLE_INTERESTING, desc = "The switch fired and yet counts a session present: both.")
    @Outcome(id = ".*",   expect = FORBIDDEN,              desc = "Neither fired nor present, or something else.")
    @State
    public static class Naive {
        private volatile int sessions = 1;
        private volatile boolean fired;

        @Actor
        public void lastSessionEnds() {
            int seen = sessions;
            if (seen == 1) {
                fired = true;
            }
            sessions = seen - 1;
        }

        @Actor
        public void sessionStarts() {
            int seen = sessions;
            if (!fired || seen > 0) {
                sessions = seen + 1;
            }
        }

        @Arbiter
        public void arbiter(II_Result r) {
            r.r1 = fired ? 1 : 0;
            r.r2 = sessions > 0 ? 1 : 0;
        }
    }

    /** The live kernel: both are SessionEnds/SessionStarts on its one thread. */
    @JCStressTest
    @Description("Last session out vs new session in, grace 0, on the live kernel: fired or still attached, exactly one.")
    @Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "The close came first: LastSessionEnds fired; the newcomer came too late.")
    @Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "The newcomer came first: SessionEnds, not the last; still attached.")
    @Outcome(id = ".*",   expect = FORBIDDEN,  desc = "Both, or neither.")
    @State
    public static class Kernel {
        private static final Session FIRST = new Session(11, 1, "pts/1", "bash", 0);
        private static final Session NEWCOMER = new Session(12, 1, "pts/2", "bash", 0);
        private final LiveKernel live = new LiveKernel(0);

        public Kernel() {
            live.kernel().sessionStarts(FIRST);
            live.settle();
        }

        @Actor
        public void lastSessionEnds() {
            live.kernel().sessionEnds(FIRST);
        }

        @Actor
        public void sessionStarts() {
            live.kernel().sessionStarts(NEWCOMER);
        }

        @Arbiter
        public void arbiter(II_Result r) {
            live.settle();
            r.r1 = live.sequences();
            r.r2 = live.kernel().status().state() == dev.dazai.kernel.domain.State.Attached ? 1 : 0;
            live.close();
        }
    }
}
