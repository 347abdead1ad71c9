package dev.dazai.kernel;

import dev.dazai.kernel.domain.FireGate;
import dev.dazai.kernel.domain.SwitchConfig;
import dev.dazai.kernel.domain.SwitchMachine;
import dev.dazai.kernel.machine.SpringSwitchMachine;
import dev.dazai.kernel.port.in.Boot;
import dev.dazai.kernel.port.in.Consumers;
import dev.dazai.kernel.port.in.Liveness;
import dev.dazai.kernel.port.in.Presence;
import dev.dazai.kernel.port.in.Registry;
import dev.dazai.kernel.port.in.Status;
import dev.dazai.kernel.port.in.StatusQuery;
import dev.dazai.kernel.port.in.Triggers;
import dev.dazai.kernel.port.out.JournalEntry;
import dev.dazai.kernel.port.out.JournalEntry.Kind;
import dev.dazai.kernel.port.out.Pin;
import dev.dazai.kernel.port.out.Ports;
import dev.dazai.kernel.port.out.Secret;
import dev.dazai.kernel.port.out.SecretSink;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The switch as the app wires it: the kernel's inbound ports. Every call here only posts, to one
 * of the two threads the kernel owns, and returns; the decisions are taken there.
 *
 * <ul>
 *   <li>{@code dazai-kernel} ({@link Actions}, {@link LivenessSlot}, …) takes every decision but one;</li>
 *   <li>{@code dazai-sequence} ({@link Sequence}) runs every ending, and decides the one thing that
 *       must never wait behind a queue: a hard panic, by the {@link FireGate}'s compare-and-set.</li>
 * </ul>
 *
 * <p>Answers to clients travel back through their {@link Liveness.HeartbeatLine} or the callback
 * they passed, from the thread that decided: no answer is ever a guess made after a timeout.
 */
