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
 * SingleFire with two triggers: the kill sequence starts at most once.
 *
 * <p>A hard panic (SIGUSR2) and a graceful panic under {@code --grace 0}, which fires at once
 * too, arrive in the same instant on two threads. Each asks "has the switch fired?" and, if not,
 * starts the sequence. Written the usual way, with a volatile flag that is read and then set, both
 * threads can read "not yet" before either writes "fired": the sequence runs twice, two threads
 * kill and wipe side by side, and each of them ends the process.
 *
 * <p>The kernel's {@link FireGate#fire()} makes the read and the write one compare-and-set on one
 * word, so exactly one caller sees its CAS succeed; the other finds {@code Fired} and stands down.
 *
 * <p>How to run:
 * <pre>
 *   java -jar jcstress/target/jcstress.jar -t SingleFire_01 -m quick
 * </pre>
 *
 * <p>Outcomes seen in the bounded run (2 cores, JDK 17, {@code -m quick}; jcstress/RESULTS.md):
 * <pre>
 *   variant RESULT          SAMPLES  EXPECT
 *   Naive   false, false          0  Forbidden
 *   Naive   false, true   1,108,549  Acceptable
 *   Naive   true, false   2,358,881  Acceptable
 *   Naive   true, true      257,997  Interesting
 *   Kernel  false, false          0  Forbidden
 *   Kernel  false, true   1,217,806  Acceptable
 *   Kernel  true, false   2,451,303  Acceptable
 *   Kernel  true, true            0  Forbidden
 * </pre>
 */
public class SingleFire_01_TwoTriggers {

    /** The usual first attempt: a volatile flag, read and then written. */
    @JCStressTest
    @Description("SingleFire, two triggers at once. The usual first attempt: a volatile flag, read and then written.")
    @Outcome(id = "true, false",  expect = ACCEPTABLE,             desc = "The hard panic started the sequence; the other trigger found it already fired.")
    @Outcome(id = "false, true",  expect = ACCEPTABLE,             desc = "The zero-grace panic started the sequence; the hard panic found it already fired.")
    @Outcome(id = "true, true",   expect = ACCEPTABLE_INTERESTING, desc = "Both triggers started the sequence: it ran twice.")
    @Outcome(id = "false, false", expect = FORBIDDEN,              desc = "Neither trigger started the sequence: a panic was lost.")
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
        public void ownerPanicsHard(ZZ_Result r) {
            r.r1 = fire();
        }

        @Actor
        public void ownerPanicsWithNoGrace(ZZ_Result r) {
            r.r2 = fire();
        }
    }

    /** The kernel's gate: one compare-and-set decides. */
    @JCStressTest
    @Description("SingleFire, two triggers at once. The kernel's gate: one compare-and-set decides.")
    @Outcome(id = "true, false",  expect = ACCEPTABLE, desc = "The hard panic started the sequence; the other trigger found it already fired.")
    @Outcome(id = "false, true",  expect = ACCEPTABLE, desc = "The zero-grace panic started the sequence; the hard panic found it already fired.")
    @Outcome(id = "true, true",   expect = FORBIDDEN,  desc = "Both triggers started the sequence: it ran twice.")
    @Outcome(id = "false, false", expect = FORBIDDEN,  desc = "Neither trigger started the sequence: a panic was lost.")
    @State
    public static class Kernel {
        private final FireGate gate = new FireGate();

        @Actor
        public void ownerPanicsHard(ZZ_Result r) {
            r.r1 = gate.fire();
        }

        @Actor
        public void ownerPanicsWithNoGrace(ZZ_Result r) {
            r.r2 = gate.fire();
        }
    }
}
