package dev.dazai.kernel;

import dev.dazai.kernel.domain.Event;
import dev.dazai.kernel.domain.FireGate;
import dev.dazai.kernel.domain.Mode;
import dev.dazai.kernel.domain.State;
import dev.dazai.kernel.domain.Status;
import dev.dazai.kernel.domain.SwitchConfig;
import dev.dazai.kernel.domain.SwitchMachine;
import dev.dazai.kernel.machine.SpringSwitchMachine;
import dev.dazai.kernel.port.in.Boot;
import dev.dazai.kernel.port.in.Liveness;
import dev.dazai.kernel.port.in.Registry;
import dev.dazai.kernel.port.in.StatusQuery;
import dev.dazai.kernel.port.in.Triggers;
import dev.dazai.kernel.port.out.Clock;
import dev.dazai.kernel.port.out.Holder;
import dev.dazai.kernel.port.out.JournalEntry;
import dev.dazai.kernel.port.out.JournalEntry.Kind;
import dev.dazai.kernel.port.out.KillOutcome;
import dev.dazai.kernel.port.out.Ports;
import dev.dazai.kernel.port.out.RegistrationException;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The switch: decides, and has the ports act. Read it beside spec/DeadMan.tla; each public entry
 * names the spec action it implements.
 *
 * <p>Three things decide, and each has one owner. The {@link FireGate} decides whether the sequence
 * runs (one compare-and-set, so a hard panic never waits behind a queue and two triggers never both
 * win). The kernel thread ({@link KernelLoop}) decides everything else — who holds the liveness
 * slot, whether a window opens — and is the only caller of the state machine. The state machine
 * checks that every step taken is a row of the transition table: a step it refuses is logged as
 * DENIED and counted, and tests fail on any.
 */
public final class DeadManSwitch implements Boot, Triggers, Liveness, Registry, StatusQuery, AutoCloseable {

    private static final long CALL_TIMEOUT_MILLIS = 2_000;
    private static final long SETTLE_MILLIS = 500;

    private final SwitchConfig config;
    private final Ports ports;
    private final SwitchMachine machine;
    private final FireGate gate = new FireGate();
    private final KernelLoop loop;
    /**
     * Runs a sequence the kernel thread fired (heartbeat lost, ping deadline, with grace 0), so the
     * kill and wipe do not wait behind that thread's machine steps; as a hard panic runs on the
     * signal's thread and an expiry on the clock's. Idle until then: a sequence runs once.
     */
    private final KernelLoop sequencer;
    private final Object registryLock = new Object();
    private final AtomicInteger denied = new AtomicInteger();
    private final AtomicInteger sequences = new AtomicInteger();
    private final AtomicInteger bootStage = new AtomicInteger();

    // Owned by the kernel thread; volatile only so status() can read a recent value.
    private volatile State state = State.Starting;
    private volatile Session slot;
    private volatile long graceDeadline;
    private volatile long lastPing;
    private volatile Clock.Timer graceTimer;
    private volatile Clock.Timer pingTimer;
    private final AtomicLong pingEpoch = new AtomicLong();

    public DeadManSwitch(SwitchConfig config, Ports ports) {
        this(config, ports, new SpringSwitchMachine(config));
    }

    /** For tests that want to watch the machine; production uses the Spring one. */
    public DeadManSwitch(SwitchConfig config, Ports ports, SwitchMachine machine) {
        this.config = config;
        this.ports = ports;
        this.machine = machine;
        this.loop = new KernelLoop(e -> journal(Kind.ERROR, "kernel thread: " + e));
        this.sequencer = new KernelLoop("dazai-sequence", e -> journal(Kind.ERROR, "sequence thread: " + e));
    }

    /** Starts the kernel thread and the machine. Triggers that come earlier are queued, not lost. */
    public DeadManSwitch start() {
        sequencer.start();
        loop.start();
        loop.post(machine::start);
        return this;
    }

    public SwitchConfig config() {
        return config;
    }

    /** Machine events refused where the table should have allowed them (0 in a correct kernel). */
    public int deniedCount() {
        return denied.get();
    }

    /** How many times the kill sequence started (SingleFire: at most 1). */
    public int sequenceCount() {
        return sequences.get();
    }

