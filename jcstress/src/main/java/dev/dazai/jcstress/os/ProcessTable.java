package dev.dazai.jcstress.os;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A toy process table in which PIDs are reused on purpose: a PID freed by a reaped process goes to
 * the next process spawned with it. Only the parts the races need are modelled: who holds a PID
 * now, signals by number (kill(2)) and by handle (pidfd_send_signal), and start times.
 */
public final class ProcessTable {

    private final AtomicReferenceArray<Incarnation> slots;
    private final AtomicLong ticks = new AtomicLong(1_000);

    /** A table of PIDs 0 to {@code size - 1}. */
    public ProcessTable(int size) {
        this.slots = new AtomicReferenceArray<>(size);
    }

    /** fork+exec with a chosen PID, as the OS does when it hands out a recycled one. */
    public Incarnation spawn(long pid) {
        Incarnation born = new Incarnation(pid, ticks.incrementAndGet());
        if (!slots.compareAndSet(index(pid), null, born)) {
            throw new IllegalStateException("pid " + pid + " is in use");
        }
        return born;
    }

    /** The parent's waitpid: an ended process gives its PID back, and the number is free for reuse. */
    public void reap(Incarnation ended) {
        if (ended.isRunning()) {
            throw new IllegalStateException("pid " + ended.pid() + " is still running");
        }
        slots.compareAndSet(index(ended.pid()), ended, null);
    }

    /** Whoever holds {@code pid} now (a running process or an unreaped one), or null. */
    public Incarnation holderOf(long pid) {
        return slots.get(index(pid));
    }

    /** kill(pid, SIGKILL): reaches whoever holds the number at this instant. True if it ended a life. */
    public boolean killPid(long pid) {
        Incarnation now = holderOf(pid);
        return now != null && now.kill();
    }

    /** pidfd_open: a handle on the life that holds {@code pid} now, or null if nobody does. */
    public Pidfd openPidfd(long pid) {
        Incarnation now = holderOf(pid);
        return now == null ? null : new Pidfd(now);
    }

    private int index(long pid) {
        return Math.toIntExact(pid);
    }
}
