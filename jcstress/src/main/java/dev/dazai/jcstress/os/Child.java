package dev.dazai.jcstress.os;

/**
 * The {@code --exec} child as the reaper sees it: running, or ended with a status that says
 * whether a signal ended it (WIFSIGNALED) — but not who sent the signal.
 */
public final class Child {

    private final Incarnation life;

    public Child(ProcessTable table, long pid) {
        this.life = table.spawn(pid);
    }

    /** SIGKILL through the child's pidfd. */
    public boolean sigkill() {
        return life.kill();
    }

    /** The child's own exit(2). */
    public boolean exit() {
        return life.exit();
    }

    /** What waitpid(WNOHANG) would say: true once the child has ended and can be reaped. */
    public boolean hasEnded() {
        return !life.isRunning();
    }

    /** WIFSIGNALED of the status: meaningful once {@link #hasEnded()}. */
    public boolean endedBySignal() {
        return life.fate() == Incarnation.Fate.KILLED;
    }
}
