package dev.dazai.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.dazai.kernel.domain.FireGate;
import dev.dazai.kernel.domain.FireGate.Phase;
import dev.dazai.kernel.domain.FireGate.Stopping;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.ZZZ_Result;

/**
 * SingleFire across three different doors into the sequence, inside a grace window.
 *
 * <p>A grace window is pending. Three things happen at once: a hard panic fires, the window's timer
 * expires, and the owner stops the daemon (SIGTERM) — which, inside a window, must fire rather than
 * downgrade the panic to a clean stop. Each door has its own rule (a hard panic fires unless the
 * switch has ended; the timer fires only its own pending window; a stop fires a pending window),
 * and written as three checks on one volatile phase, any two can pass their check before either
 * writes {@code Fired}.
 *
 * <p>The kernel's {@link FireGate} runs all three through the same word: {@code fire()},
 * {@code expire(epoch)} and {@code stopOrFire()} each end in a compare-and-set from the phase they
 * read, so only the first to move the word out of {@code Pending} starts the sequence.
 *
 * <p>Three actors need three CPUs; on a 2-core machine run it through the oversubscribing launcher
 * (jcstress/README.md).
 *
 * <p>How to run:
 * <pre>
 *   java -jar jcstress/target/jcstress.jar -t SingleFire_04 -m quick
 * </pre>
 *
 * <p>Outcomes seen in the bounded run (2 cores, JDK 17, {@code -m quick}; jcstress/RESULTS.md):
 * <pre>
 *   variant RESULT                 SAMPLES  EXPECT
 *   Naive   false, false, false          0  Forbidden
 *   Naive   false, false, true      86,770  Acceptable
 *   Naive   false, true, false     471,324  Acceptable
 *   Naive   false, true, true       12,004  Interesting
 *   Naive   true, false, false   1,859,110  Acceptable
 *   Naive   true, false, true       16,506  Interesting
 *   Naive   true, true, false      192,272  Interesting
 *   Kernel  .*true.*true.*               0  Forbidden
 *   Kernel  false, false, false          0  Forbidden
 *   Kernel  false, false, true      92,641  Acceptable
 *   Kernel  false, true, false     551,433  Acceptable
 *   Kernel  true, false, false   1,666,108  Acceptable
 * </pre>
 */
public class SingleFire_04_MixedTriggers {

    /** Three hand-written checks on one volatile phase. */
    @JCStressTest
    @Description("SingleFire inside a grace window: hard panic, timer and stop at once. Three hand-written checks on one volatile phase.")
    @Outcome(id = {"true, false, false", "false, true, false", "false, false, true"},
                                       expect = ACCEPTABLE,             desc = "Exactly one of hard panic, timer and stop started the sequence.")
    @Outcome(id = "false, false, false", expect = FORBIDDEN,              desc = "Nothing started the sequence: the pending panic was lost.")
    @Outcome(id = ".*true.*true.*",      expect = ACCEPTABLE_INTERESTING, desc = "Two or more doors started the sequence: it ran more than once.")
    @State
    public static class Naive {
        private volatile Phase phase = Phase.Pending;

        @Actor
        public void ownerPanicsHard(ZZZ_Result r) {
            Phase p = phase;
            if (p != Phase.Fired && p != Phase.Stopped) {
                phase = Phase.Fired;
                r.r1 = true;
            }
        }

        @Actor
        public void timerExpires(ZZZ_Result r) {
            if (phase == Phase.Pending) {
                phase = Phase.Fired;
                r.r2 = true;
            }
        }

        @Actor
        public void ownerStops(ZZZ_Result r) {
            Phase p = phase;
            if (p == Phase.Pending) {
                phase = Phase.Fired;
                r.r3 = true;
            } else if (p == Phase.Open) {
                phase = Phase.Stopped;
            }
        }
    }

    /** The kernel's gate: every door is a compare-and-set on the same word. */
    @JCStressTest
    @Description("SingleFire inside a grace window: hard panic, timer and stop at once. The kernel's gate: every door is a compare-and-set on the same word.")
    @Outcome(id = {"true, false, false", "false, true, false", "false, false, true"},
                                       expect = ACCEPTABLE, desc = "Exactly one of hard panic, timer and stop started the sequence.")
    @Outcome(id = "false, false, false", expect = FORBIDDEN,  desc = "Nothing started the sequence: the pending panic was lost.")
    @Outcome(id = ".*true.*true.*",      expect = FORBIDDEN,  desc = "Two or more doors started the sequence: it ran more than once.")
    @State
    public static class Kernel {
        private final FireGate gate = new FireGate();
        private final long window;

        public Kernel() {
            gate.openGrace();
            window = gate.epoch();
        }

        @Actor
        public void ownerPanicsHard(ZZZ_Result r) {
            r.r1 = gate.fire();
        }

        @Actor
        public void timerExpires(ZZZ_Result r) {
            r.r2 = gate.expire(window);
        }

        @Actor
        public void ownerStops(ZZZ_Result r) {
            r.r3 = gate.stopOrFire() == Stopping.FIRE;
        }
    }
}