    /**
     * Warms the fire path on the kernel thread, off the live machine (see {@link SwitchMachine#warmUp}).
     * The daemon calls it once it is ready. One task per path, so a HELLO or trigger that comes
     * meanwhile waits behind one path (milliseconds), never the whole warm-up; a hard panic not at all.
     */
    public void warmUp() {
        for (int i = 0; i < machine.warmUpCalls(); i++) {
            loop.post(() -> {
                if (!gate.isTerminal()) {
                    machine.warmUp();
                }
            });
        }
    }

    /**
     * Waits until everything posted so far has run: the kernel thread's work, a sequence it handed
     * off, and the steps that sequence posted back (tests, shutdown).
     */
    public void settle() {
        settle(SETTLE_MILLIS * 4);
    }

    /** As {@link #settle()}, bounded by {@code timeoutMillis} for each stage; true if all went idle. */
    public boolean settle(long timeoutMillis) {
        return loop.awaitIdle(timeoutMillis) && sequencer.awaitIdle(timeoutMillis) && loop.awaitIdle(timeoutMillis);
    }

    /** Only the kernel thread's queue; for tests that hold a sequence stopped inside a port. */
    boolean settleKernelThread(long timeoutMillis) {
        return loop.awaitIdle(timeoutMillis);
    }

    // ---- Boot ------------------------------------------------------------------------------

    /** DaemonInstallsHandlers. */
    @Override
    public void handlersLive() {
        if (bootStage.compareAndSet(0, 1)) {
            loop.post(new Step(Event.HandlersLive, true));
        }
    }

    /** DaemonLoadsSecret; an early signal makes it DaemonAbortsLoad (the sequence wipes). */
    @Override
    public boolean loadSecret() {
        if (!bootStage.compareAndSet(1, 2)) {
            throw new IllegalStateException(bootStage.get() == 0
                    ? "signal handlers must be live before the secret is read"
                    : "the secret is loaded once");
        }
        if (gate.isTerminal()) {
            return false;
        }
        ports.memory().load();
        if (gate.isTerminal()) {
            // A signal raced the load: whatever arrived after the sequence's wipe goes too.
            ports.memory().wipe();
            return false;
        }
        journal(Kind.LOADED, ports.memory().size() + " bytes");
        loop.post(() -> {
            if (step(Event.SecretLoaded, true)) {
                armPingTimer();
            }
        });
        return true;
    }

    // ---- Triggers --------------------------------------------------------------------------

    /** OwnerPanics: graceful; early (Starting, Loading) it fires at once. */
    @Override
    public void gracefulSignal(String source) {
        journal(Kind.TRIGGER, "GracefulSignal " + source);
        loop.post(() -> gracefulPanic(Event.GracefulSignal, source));
    }

    /** OwnerPanicsHard: fires on the caller's thread, inside a window too. */
    @Override
    public void hardPanic(String source) {
        journal(Kind.TRIGGER, "HardPanic " + source);
        if (gate.fire()) {
            runSequence(Event.HardPanic, source);
        } else {
            journal(Kind.GRACE_IGNORED, "HardPanic " + source + ": already fired or stopped");
        }
    }

    /** OwnerStops: clean stop; inside a window it fires instead (a panic is never downgraded). */
    @Override
    public void shutdown(String source) {
        journal(Kind.TRIGGER, "Shutdown " + source);
        switch (gate.stopOrFire()) {
            case STOP -> runStop(source);
            case FIRE -> runSequence(Event.Shutdown, source + " inside a grace window");
            case TOO_LATE -> journal(Kind.GRACE_IGNORED, "Shutdown " + source + ": already fired or stopped");
        }
    }

    // ---- Liveness --------------------------------------------------------------------------

    /** HeartbeatAttaches (Waiting) or HeartbeatReconnects (Grace); SecondClientConnects gets BUSY. */
    @Override
    public Optional<Heartbeat> hello(long peerPid) {
        return loop.call(() -> Optional.ofNullable(claimSlot(peerPid)), CALL_TIMEOUT_MILLIS, Optional.empty());
    }

