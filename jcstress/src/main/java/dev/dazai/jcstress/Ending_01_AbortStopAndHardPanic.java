package dev.dazai.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.dazai.jcstress.live.LiveKernel;
import dev.dazai.kernel.domain.FireGate;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Every ending goes through the gate: a hard panic, a clean stop and a failed start-up race.
 *
 * <p>Start-up can fail after the signal handlers are live: a {@code --register} that is refused, a
 * socket that cannot be bound. The first kernel handled that with an abort of its own — wipe,
 * unlink, exit 3 — that never asked the gate. So a SIGUSR2 that fired first, whose sequence was
 * still killing holders, raced an abort that wiped and exited under it: holders survived an armed
 * fire, and the process "ended" twice. Here the naive abort is that code; SIGTERM and SIGUSR2 use
 * the real gate, as they did then.
 *
 * <p>The kernel's {@code daemonAbortsStart} is one more caller of the gate ({@code stopOrFire}),
 * decided on the kernel thread like SIGTERM; the hard panic is decided on the sequence thread. This
 * variant races the three on the live kernel (its threads, gate and Spring machine; ports that
 * count): the process ends exactly once, by the sequence or by one stop.
 *
 * <p>How to run:
 * <pre>
 *   java -jar jcstress/target/jcstress.jar -t Ending_01 -m quick
 * </pre>
 *
 * <p>Outcomes (ends, sequences) seen in the bounded run: see jcstress/RESULTS.md.
 */
public class Ending_01_AbortStopAndHardPanic {

    /** The first kernel: SIGUSR2 and SIGTERM ask the gate, the start-up abort does not. */
    @JCStressTest
    @Description("Hard panic, clean stop and failed start-up at once. The first kernel: the abort ends the process without asking the gate.")
    @Outcome(id = "1, 1", expect = ACCEPTABLE,             desc = "The hard panic won: its sequence ended the process; the stop and the abort stood down.")
    @Outcome(id = "1, 0", expect = ACCEPTABLE,             desc = "A clean stop or the abort ended the process; nothing fired.")
    @Outcome(id = "2, 0", expect = ACCEPTABLE_INTERESTING, desc = "The abort ended the process while a clean stop ended it too.")
    @Outcome(id = "2, 1", expect = ACCEPTABLE_INTERESTING, desc = "The abort wiped and exited under a running sequence: the process ended twice.")
    @Outcome(id = ".*",   expect = FORBIDDEN,              desc = "Some other count of endings.")
    @State
    public static class Naive {
        private final FireGate gate = new FireGate();
        private final AtomicInteger ends = new AtomicInteger();
        private final AtomicInteger sequences = new AtomicInteger();

        @Actor
        public void ownerPanicsHard() {
            if (gate.fire()) {
                sequences.incrementAndGet();
                ends.incrementAndGet();
            }
        }

        @Actor
        public void ownerStops() {
            if (gate.stopOrFire() != FireGate.Stopping.TOO_LATE) {
                ends.incrementAndGet();
            }
        }

        @Actor
        public void daemonAbortsStart() {
            // wipe, unlink, exit 3: the gate is never asked
            ends.incrementAndGet();
        }

        @Arbiter
        public void arbiter(II_Result r) {
            r.r1 = ends.get();
            r.r2 = sequences.get();
        }
    }

    /** The live kernel: all three are callers of the gate. */
    @JCStressTest
    @Description("Hard panic, clean stop and failed start-up at once, on the live kernel: the process ends exactly once.")
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "The hard panic won: its sequence ended the process; the stop and the abort stood down.")
    @Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "The clean stop or the aborted start ended the process; nothing fired.")
    @Outcome(id = ".*",   expect = FORBIDDEN,  desc = "The process ended twice, or never, or the sequence ran twice.")
    @State
    public static class Kernel {
        private final LiveKernel live = new LiveKernel(60_000);

        @Actor
        public void ownerPanicsHard() {
            live.kernel().ownerPanicsHard("SIGUSR2");
        }

        @Actor
        public void ownerStops() {
            live.kernel().ownerStops("SIGTERM");
        }

        @Actor
        public void daemonAbortsStart() {
            live.kernel().daemonAbortsStart(3, "cannot register pid 4242");
        }

        @Arbiter
        public void arbiter(II_Result r) {
            live.settle();
            r.r1 = live.ends();
            r.r2 = live.sequences();
            live.close();
        }
    }
}
