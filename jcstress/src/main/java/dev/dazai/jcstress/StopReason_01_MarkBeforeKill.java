package dev.dazai.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.dazai.jcstress.os.Child;
import dev.dazai.jcstress.os.ProcessTable;
import dev.dazai.kernel.domain.StopReason;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.L_Result;

/**
 * The reason reported for the {@code --exec} child's end agrees with whether the switch killed it.
 *
 * <p>When the sequence runs, the switch SIGKILLs the child it started. A reaper thread waits for the
 * child and, when it dies, says why: it exited, the switch killed it, or some other signal did (a
 * crash, another process). A child's exit status says that a signal ended it, not who sent it, so
 * the reaper reads a "force-killed" flag. The usual code sets that flag after sending the kill; the
 * child can die and the reaper wake and read the flag in between, and the switch's own kill is
 * reported as somebody else's.
 *
 * <p>The kernel's {@link StopReason} makes the mark first, by compare-and-set, and sends the kill
 * only after; the reaper reads the mark only once the child is dead. A death by our signal comes
 * after our mark, so the reaper always sees it.
 *
 * <p>The naive killer yields between the kill and the flag, standing in for the work such code
 * does there (logging the kill, returning from the system call); without it the window is a few
 * nanoseconds wide and the bounded run sees the race only a few hundred times in millions.
 *
 * <p>The reaper here does not block (jcstress actors must not wait on each other): it looks once,
 * and if the child is still running it reports {@code STILL_RUNNING}, the case where the real reaper
 * would wait and classify later — outside this race.
 *
 * <p>How to run:
 * <pre>
 *   java -jar jcstress/target/jcstress.jar -t StopReason_01 -m quick
 * </pre>
 *
 * <p>Outcomes seen in the bounded run (2 cores, JDK 17, {@code -m quick}; jcstress/RESULTS.md):
 * <pre>
 *   variant RESULT              SAMPLES  EXPECT
 *   Naive   EXITED                    0  Forbidden
 *   Naive   KILLED_BY_OTHER       1,751  Interesting
 *   Naive   KILLED_BY_SWITCH     62,499  Acceptable
 *   Naive   STILL_RUNNING       930,680  Acceptable
 *   Kernel  EXITED                    0  Forbidden
 *   Kernel  KILLED_BY_OTHER           0  Forbidden
 *   Kernel  KILLED_BY_SWITCH  1,843,129  Acceptable
 *   Kernel  STILL_RUNNING     1,266,803  Acceptable
 * </pre>
 */
public class StopReason_01_MarkBeforeKill {

    private static final String STILL_RUNNING = "STILL_RUNNING";

    /** Kill first, then set the flag the reaper reads. */
    @JCStressTest
    @Description("The --exec child's stop reason agrees with whether the switch killed it. Kill first, then set the flag the reaper reads.")
    @Outcome(id = "KILLED_BY_SWITCH", expect = ACCEPTABLE,             desc = "The reaper found the child dead of the switch's SIGKILL and said so.")
    @Outcome(id = "STILL_RUNNING",    expect = ACCEPTABLE,             desc = "The reaper looked before the kill landed; it would wait and classify later.")
    @Outcome(id = "KILLED_BY_OTHER",  expect = ACCEPTABLE_INTERESTING, desc = "The switch's own SIGKILL was reported as another's: the flag was set after the reaper read it.")
    @Outcome(id = "EXITED",           expect = FORBIDDEN,              desc = "The child was reported as exiting by itself, though only the switch's kill could end it.")
    @State
    public static class Naive {
        private final Child child = new Child(new ProcessTable(1), 0);
        private volatile boolean forceKilled;

        @Actor
        public void daemonKillsChild() {
            child.sigkill();
            // Stands in for what such code does between the two (log the kill, return from kill(2)):
            // without it the gap is a few nanoseconds and the bounded run sees the race too rarely.
            Thread.yield();
            forceKilled = true;
        }

        @Actor
        public void reaperClassifies(L_Result r) {
            if (!child.hasEnded()) {
                r.r1 = STILL_RUNNING;
            } else if (!child.endedBySignal()) {
                r.r1 = StopReason.Reason.EXITED.name();
            } else {
                r.r1 = (forceKilled ? StopReason.Reason.KILLED_BY_SWITCH : StopReason.Reason.KILLED_BY_OTHER).name();
            }
        }
    }

    /** The kernel's rule: mark by compare-and-set, then kill; classify from the mark after the death. */
    @JCStressTest
    @Description("The --exec child's stop reason agrees with whether the switch killed it. The kernel's rule: mark by compare-and-set, then kill; classify from the mark after the death.")
    @Outcome(id = "KILLED_BY_SWITCH", expect = ACCEPTABLE, desc = "The reaper found the child dead of the switch's SIGKILL and said so.")
    @Outcome(id = "STILL_RUNNING",    expect = ACCEPTABLE, desc = "The reaper looked before the kill landed; it would wait and classify later.")
    @Outcome(id = "KILLED_BY_OTHER",  expect = FORBIDDEN,  desc = "The switch's own SIGKILL was reported as another's: the flag was set after the reaper read it.")
    @Outcome(id = "EXITED",           expect = FORBIDDEN,  desc = "The child was reported as exiting by itself, though only the switch's kill could end it.")
    @State
    public static class Kernel {
        private final Child child = new Child(new ProcessTable(1), 0);
        private final StopReason reason = new StopReason();

        @Actor
        public void daemonKillsChild() {
            if (reason.markKilling()) {
                child.sigkill();
            }
        }

        @Actor
        public void reaperClassifies(L_Result r) {
            r.r1 = child.hasEnded() ? reason.classify(child.endedBySignal()).name() : STILL_RUNNING;
        }
    }
}