    private Heartbeat claimSlot(long peerPid) {
        if (gate.isTerminal() || slot != null || state == State.Starting || state == State.Loading) {
            journal(Kind.BUSY, "pid " + peerPid + (slot != null ? ": slot held" : ": not accepting"));
            return null;
        }
        Session session = new Session(peerPid);
        if (gate.phase() == FireGate.Phase.Pending) {
            if (!gate.cancel()) {
                journal(Kind.BUSY, "pid " + peerPid + ": too late, fired");
                return null;
            }
            slot = session;
            cancelGraceTimer();
            step(Event.Reconnect, false);
            journal(Kind.RECONNECTED, "pid " + peerPid);
            journal(Kind.CANCELLED, "by reconnect of pid " + peerPid);
        } else {
            slot = session;
            step(Event.Attach, false);
            journal(Kind.ATTACHED, "pid " + peerPid);
        }
        lastPing = ports.clock().nowMillis();
        armPingTimer();
        return session;
    }

    /** The liveness slot as one connection holds it. */
    private final class Session implements Heartbeat {
        private final long pid;
        private final AtomicBoolean ended = new AtomicBoolean();

        Session(long pid) {
            this.pid = pid;
        }

        /** HeartbeatPings. */
        @Override
        public boolean ping() {
            if (gate.isTerminal() || ended.get()) {
                return false;
            }
            loop.post(() -> {
                if (slot == this) {
                    lastPing = ports.clock().nowMillis();
                    armPingTimer();
                }
            });
            return true;
        }

        /** HeartbeatCancels: only the slot holder reaches this method. */
        @Override
        public CancelOutcome cancel() {
            return loop.call(() -> {
                if (slot != this || gate.phase() == FireGate.Phase.Open) {
                    return gate.isTerminal() ? CancelOutcome.TOO_LATE : CancelOutcome.NOTHING_PENDING;
                }
                if (!gate.cancel()) {
                    return gate.isTerminal() ? CancelOutcome.TOO_LATE : CancelOutcome.NOTHING_PENDING;
                }
                cancelGraceTimer();
                step(Event.Cancel, false);
                journal(Kind.CANCELLED, "by heartbeat pid " + pid);
                // A CANCEL is proof of life: the ping deadline starts again from here.
                lastPing = ports.clock().nowMillis();
                armPingTimer();
                return CancelOutcome.CANCELLED;
            }, CALL_TIMEOUT_MILLIS, CancelOutcome.TOO_LATE);
        }

        /** OwnerStops through QUIT: the slot is given back first so nothing reads it as a loss. */
        @Override
        public void quit() {
            if (ended.compareAndSet(false, true)) {
                loop.call(() -> {
                    if (slot == this) {
                        slot = null;
                    }
                    return null;
                }, CALL_TIMEOUT_MILLIS, null);
                shutdown("QUIT from heartbeat pid " + pid);
            }
        }

        /** OwnerLosesHeartbeat. */
        @Override
        public void lost() {
            if (ended.compareAndSet(false, true)) {
                loop.post(new Loss());
            }
        }

        /** A class, not a lambda: a lambda links on its first run, and this one's first run is the loss. */
        private final class Loss implements Runnable {
            @Override
            public void run() {
                if (slot == Session.this) {
                    slot = null;
                    journal(Kind.LOST, "heartbeat pid " + pid);
                    gracefulPanic(Event.HeartbeatLost, "heartbeat pid " + pid + " lost");
                }
            }
        }
    }

    // ---- Registry --------------------------------------------------------------------------

    /** HolderRegisters: refused once the sequence has begun, so KillBeforeWipe covers every holder. */
    @Override
    public Holder register(long pid, OptionalLong startTime) {
        synchronized (registryLock) {
            if (gate.isTerminal()) {
                throw new RegistrationException("the switch has already fired or stopped");
            }
            Holder holder = ports.holders().register(pid, startTime);
            journal(Kind.REGISTERED, "pid " + holder.pid() + " starttime " + holder.startTime());
            return holder;
        }
    }

    @Override
    public boolean unregister(long pid) {
        synchronized (registryLock) {
            boolean removed = ports.holders().unregister(pid);
            if (removed) {
                journal(Kind.UNREGISTERED, "pid " + pid);
            }
            return removed;
        }
    }

    // ---- StatusQuery -----------------------------------------------------------------------

