package dev.dazai.kernel;

import dev.dazai.kernel.domain.Event;
import dev.dazai.kernel.domain.FireGate;
import dev.dazai.kernel.domain.Policy;
import dev.dazai.kernel.domain.Window;
import dev.dazai.kernel.port.out.Journal;
import dev.dazai.kernel.port.out.JournalEntry;
import dev.dazai.kernel.port.out.JournalEntry.Kind;

/**
 * The spec's start-up and owner actions as the kernel thread takes them, one method per action
 * and named as in spec/DeadMan.tla; the heartbeat's actions are in {@link LivenessSlot}, the
 * window's in {@link GraceWindow}, the sequence's in {@link Sequence}. Every ending goes through
 * the {@link FireGate}: a stop, an aborted start and a fire exclude each other.
 */
final class Actions {

    private final Journal journal;
    private final FireGate gate;
    private final Stepper stepper;
    private final GraceWindow window;
    private final LivenessSlot slot;
    private final PingDeadline ping;
    private final Sequence sequence;
    private boolean ready;

    Actions(Journal journal, FireGate gate, Stepper stepper, GraceWindow window, LivenessSlot slot,
            PingDeadline ping, Sequence sequence) {
        this.journal = journal;
        this.gate = gate;
        this.stepper = stepper;
        this.window = window;
        this.slot = slot;
        this.ping = ping;
        this.sequence = sequence;
    }

    /** DaemonInstallsHandlers. Skipped, not refused, when an early signal already fired. */
    void daemonInstallsHandlers() {
        if (!gate.isTerminal()) {
            stepper.step(Event.DaemonInstallsHandlers);
        }
    }

    /** DaemonLoadsSecret: the secret is held; the lifetime starts. Skipped after an early fire. */
    void daemonLoadsSecret() {
        if (!gate.isTerminal()) {
            stepper.step(Event.DaemonLoadsSecret);
            window.startLifetime(this::ownerPanics);
        }
    }

    /**
     * DaemonBecomesReady: sockets and pidfile are up; start-up can no longer abort, and the ping
     * deadline starts now, when a heartbeat can first reach the daemon, not while it still starts.
     */
    void daemonBecomesReady() {
        ready = true;
        if (!gate.isTerminal()) {
            slot.watchFromStart();
        }
    }

    /** DaemonAbortsStart: through the gate, like every ending; a pending panic fires instead. */
    void daemonAbortsStart(int status, String line) {
        if (ready) {
            record(Kind.ERROR, "start-up abort after ready ignored: " + line);
            return;
        }
        switch (gate.stopOrFire()) {
            case STOP -> {
                ping.disarm();
                stepper.step(Event.DaemonAbortsStart);
                sequence.stop(status, "start-up aborted", line, null);
            }
            case FIRE -> {
                record(Kind.ERROR, "start-up failed inside a grace window: " + line);
                window.fire(Event.DaemonAbortsStart, "start-up aborted inside a grace window");
            }
            case TOO_LATE -> record(Kind.GRACE_IGNORED, "start-up failed after the end began: " + line);
        }
    }

    /** OwnerStops: a clean stop; inside a window it fires instead (a panic is never downgraded). */
    void ownerStops(String source) {
        switch (gate.stopOrFire()) {
            case STOP -> {
                ping.disarm();
                stepper.step(Event.OwnerStops);
                sequence.stop(0, "stopped by " + source, "", null);
            }
            case FIRE -> window.fire(Event.OwnerStops, source + " inside a grace window");
            case TOO_LATE -> window.ignored(Event.OwnerStops, source);
        }
    }

    /** OwnerPanics; EarlySignalArrives in Starting and Loading. */
    void ownerPanics(String source) {
        window.gracefulPanic(Event.OwnerPanics, Window.Panic, source);
    }

    /** The sequence thread won the gate for OwnerPanicsHard: the kernel thread's half of it. */
    void ownerPanicsHardFired() {
        window.close();
        ping.disarm();
        stepper.step(Policy.isEarly(stepper.state()) ? Event.EarlySignalArrives : Event.OwnerPanicsHard);
    }

    private void record(Kind kind, String detail) {
        journal.record(JournalEntry.of(kind, detail));
    }
}
