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
import org.openjdk.jcstress.infra.results.ZZZ_Result;

/**
 * SingleFire with three triggers: the kill sequence starts at most once.
 *
 * <p>As SingleFire_01, with a third thread: the ping deadline passes under {@code --grace 0} while a
 * hard panic and a zero-grace panic arrive. A check-then-act flag lets any two, or all three, read
 * "not yet" before the first write lands; with more threads there are more ways to lose. The
 * kernel's {@link FireGate#fire()} is one compare-and-set: one winner, however many race.
 *
 * <p>Three actors need three CPUs; on a 2-core machine run it through the oversubscribing launcher
 * (jcstress/README.md): jcstress 0.16 otherwise skips it without a word.
 *
 * <p>How to run:
 * <pre>
 *   java -jar jcstress/target/jcstress.jar -t SingleFire_02 -m quick
 * </pre>
 *
 * <p>Outcomes seen in the bounded run (2 cores, JDK 17, {@code -m quick}; jcstress/RESULTS.md):
 * <pre>
 *   variant RESULT                 SAMPLES  EXPECT
 *   Naive   false, false, false          0  Forbidden
 *   Naive   false, false, true     138,617  Acceptable
 *   Naive   false, true, false     464,714  Acceptable
 *   Naive   false, true, true        4,846  Interesting
 *   Naive   true, false, false   2,276,750  Acceptable
 *   Naive   true, false, true       13,398  Interesting
 *   Naive   true, true, false      116,483  Interesting
 *   Kernel  .*true.*true.*               0  Forbidden
 *   Kernel  false, false, false          0  Forbidden
 *   Kernel  false, false, true     131,982  Acceptable
 *   Kernel  false, true, false     542,040  Acceptable
 *   Kernel  true, false, false   2,068,761  Acceptable
 * </pre>
 */
public class SingleFire_02_ThreeTriggers {

    /** The usual first attempt: a volatile flag, read and then written. */
    @JCStressTest
    @Description("SingleFire, three triggers at once. The usual first attempt: a volatile flag, read and then written.")
    @Outcome(id = {"true, false, false", "false, true, false", "false, false, true"},
                                       expect = ACCEPTABLE,             desc = "Exactly one trigger started the sequence; the others found it already fired.")
    @Outcome(id = "false, false, false", expect = FORBIDDEN,              desc = "No trigger started the sequence: a panic was lost.")
    @Outcome(id = ".*true.*true.*",      expect = ACCEPTABLE_INTERESTING, desc = "Two or more triggers started the sequence: it ran more than once.")
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
        public void ownerPanicsHard(ZZZ_Result r) {
            r.r1 = fire();
        }

        @Actor
        public void ownerPanicsWithNoGrace(ZZZ_Result r) {
            r.r2 = fire();
        }

        @Actor
        public void pingDeadlinePasses(ZZZ_Result r) {
            r.r3 = fire();
        }
    }

    /** The kernel's gate: one compare-and-set decides. */
    @JCStressTest
    @Description("SingleFire, three triggers at once. The kernel's gate: one compare-and-set decides.")
    @Outcome(id = {"true, false, false", "false, true, false", "false, false, true"},
                                       expect = ACCEPTABLE, desc = "Exactly one trigger started the sequence; the others found it already fired.")
    @Outcome(id = "false, false, false", expect = FORBIDDEN,  desc = "No trigger started the sequence: a panic was lost.")
    @Outcome(id = ".*true.*true.*",      expect = FORBIDDEN,  desc = "Two or more triggers started the sequence: it ran more than once.")
    @State
    public static class Kernel {
        private final FireGate gate = new FireGate();

        @Actor
        public void ownerPanicsHard(ZZZ_Result r) {
            r.r1 = gate.fire();
        }

        @Actor
        public void ownerPanicsWithNoGrace(ZZZ_Result r) {
            r.r2 = gate.fire();
        }

        @Actor
        public void pingDeadlinePasses(ZZZ_Result r) {
            r.r3 = gate.fire();
        }
    }
}
