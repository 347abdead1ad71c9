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
 * NoInnocentKilled: a kill reaches the registered process, never a later one that got its PID.
 *
 * <p>A holder process is registered; the switch fires and kills the holders. At the same time the
 * holder exits by itself, its parent reaps it, and the OS hands its PID to a new, innocent process.
 * Code that remembers the PID and sends SIGKILL to that number kills whoever holds the number when
 * the signal is sent: after an exit and a reuse, that is the innocent.
 *
 * <p>The kernel's {@code HolderKiller} port holds each holder by identity. Here it runs over a toy
 * process table where PIDs are reused on purpose (os.ProcessTable): registration pins the
 * incarnation with a pidfd-like handle, and the kill goes through the handle, so it reaches that
 * life or nobody. The real adapter does the same with {@code pidfd_open} and
 * {@code pidfd_send_signal}; adapters' PidRecycleTest recycles real PIDs in a PID namespace.
 *
 * <p>How to run:
 * <pre>
 *   java -jar jcstress/target/jcstress.jar -t PidRecycle_01 -m quick
 * </pre>
 *
 * <p>Outcomes seen in the bounded run (2 cores, JDK 17, {@code -m quick}; jcstress/RESULTS.md):
 * <pre>
 *   variant RESULT          SAMPLES  EXPECT
 *   Naive   false, false      2,974  Acceptable
 *   Naive   false, true     528,636  Interesting
 *   Naive   true, false   1,611,650  Acceptable
 *   Naive   true, true            0  Forbidden
 *   Kernel  false, false    667,304  Acceptable
 *   Kernel  false, true           0  Forbidden
 *   Kernel  true, false   1,572,836  Acceptable
 *   Kernel  true, true            0  Forbidden
 * </pre>
 */
public class PidRecycle_01_KillAfterExit {

    /** Remembers the PID and signals the number. */
    @JCStressTest
    @Description("NoInnocentKilled: the kill races the holder's exit and PID reuse. Remembers the PID and signals the number.")
    @Outcome(id = "true, false",  expect = ACCEPTABLE,             desc = "The kill reached the holder before it exited; the PID's next owner is untouched.")
    @Outcome(id = "false, false", expect = ACCEPTABLE,             desc = "The holder exited first; the kill found nobody to hit.")
    @Outcome(id = "false, true",  expect = ACCEPTABLE_INTERESTING, desc = "The holder exited, its PID went to a new process, and the kill hit that innocent process.")
    @Outcome(id = "true, true",   expect = FORBIDDEN,              desc = "One SIGKILL ended two processes.")
    @State
    public static class Naive extends PidRecycleScene {
        public Naive() {
            super(table -> new BarePidHolderKiller(table, false));
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
    @Description("NoInnocentKilled: the kill races the holder's exit and PID reuse. The kernel's way: the holder is pinned by a pidfd-like handle and killed through it.")
    @Outcome(id = "true, false",  expect = ACCEPTABLE, desc = "The kill reached the holder before it exited; the PID's next owner is untouched.")
    @Outcome(id = "false, false", expect = ACCEPTABLE, desc = "The holder exited first; the kill found nobody to hit.")
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
