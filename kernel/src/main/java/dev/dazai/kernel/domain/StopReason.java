package dev.dazai.kernel.domain;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Why the {@code --exec} child stopped: it exited by itself, the switch killed it, or a signal the
 * switch did not send ended it.
 *
 * <p>Two threads meet here. The sequence's thread kills the child; the reaper thread, woken by the
 * child's death, classifies it. The mark "the switch is killing it" is made with one
 * compare-and-set <em>before</em> the kill is sent, so a reaper that finds the child dead of our
 * signal always finds the mark too. A flag set after the kill can be read by the reaper before it
 * is written, and the switch's own kill is then reported as somebody else's
 * (jcstress/StopReason_01_MarkBeforeKill shows both).
 *
 * <p>If another process's signal lands between the mark and ours, the child is reported killed by
 * the switch: the switch was killing it anyway, so the report still agrees with what it did.
 */
public final class StopReason {

    /** How the child's life ended, as the reaper reports it. */
    public enum Reason {
        /** It exited with a status of its own (before the switch's kill, or with none sent). */
        EXITED,
        /** The switch's SIGKILL ended it, as part of the sequence. */
        KILLED_BY_SWITCH,
        /** A signal the switch did not send ended it: another process, or a crash. */
        KILLED_BY_OTHER
    }

    private final AtomicBoolean killing = new AtomicBoolean();

    /** Call before sending the kill. True for exactly one caller: the one that sends it. */
    public boolean markKilling() {
        return killing.compareAndSet(false, true);
    }

    /** Whether the switch has decided to kill the child (the kill may still be on its way). */
    public boolean isKilling() {
        return killing.get();
    }

    /** On the reaper's thread, once the child is reaped; {@code bySignal} is WIFSIGNALED of its status. */
    public Reason classify(boolean bySignal) {
        if (!bySignal) {
            return Reason.EXITED;
        }
        return killing.get() ? Reason.KILLED_BY_SWITCH : Reason.KILLED_BY_OTHER;
    }
}
