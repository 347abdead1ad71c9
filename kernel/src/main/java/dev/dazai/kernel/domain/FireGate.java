package dev.dazai.kernel.domain;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The single-fire gate and the cancel-or-expire arbiter, in one atomic word.
 *
 * <p>Every decision that can race (two triggers firing, a reconnect against the grace timer, a stop
 * against a panic) is one compare-and-set on {@code word}, so exactly one side wins and nobody waits
 * for a lock or a queue. The word packs the phase (low two bits) and the grace window's epoch (the
 * rest): a timer carries the epoch of the window it was armed for, so a timer left over from a
 * cancelled window can never fire a later one early.
 */
public final class FireGate {

    /** Where the switch stands, as far as firing is concerned. */
    public enum Phase {
        /** No window pending. */
        Open,
        /** A grace window is pending. */
        Pending,
        /** The sequence has started: nothing cancels it. */
        Fired,
        /** A clean stop has started. */
        Stopped
    }

    /** What {@link #openGrace()} did. */
    public enum Opening {
        OPENED,
        ALREADY_PENDING,
        TOO_LATE
    }

    /** What {@link #stopOrFire()} decided. */
    public enum Stopping {
        STOP,
        FIRE,
        TOO_LATE
    }

    private static final Phase[] PHASES = Phase.values();

    private final AtomicLong word = new AtomicLong(pack(Phase.Open, 0));

    private static long pack(Phase phase, long epoch) {
        return (epoch << 2) | phase.ordinal();
    }

    private static Phase phaseOf(long w) {
        return PHASES[(int) (w & 3)];
    }

    private static long epochOf(long w) {
        return w >>> 2;
    }

    public Phase phase() {
        return phaseOf(word.get());
    }

    /** The epoch of the current (or last) window. */
    public long epoch() {
        return epochOf(word.get());
    }

    public boolean isTerminal() {
        Phase p = phase();
        return p == Phase.Fired || p == Phase.Stopped;
    }

    /** A graceful trigger: opens a window, never extends one already pending. */
    public Opening openGrace() {
        while (true) {
            long w = word.get();
            switch (phaseOf(w)) {
                case Pending:
                    return Opening.ALREADY_PENDING;
                case Fired:
                case Stopped:
                    return Opening.TOO_LATE;
                default:
                    if (word.compareAndSet(w, pack(Phase.Pending, epochOf(w) + 1))) {
                        return Opening.OPENED;
                    }
            }
        }
    }

    /** Reconnect or CANCEL: true only if this call took the pending window back before it fired. */
    public boolean cancel() {
        while (true) {
            long w = word.get();
            if (phaseOf(w) != Phase.Pending) {
                return false;
            }
            if (word.compareAndSet(w, pack(Phase.Open, epochOf(w)))) {
                return true;
            }
        }
    }

    /** The grace timer armed for window {@code epoch}: true only if it, and nothing else, fires. */
    public boolean expire(long epoch) {
        return word.compareAndSet(pack(Phase.Pending, epoch), pack(Phase.Fired, epoch));
    }

    /** Any trigger that fires at once (hard panic, grace 0, early signal): true for exactly one caller. */
    public boolean fire() {
        while (true) {
            long w = word.get();
            Phase p = phaseOf(w);
            if (p == Phase.Fired || p == Phase.Stopped) {
                return false;
            }
            if (word.compareAndSet(w, pack(Phase.Fired, epochOf(w)))) {
                return true;
            }
        }
    }

    /** Shutdown: a clean stop when nothing is pending; a pending panic is never downgraded, it fires. */
    public Stopping stopOrFire() {
        while (true) {
            long w = word.get();
            Phase p = phaseOf(w);
            if (p == Phase.Fired || p == Phase.Stopped) {
                return Stopping.TOO_LATE;
            }
            Phase next = p == Phase.Pending ? Phase.Fired : Phase.Stopped;
            if (word.compareAndSet(w, pack(next, epochOf(w)))) {
                return next == Phase.Fired ? Stopping.FIRE : Stopping.STOP;
            }
        }
    }
}