public final class DeadManSwitch
        implements Boot, Triggers, Liveness, Presence, Registry, Consumers, StatusQuery, AutoCloseable {

    private static final long SETTLE_MILLIS = 2_000;

    private final SwitchConfig config;
    private final Ports ports;
    private final FireGate gate = new FireGate();
    private final KernelLoop kernel;
    private final Stepper stepper;
    private final Holders holders;
    private final NamedSecrets secrets;
    private final Sequence sequence;
    private final GraceWindow window;
    private final Sessions sessions;
    private final LivenessSlot slot;
    private final Actions actions;
    private final AtomicInteger bootStage = new AtomicInteger();

    public DeadManSwitch(SwitchConfig config, Ports ports) {
        this(config, ports, new SpringSwitchMachine(config));
    }

    /** For tests that want to watch the machine; production uses the Spring one. */
    public DeadManSwitch(SwitchConfig config, Ports ports, SwitchMachine machine) {
        this.config = config;
        this.ports = ports;
        this.kernel = new KernelLoop("dazai-kernel", this::failed);
        this.stepper = new Stepper(machine, ports.journal());
        this.holders = new Holders(ports.holders(), gate, ports.journal());
        this.secrets = new NamedSecrets(ports.memory(), holders, gate, ports.journal());
        this.sequence = new Sequence(config, ports, gate, holders, kernel, stepper, new HardPanicFired());
        PingDeadline ping = new PingDeadline(ports.clock(), config.pingTimeoutMillis());
        this.window = new GraceWindow(config, ports.clock(), ports.journal(), gate, stepper, ping, sequence, kernel);
        this.sessions = new Sessions(ports.journal(), gate, stepper, window, this::slotHeld, this::watchSlotAgain);
        this.slot = new LivenessSlot(ports.clock(), ports.journal(), gate, stepper, window, ping, sequence, sessions,
                kernel);
        this.actions = new Actions(ports.journal(), gate, stepper, window, slot, ping, sequence);
    }

    /** Starts both threads and the machine. Anything posted earlier waits, it is not lost. */
    public DeadManSwitch start() {
        sequence.start();
        kernel.start();
        kernel.post(stepper::start);
        return this;
    }

    public SwitchConfig config() {
        return config;
    }

    // ---- Boot ------------------------------------------------------------------------------------

    @Override
    public void daemonInstallsHandlers() {
        if (bootStage.compareAndSet(0, 1)) {
            kernel.post(actions::daemonInstallsHandlers);
        }
    }

    /** Reads on the caller's thread (it may wait for stdin); a fire meanwhile wipes what arrived. */
    @Override
    public boolean daemonLoadsSecret() {
        if (!bootStage.compareAndSet(1, 2)) {
            throw new IllegalStateException(bootStage.get() == 0
                    ? "signal handlers must be live before the secret is read" : "the secret is loaded once");
        }
        if (gate.isTerminal()) {
            return false;
        }
        ports.memory().load();
        if (gate.isTerminal()) {
            ports.memory().wipe(); // what arrived after the sequence's wipe goes too
            return false;
        }
        ports.journal().record(JournalEntry.of(Kind.LOADED, secrets.bytes() + " bytes").with("bytes", secrets.bytes()));
        kernel.post(actions::daemonLoadsSecret);
        return true;
    }

    @Override
    public void daemonBecomesReady() {
        kernel.post(actions::daemonBecomesReady);
    }

    @Override
    public void daemonAbortsStart(int exitCode, String line) {
        kernel.post(() -> actions.daemonAbortsStart(exitCode, line));
    }

    // ---- Triggers --------------------------------------------------------------------------------

    @Override
    public void ownerPanics(String source) {
        trigger("OwnerPanics", source);
        kernel.post(() -> actions.ownerPanics(source));
    }

    @Override
    public void ownerPanicsHard(String source) {
        trigger("OwnerPanicsHard", source);
        sequence.ownerPanicsHard(source);
    }

    @Override
    public void ownerStops(String source) {
        trigger("OwnerStops", source);
        kernel.post(() -> actions.ownerStops(source));
    }

    /** The app's uncaught-exception handler: an {@link Error} anywhere is a hard panic needing no allocation. */
    public void threadDied(Thread thread, Throwable t) {
        failed(thread, t);
    }

    // ---- Liveness --------------------------------------------------------------------------------

    @Override
    public void clientConnects(HeartbeatLine line) {
        kernel.post(() -> slot.clientConnects(line));
    }

    @Override
    public void clientSaysHello(HeartbeatLine line, long claimedPid) {
        kernel.post(() -> slot.clientSaysHello(line, claimedPid));
    }

    @Override
    public void clientHangsUp(HeartbeatLine line) {
        kernel.post(new Granted.HangUp(slot, line));
    }

    // ---- Presence --------------------------------------------------------------------------------

    @Override
    public void sessionStarts(Session session) {
        kernel.post(() -> sessions.sessionStarts(session));
    }

    @Override
    public void sessionEnds(Session session) {
        kernel.post(() -> sessions.sessionEnds(session));
    }

    // ---- Registry --------------------------------------------------------------------------------

    @Override
    public void ownerRegistersHolder(long pid, OptionalLong startTime, Consumer<RegistryAnswer> answer) {
        kernel.post(() -> answer.accept(holders.ownerRegistersHolder(pid, startTime)));
    }

    @Override
    public void ownerUnregistersHolder(long pid, Consumer<RegistryAnswer> answer) {
        kernel.post(() -> answer.accept(holders.ownerUnregistersHolder(pid)));
    }

    // ---- Consumers -------------------------------------------------------------------------------

    @Override
    public void ownerAddsSecret(Secret secret, Consumer<RegistryAnswer> answer) {
        kernel.post(() -> answer.accept(secrets.ownerAddsSecret(secret)));
    }

    @Override
    public void ownerRemovesSecret(String name, Consumer<RegistryAnswer> answer) {
        kernel.post(() -> answer.accept(secrets.ownerRemovesSecret(name)));
    }

    @Override
    public void consumerStarts(Pin consumer, String secretName, SecretSink sink, Consumer<RegistryAnswer> answer) {
        kernel.post(() -> answer.accept(secrets.consumerStarts(consumer, secretName, sink)));
    }

    // ---- StatusQuery -----------------------------------------------------------------------------

    @Override
    public Status status() {
        long now = ports.clock().nowMillis();
        return new Status(stepper.state(), config.mode(), config.graceMillis(), config.pingTimeoutMillis(),
                window.cause(), window.remaining(now), slot.holderPid(), slot.lastLifeAgo(now),
                sessions.list(), holders.list(), secrets.entries(), secrets.bytes());
    }

    // ---- for the daemon's wiring and for tests ---------------------------------------------------

    /** The gate's phase, for trace conformance. */
    public FireGate.Phase phase() {
        return gate.phase();
    }

    /** Machine steps the table refused (0 in a correct kernel). */
    public int deniedCount() {
        return stepper.denied();
    }

    /** How many times the kill sequence started (SingleFire: at most 1). */
    public int sequenceCount() {
        return sequence.started();
    }

    /** After ready: a scratch machine through the fire paths, one per task, so the first fire runs warm. */
    public void warmUp() {
        for (int i = 0; i < stepper.warmUpCalls(); i++) {
            kernel.post(() -> {
                if (!gate.isTerminal()) {
                    stepper.warmUp();
                }
            });
        }
    }

    /** Waits until everything posted so far has run on both threads, and what they posted back. */
    public boolean settle() {
        return settle(SETTLE_MILLIS);
    }

    public boolean settle(long timeoutMillis) {
        return kernel.awaitIdle(timeoutMillis) && sequence.awaitIdle(timeoutMillis) && kernel.awaitIdle(timeoutMillis);
    }

    /** Only the kernel thread's queue: for tests that hold the sequence inside a port. */
    boolean settleKernelThread(long timeoutMillis) {
        return kernel.awaitIdle(timeoutMillis);
    }

    @Override
    public void close() {
        kernel.close();
        sequence.close();
    }

    private void watchSlotAgain() {
        slot.watchAgain();
    }

    private boolean slotHeld() {
        return slot.isHeld();
    }

    private void failed(Thread thread, Throwable t) {
        if (t instanceof Error) {
            sequence.panicOnError();
        }
        try {
            ports.journal().record(JournalEntry.of(Kind.ERROR, thread.getName() + ": " + t));
        } catch (Throwable ignored) {
            // Out of memory, most likely: the panic above needs no journal.
        }
    }

    private void trigger(String action, String source) {
        ports.journal().record(JournalEntry.of(Kind.TRIGGER, action + " " + source).with("action", action).with("source", source));
    }

    /** Made in advance, so the hard panic's path allocates no object for it. */
    private final class HardPanicFired implements Runnable {
        @Override
        public void run() {
            actions.ownerPanicsHardFired();
        }
    }
}