    @Override
    public Status status() {
        long now = ports.clock().nowMillis();
        Session s = slot;
        OptionalLong graceLeft = gate.phase() == FireGate.Phase.Pending
                ? OptionalLong.of(Math.max(0, graceDeadline - now)) : OptionalLong.empty();
        return new Status(state, config.mode(), config.graceMillis(), config.pingTimeoutMillis(), graceLeft,
                s == null ? OptionalLong.empty() : OptionalLong.of(s.pid),
                s == null ? OptionalLong.empty() : OptionalLong.of(Math.max(0, now - lastPing)),
                ports.holders().holders(), ports.memory().size());
    }

    // ---- decisions on the kernel thread ------------------------------------------------------

    /** OwnerPanics, PingDeadlinePasses, OwnerLosesHeartbeat: open the window, or fire with grace 0. */
    private void gracefulPanic(Event cause, String source) {
        if (gate.isTerminal()) {
            journal(Kind.GRACE_IGNORED, cause + " " + source + ": already fired or stopped");
            return;
        }
        if (state == State.Starting || state == State.Loading || config.graceMillis() == 0) {
            if (gate.fire()) {
                handOffSequence(cause, source);
            }
            return;
        }
        switch (gate.openGrace()) {
            case OPENED -> {
                long epoch = gate.epoch();
                step(cause, false);
                graceDeadline = ports.clock().nowMillis() + config.graceMillis();
                journal(Kind.GRACE_START, config.graceMillis() + " ms, " + cause + " " + source);
                graceTimer = ports.clock().schedule(config.graceMillis(), () -> graceExpired(epoch));
            }
            case ALREADY_PENDING -> {
                step(cause, false);
                journal(Kind.GRACE_IGNORED, cause + " " + source + ": window already pending, not extended");
            }
            case TOO_LATE -> journal(Kind.GRACE_IGNORED, cause + " " + source + ": already fired or stopped");
        }
    }

    /** TimerExpires: on the clock's thread; loses cleanly to a cancel that won first. */
    private void graceExpired(long epoch) {
        if (gate.expire(epoch)) {
            runSequence(Event.GraceExpired, "grace window of " + config.graceMillis() + " ms");
        }
    }

    private void armPingTimer() {
        if (config.pingTimeoutMillis() == 0) {
            return;
        }
        long epoch = pingEpoch.incrementAndGet();
        Clock.Timer previous = pingTimer;
        if (previous != null) {
            previous.cancel();
        }
        pingTimer = ports.clock().schedule(config.pingTimeoutMillis(), () -> loop.post(() -> {
            if (pingEpoch.get() == epoch) {
                journal(Kind.TRIGGER, "PingTimeout after " + config.pingTimeoutMillis() + " ms");
                gracefulPanic(Event.PingTimeout, "no PING for " + config.pingTimeoutMillis() + " ms");
            }
        }));
    }

    private void cancelGraceTimer() {
        Clock.Timer t = graceTimer;
        if (t != null) {
            t.cancel();
        }
    }

    // ---- the sequence ----------------------------------------------------------------------

    /**
     * DaemonKillsHolders, DaemonWipes, DaemonUnlinks, DaemonDies, in that order, on the thread that
     * won the gate. Each step runs even if the one before threw: a half-run sequence is worse than
     * either end, and dying with the secret wiped is the point.
     */
    private void runSequence(Event cause, String source) {
        announce(cause, source);
        loop.post(new Step(cause, false));
        act();
    }

    /**
     * The kernel thread won the gate: the machine takes the first step here and now, before any
     * start-up step still queued behind this task, and the sequencer acts meanwhile.
     */
    private void handOffSequence(Event cause, String source) {
        announce(cause, source);
        sequencer.post(new Act());
        step(cause, false);
    }

    private void announce(Event cause, String source) {
        sequences.incrementAndGet();
        journal(Kind.FIRE, cause + " " + source);
        cancelGraceTimer();
        pingEpoch.incrementAndGet();
    }

