package dev.dazai.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.dazai.jcstress.os.SecretPages;
import dev.dazai.kernel.domain.FireGate;
import dev.dazai.kernel.port.out.SecretMemory;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.ZZ_Result;

/**
 * NoSignalLost: a panic that arrives while start-up is still loading the secret is not lost.
 *
 * <p>Signal handlers are installed before the secret is read, as they must be. A panic signal
 * arrives while the secret is being loaded. The usual code has the handler wipe "the secret", read
 * from a field that start-up fills in once the load is done. A signal that lands during the load
 * finds the field empty, wipes nothing, and is gone; the load then completes and the daemon holds
 * the secret as if no panic had come.
 *
 * <p>The kernel's start-up order closes it: the {@link FireGate} is a final field that exists before
 * any handler can be installed, the handler fires the gate (and the sequence wipes), and
 * {@code DeadManSwitch#loadSecret} checks the gate before the load and again after it, wiping what
 * it loaded if the gate fired meanwhile. The load's "store, then check the gate" and the signal's
 * "fire the gate, then wipe" cannot both miss each other.
 *
 * <p>The kernel variant models that ordering with the real {@link FireGate} and the very steps of
 * {@code DeadManSwitch#daemonLoadsSecret} and {@code #ownerPanicsHard}, over a toy {@link SecretMemory}; it does
 * not drive the real {@code DeadManSwitch}. Measured: one switch (Spring machine, kernel thread,
 * start, hard panic, close) costs about 8 ms warm, so jcstress would see ~120 samples a second
 * instead of millions, and this race needs the two steps to overlap within nanoseconds.
 *
 * <p>How to run:
 * <pre>
 *   java -jar jcstress/target/jcstress.jar -t EarlySignal_01 -m quick
 * </pre>
 *
 * <p>Outcomes seen in the bounded run (2 cores, JDK 17, {@code -m quick}; jcstress/RESULTS.md):
 * <pre>
 *   variant RESULT          SAMPLES  EXPECT
 *   Naive   false, false          0  Acceptable
 *   Naive   false, true           0  Forbidden
 *   Naive   true, false   1,908,044  Acceptable
 *   Naive   true, true    1,104,134  Interesting
 *   Kernel  false, false    560,904  Acceptable
 *   Kernel  false, true           0  Forbidden
 *   Kernel  true, false   1,522,426  Acceptable
 *   Kernel  true, true            0  Forbidden
 * </pre>
 */
public class EarlySignal_01_SignalDuringLoad {

    /** The handler reads a field that start-up stores only once the load is done. */
    @JCStressTest
    @Description("NoSignalLost: a panic signal arrives while the secret loads. The handler reads a field that start-up stores only once the load is done.")
    @Outcome(id = "true, false",  expect = ACCEPTABLE,             desc = "The load finished first; the panic's sequence then wiped the secret.")
    @Outcome(id = "false, false", expect = ACCEPTABLE,             desc = "The panic came first; the load was abandoned and nothing is held.")
    @Outcome(id = "true, true",   expect = ACCEPTABLE_INTERESTING, desc = "The signal was lost: the load finished after the panic and the secret is still held.")
    @Outcome(id = "false, true",  expect = FORBIDDEN,              desc = "The load was abandoned, yet a secret is still held.")
    @State
    public static class Naive {
        private volatile SecretPages memory;
        private boolean loaded;

        @Actor
        public void daemonLoadsSecret() {
            SecretPages m = new SecretPages();
            m.load();
            memory = m;
            loaded = true;
        }

        @Actor
        public void earlySignalArrives() {
            SecretPages m = memory;
            if (m != null) {
                m.wipe();
            }
        }

        @Arbiter
        public void afterBoth(ZZ_Result r) {
            SecretPages m = memory;
            r.r1 = loaded;
            r.r2 = m != null && m.size() > 0;
        }
    }

    /** The kernel's order: the gate exists first, and the load checks it before and after. */
    @JCStressTest
    @Description("NoSignalLost: a panic signal arrives while the secret loads. The kernel's order: the gate exists first, and the load checks it before and after.")
    @Outcome(id = "true, false",  expect = ACCEPTABLE, desc = "The load finished first; the panic's sequence then wiped the secret.")
    @Outcome(id = "false, false", expect = ACCEPTABLE, desc = "The panic came first; the load was abandoned and nothing is held.")
    @Outcome(id = "true, true",   expect = FORBIDDEN,  desc = "The signal was lost: the load finished after the panic and the secret is still held.")
    @Outcome(id = "false, true",  expect = FORBIDDEN,  desc = "The load was abandoned, yet a secret is still held.")
    @State
    public static class Kernel {
        private final FireGate gate = new FireGate();
        private final SecretPages memory = new SecretPages();
        private boolean loaded;

        /** DaemonLoadsSecret: the steps of DeadManSwitch#loadSecret, in its order. */
        @Actor
        public void daemonLoadsSecret() {
            loaded = loadSecret();
        }

        private boolean loadSecret() {
            if (gate.isTerminal()) {
                return false;
            }
            memory.load();
            if (gate.isTerminal()) {
                memory.wipe();
                return false;
            }
            return true;
        }

        /** EarlySignalArrives: DeadManSwitch#hardPanic fires the gate; its sequence wipes. */
        @Actor
        public void earlySignalArrives() {
            if (gate.fire()) {
                memory.wipe();
            }
        }

        @Arbiter
        public void afterBoth(ZZ_Result r) {
            r.r1 = loaded;
            r.r2 = memory.size() > 0;
        }
    }
}
