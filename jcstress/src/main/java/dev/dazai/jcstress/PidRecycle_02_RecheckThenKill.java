package dev.dazai.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.dazai.jcstress.os.BarePidHolderKiller;
import dev.dazai.jcstress.os.PinnedHolderKiller;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.ZZ_Result;

/**
 * NoInnocentKilled, against the careful-looking fix: re-check the start time, then kill the number.
 *
 * <p>Without pidfd (old kernels, macOS) the best a daemon can do is read the PID's start time
 * (field 22 of /proc/PID/stat), compare it with the one registered, and send {@code kill(2)} if they
 * match. DESIGN.md allows it as the fallback and calls it weaker; this harness shows why. The check
 * and the kill are two steps: if the holder exits, is reaped and its PID reused between them, the
 * check passed for the holder and the kill lands on the innocent. The naive killer yields between
 * the check and the kill, standing in for the /proc read (microseconds); without it the gap is a
 * few nanoseconds and the bounded run saw the race only 56 to 426 times in 2 million samples.
 *
 * <p>The kernel's way is the same as in PidRecycle_01: the kill goes through a handle pinned to the
 * incarnation, so there is no number to be reused between a check and an act.
 *
 * <p>How to run:
 * <pre>
 *   java -jar jcstress/target/jcstress.jar -t PidRecycle_02 -m quick
 * </pre>
 *
 * <p>Outcomes seen in the bounded run (2 cores, JDK 17, {@code -m quick}; jcstress/RESULTS.md):
 * <pre>
 *   variant RESULT          SAMPLES  EXPECT
 *   Naive   false, false  1,973,667  Acceptable
 *   Naive   false, true       6,261  Interesting
 *   Naive   true, false     120,824  Acceptable
 *   Naive   true, true            0  Forbidden
 *   Kernel  false, false    483,899  Acceptable
 *   Kernel  false, true           0  Forbidden
 *   Kernel  true, false   1,627,945  Acceptable
 *   Kernel  true, true            0  Forbidden
 * </pre>
 */
public class PidRecycle_02_RecheckThenKill {

    /** Re-checks the start time, then signals the number. */
    @JCStressTest
    @Description("NoInnocentKilled: start time re-checked, then the PID killed. Re-checks the start time, then signals the number.")
    @Outcome(id = "true, false",  expect = ACCEPTABLE,             desc = "The kill reached the holder before it exited; the PID's next owner is untouched.")
    @Outcome(id = "false, false", expect = ACCEPTABLE,             desc = "The holder exited first; the check or the kill found nobody it knew.")
    @Outcome(id = "false, true",  expect = ACCEPTABLE_INTERESTING, desc = "The holder exited, its PID went to a new process, and the kill hit that innocent process.")
    @Outcome(id = "true, true",   expect = FORBIDDEN,              desc = "One SIGKILL ended two processes.")
    @State
    public static class Naive extends PidRecycleScene {
        public Naive() {
            super(table -> new BarePidHolderKiller(table, true));
        }

        @Actor
        public void daemonKillsHolders() {
            killer.killAll();
        }

        @Actor
        public void processExitsAndOsRecyclesPid() {
            holderExitsAndPidIsReused();
        }

        @Arbiter
        public void fatesOfBoth(ZZ_Result r) {
            fates(r);
        }
    }

    /** The kernel's way: the holder is pinned by a pidfd-like handle and killed through it. */
    @JCStressTest
    @Description("NoInnocentKilled: start time re-checked, then the PID killed. The kernel's way: the holder is pinned by a pidfd-like handle and killed through it.")
    @Outcome(id = "true, false",  expect = ACCEPTABLE, desc = "The kill reached the holder before it exited; the PID's next owner is untouched.")
    @Outcome(id = "false, false", expect = ACCEPTABLE, desc = "The holder exited first; the check or the kill found nobody it knew.")
    @Outcome(id = "false, true",  expect = FORBIDDEN,  desc = "The holder exited, its PID went to a new process, and the kill hit that innocent process.")
    @Outcome(id = "true, true",   expect = FORBIDDEN,  desc = "One SIGKILL ended two processes.")
    @State
    public static class Kernel extends PidRecycleScene {
        public Kernel() {
            super(PinnedHolderKiller::new);
        }

        @Actor
        public void daemonKillsHolders() {
            killer.killAll();
        }

        @Actor
        public void processExitsAndOsRecyclesPid() {
            holderExitsAndPidIsReused();
        }

        @Arbiter
        public void fatesOfBoth(ZZ_Result r) {
            fates(r);
        }
    }
}