    /** The sequence's actions, after the trigger's own machine step was taken or posted. */
    private void act() {
        try {
            killHolders();
        } catch (RuntimeException e) {
            journal(Kind.ERROR, "killing holders: " + e.getMessage());
        } finally {
            loop.post(new Step(Event.HoldersKilled, false));
            try {
                wipe();
            } finally {
                loop.post(new Step(Event.SecretWiped, false));
                try {
                    unlink();
                } finally {
                    loop.post(new Step(Event.FilesUnlinked, false));
                    if (config.mode() == Mode.Armed) {
                        // Nothing is left to protect: the machine's last steps are bookkeeping, and
                        // waiting for them cost the first fire a few ms of Spring (bench/).
                        journal(Kind.DIE, "SIGKILL self");
                        ports.terminator().die();
                    } else {
                        loop.awaitIdle(SETTLE_MILLIS);
                        journal(Kind.WOULD_SIGKILL, "self");
                        journal(Kind.EXIT, "0 rehearsed");
                        ports.terminator().exit(0);
                    }
                }
            }
        }
    }

    private void killHolders() {
        synchronized (registryLock) {
            List<KillOutcome> outcomes = config.mode() == Mode.Armed
                    ? ports.holders().killAll()
                    : ports.holders().rehearseKillAll();
            for (KillOutcome o : outcomes) {
                switch (o.kind()) {
                    case KILLED -> journal(Kind.KILLED, Long.toString(o.pid()));
                    case GONE -> journal(Kind.GONE, Long.toString(o.pid()));
                    case WOULD_KILL -> journal(Kind.WOULD_SIGKILL, Long.toString(o.pid()));
                    case FAILED -> journal(Kind.KILL_FAILED, o.pid() + " (refused; it may still be running)");
                }
            }
        }
    }

    private void wipe() {
        long size = ports.memory().size();
        try {
            ports.memory().wipe();
            journal(Kind.WIPED, size + " bytes");
        } catch (RuntimeException e) {
            journal(Kind.ERROR, "wipe: " + e.getMessage());
        }
    }

    private void unlink() {
        try {
            ports.unlinker().unlink();
            journal(Kind.UNLINKED, "pidfile and sockets");
        } catch (RuntimeException e) {
            journal(Kind.ERROR, "unlink: " + e.getMessage());
        }
    }

    /** OwnerStops: wipe, unlink, exit 0; holders are left alone. */
    private void runStop(String source) {
        cancelGraceTimer();
        pingEpoch.incrementAndGet();
        loop.post(new Step(Event.Shutdown, false));
        try {
            wipe();
        } finally {
            try {
                unlink();
            } finally {
                loop.awaitIdle(SETTLE_MILLIS);
                journal(Kind.EXIT, "0 stopped by " + source);
                ports.terminator().exit(0);
            }
        }
    }

    /** The sequence's actions, handed to the sequencer; a class, not a lambda, for the reason {@link Step} gives. */
    private final class Act implements Runnable {
        @Override
        public void run() {
            act();
        }
    }

    /**
     * A machine step posted to the kernel thread. A class rather than a lambda at each call site:
     * a lambda links on its first run, and the sequence's first run is the fire itself.
     */
    private final class Step implements Runnable {
        private final Event event;
        private final boolean lifecycle;

        Step(Event event, boolean lifecycle) {
            this.event = event;
            this.lifecycle = lifecycle;
        }

        @Override
        public void run() {
            step(event, lifecycle);
        }
    }

    /**
     * One machine step, on the kernel thread. Start-up steps that lose a race with the sequence are
     * skipped (the sequence owns the machine from then on); any other refusal is a kernel bug.
     */
    private boolean step(Event event, boolean lifecycle) {
        State before = machine.state();
        if (lifecycle && before.isTerminal()) {
            return false;
        }
        if (machine.apply(event)) {
            State after = machine.state();
            state = after;
            if (after != before) {
                journal(Kind.STATE, before + " -> " + after + " on " + event);
            }
            return true;
        }
        denied.incrementAndGet();
        journal(Kind.DENIED, event + " in " + before);
        return false;
    }

    private void journal(Kind kind, String detail) {
        ports.journal().record(JournalEntry.of(kind, detail));
    }

    @Override
    public void close() {
        cancelGraceTimer();
        Clock.Timer p = pingTimer;
        if (p != null) {
            p.cancel();
        }
        loop.close();
        sequencer.close();
    }
}
