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
import org.openjdk.jcstress.infra.results.ZZZZ_Result;

/**
 * SingleFire with four triggers: the kill sequence starts at most once.
 *
 * <p>Every trigger that fires at once, together: a hard panic, a zero-grace panic, the ping deadline
 * and the heartbeat's loss, the last three under {@code --grace 0}. This is the storm a dropped SSH
 * session produces (the connection closes, the shell's trap sends SIGHUP, the ping timer runs out).
 * A check-then-act flag lets several of them start the sequence; {@link FireGate#fire()} lets one.
 *
 * <p>Four actors need four CPUs; on a smaller machine run it through the oversubscribing launcher
 * (jcstress/README.md): jcstress 0.16 otherwise skips it without a word.
 *
 * <p>How to run:
 * <pre>
 *   java -jar jcstress/target/jcstress.jar -t SingleFire_03 -m quick
 * </pre>
 *
 * <p>Outcomes seen in the bounded run (2 cores, JDK 17, {@code -m quick}; jcstress/RESULTS.md):
 * <pre>
 *   variant RESULT                        SAMPLES  EXPECT
 *   Naive   false, false, false, false          0  Forbidden
 *   Naive   false, false, false, true      30,211  Acceptable
 *   Naive   false, false, true, false      69,076  Acceptable
 *   Naive   false, false, true, true        2,143  Interesting
 *   Naive   false, true, false, false     441,212  Acceptable
 *   Naive   false, true, false, true          121  Interesting
 *   Naive   false, true, true, false        6,700  Interesting
 *   Naive   true, false, false, false   1,649,222  Acceptable
 *   Naive   true, false, false, true        2,449  Interesting
 *   Naive   true, false, true, false        7,891  Interesting
 *   Naive   true, true, false, false      110,373  Interesting
 *   Kernel  .*true.*true.*                      0  Forbidden
 *   Kernel  false, false, false, false          0  Forbidden
 *   Kernel  false, false, false, true      71,272  Acceptable
 *   Kernel  false, false, true, false     140,065  Acceptable
 *   Kernel  false, true, false, false     602,272  Acceptable
 *   Kernel  true, false, false, false   1,831,972  Acceptable
 * </pre>
 */
public class SingleFire_03_FourTriggers {

    /** The usual first attempt: a volatile flag, read and then written. */
    @JCStressTest
    @Description("SingleFire, four triggers at once. The usual first attempt: a volatile flag, read and then written.")
    @Outcome(id = {"true, false, false, false", "false, true, false, false", "false, false, true, false", "false, false, false, true"},
                                              expect = ACCEPTABLE,             desc = "Exactly one trigger started the sequence; the others found it already fired.")
    @Outcome(id = "false, false, false, false", expect = FORBIDDEN,              desc = "No trigger started the sequence: a panic was lost.")
    @Outcome(id = ".*true.*true.*",             expect = ACCEPTABLE_INTERESTING, desc = "Two or more triggers started the sequence: it ran more than once.")
    @State
    public static class Naive {
        private volatile boolean fired;

        private boolean fire() {
            if (!fired) {
                fired = true;
                return true;
            }
            return false;
        }

        @Actor
        public void ownerPanicsHard(ZZZZ_Result r) {
            r.r1 = fire();
        }

        @Actor
        public void ownerPanicsWithNoGrace(ZZZZ_Result r) {
            r.r2 = fire();
        }

        @Actor
        public void pingDeadlinePasses(ZZZZ_Result r) {
            r.r3 = fire();
        }

        @Actor
        public void ownerLosesHeartbeat(ZZZZ_Result r) {
            r.r4 = fire();
        }
    }

    /** The kernel's gate: one compare-and-set decides. */
    @JCStressTest
    @Description("SingleFire, four triggers at once. The kernel's gate: one compare-and-set decides.")
    @Outcome(id = {"true, false, false, false", "false, true, false, false", "false, false, true, false", "false, false, false, true"},
                                              expect = ACCEPTABLE, desc = "Exactly one trigger started the sequence; the others found it already fired.")
    @Outcome(id = "false, false, false, false", expect = FORBIDDEN,  desc = "No trigger started the sequence: a panic was lost.")
    @Outcome(id = ".*true.*true.*",             expect = FORBIDDEN,  desc = "Two or more triggers started the sequence: it ran more than once.")
    @State
    public static class Kernel {
        private final FireGate gate = new FireGate();

        @Actor
        public void ownerPanicsHard(ZZZZ_Result r) {
            r.r1 = gate.fire();
        }

        @Actor
        public void ownerPanicsWithNoGrace(ZZZZ_Result r) {
            r.r2 = gate.fire();
        }

        @Actor
        public void pingDeadlinePasses(ZZZZ_Result r) {
            r.r3 = gate.fire();
        }

        @Actor
        public void ownerLosesHeartbeat(ZZZZ_Result r) {
            r.r4 = gate.fire();
        }
    }
}
