package dev.dazai.jcstress.os;

import java.util.concurrent.atomic.AtomicReference;

/**
 * One life of one process: a PID is a number that many incarnations hold in turn, an incarnation
 * is the process itself. It ends once, either by exiting or by a SIGKILL, and the first wins.
 */
public final class Incarnation {

    /** Where this life stands. */
    public enum Fate {
        RUNNING,
        EXITED,
        KILLED
    }

    private final long pid;
    private final long startTime;
    private final AtomicReference<Fate> fate = new AtomicReference<>(Fate.RUNNING);

    Incarnation(long pid, long startTime) {
        this.pid = pid;
        this.startTime = startTime;
    }

    public long pid() {
        return pid;
    }

    /** Field 22 of /proc/PID/stat in the real thing: what tells two lives of one PID apart. */
    public long startTime() {
        return startTime;
    }

    public Fate fate() {
        return fate.get();
    }

    public boolean isRunning() {
        return fate.get() == Fate.RUNNING;
    }

    /** SIGKILL delivered to this life: true if it was running and this signal ended it. */
    public boolean kill() {
        return fate.compareAndSet(Fate.RUNNING, Fate.KILLED);
    }

    /** exit(2): true if it was running and ended by itself. */
    public boolean exit() {
        return fate.compareAndSet(Fate.RUNNING, Fate.EXITED);
    }
}
