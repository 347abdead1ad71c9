package dev.dazai.kernel;

import dev.dazai.kernel.domain.Event;
import dev.dazai.kernel.domain.FireGate;
import dev.dazai.kernel.domain.Policy;
import dev.dazai.kernel.domain.SwitchConfig;
import dev.dazai.kernel.domain.Window;
import dev.dazai.kernel.port.out.Clock;
import dev.dazai.kernel.port.out.JournalEntry;
import dev.dazai.kernel.port.out.JournalEntry.Kind;
import dev.dazai.kernel.port.out.Journal;
import java.util.OptionalLong;

/**
 * The grace window and every way into the sequence from the kernel thread: a graceful panic
 * opens the window (or fires at once with --grace 0, or early), TimerExpires fires it, a cancel
 * or reconnect takes it back. Kernel thread only, apart from the volatile reads STATUS makes.
 *
 * <p>The timer carries the gate's epoch for its window, so a timer left over from a cancelled
 * window can never fire a later one (FireGate#expire).
 */
final class GraceWindow {

    private final SwitchConfig config;
    private final Clock clock;
    private final Journal journal;
    private final FireGate gate;
    private final Stepper stepper;
    private final PingDeadline ping;
    private final Sequence sequence;
    private final KernelLoop kernel;
    private volatile Window cause = Window.None;
    private volatile long deadline;
    private Clock.Timer timer;

    GraceWindow(SwitchConfig config, Clock clock, Journal journal, FireGate gate, Stepper stepper,
                PingDeadline ping, Sequence sequence, KernelLoop kernel) {
        this.config = config;
        this.clock = clock;
        this.journal = journal;
        this.gate = gate;
        this.stepper = stepper;
        this.ping = ping;
        this.sequence = sequence;
        this.kernel = kernel;
    }

    Window cause() {
        return cause;
    }

    OptionalLong remaining(long now) {
        return cause == Window.None ? OptionalLong.empty() : OptionalLong.of(Math.max(0, deadline - now));
    }

    /**
     * OwnerPanics, PingDeadlinePasses, OwnerLosesHeartbeat: open the window (or fire with grace 0);
     * early (Starting, Loading) it is EarlySignalArrives and fires; inside a window it is not
     * extended, but a panic stays a panic.
     */
    void gracefulPanic(Event cause, Window why, String source) {
        if (gate.isTerminal()) {
            ignored(cause, source);
        } else if (Policy.isEarly(stepper.state())) {
            if (gate.fire()) {
                fire(Event.EarlySignalArrives, source);
            }
        } else if (Policy.graceFiresAtOnce(config)) {
            if (gate.fire()) {
                fire(cause, source);
            } else {
                ignored(cause, source);
            }
        } else {
            switch (gate.openGrace()) {
                case OPENED -> open(cause, why, source);
                case ALREADY_PENDING -> {
                    stepper.step(cause);
                    this.cause = Policy.windowAfter(this.cause, why);
                    record(Kind.GRACE_IGNORED, cause + " " + source + ": window already pending, not extended");
                }
                case TOO_LATE -> ignored(cause, source);
            }
        }
    }

    /** The line first, then the timer: a window's journal must never look shorter than it was. */
    private void open(Event cause, Window why, String source) {
        ping.disarm();
        stepper.step(cause);
        this.cause = why;
        journal.record(JournalEntry.of(Kind.GRACE_START, config.graceMillis() + " ms, " + cause + " " + source)
                .with("grace_ms", config.graceMillis()).with("window", why.name()));
        deadline = clock.nowMillis() + config.graceMillis();
        timer = clock.schedule(config.graceMillis(), new Expiry(gate.epoch()));
    }

    /**
     * --lifetime: once the secret is held, a graceful panic at the deadline, present or not (an
     * OwnerPanics whose source is the clock); the timer's task only posts.
     */
    void startLifetime(java.util.function.Consumer<String> ownerPanics) {
        long lifetime = config.lifetimeMillis();
        if (lifetime > 0) {
            String source = "--lifetime of " + lifetime + " ms";
            clock.schedule(lifetime, () -> kernel.post(() -> ownerPanics.accept(source)));
        }
    }

    /** TimerExpires: loses cleanly to a cancel or reconnect that won first. */
    private void timerExpires(long epoch) {
        if (gate.expire(epoch)) {
            fire(Event.TimerExpires, "grace window of " + config.graceMillis() + " ms");
        }
    }

    /** HeartbeatCancels, HeartbeatReconnects: true if this took the window back before it fired. */
    boolean cancel() {
        if (!gate.cancel()) {
            return false;
        }
        close();
        return true;
    }

    /** The gate is ours: the sequence acts on its thread while this one takes the machine's step. */
    void fire(Event cause, String source) {
        sequence.fire(cause, source);
        close();
        ping.disarm();
        stepper.step(cause);
    }

    /** Cancelled or fired: the timer goes (best effort; a late one is stopped by its epoch). */
    void close() {
        cause = Window.None;
        Clock.Timer t = timer;
        timer = null;
        if (t != null) {
            t.cancel();
        }
    }

    void ignored(Event cause, String source) {
        record(Kind.GRACE_IGNORED, cause + " " + source + ": already fired or stopped");
    }

    private void record(Kind kind, String detail) {
        journal.record(JournalEntry.of(kind, detail));
    }

    /**
     * On the clock's thread it only posts itself; on the kernel thread it is TimerExpires. A class,
     * not a lambda: its first run is the fire, and a lambda links on its first run.
     */
    private final class Expiry implements Runnable {
        private final long epoch;

        Expiry(long epoch) {
            this.epoch = epoch;
        }

        @Override
        public void run() {
            if (kernel.onLoop()) {
                timerExpires(epoch);
            } else {
                kernel.post(this);
            }
        }
    }
}
