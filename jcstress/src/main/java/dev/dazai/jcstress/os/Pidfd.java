package dev.dazai.jcstress.os;

/**
 * A handle that pins one incarnation, like a Linux pidfd: a signal sent through it reaches that
 * life or nobody, never a later process that was given the same number.
 */
public final class Pidfd {

    private final Incarnation pinned;

    Pidfd(Incarnation pinned) {
        this.pinned = pinned;
    }

    public long pid() {
        return pinned.pid();
    }

    public long startTime() {
        return pinned.startTime();
    }

    /** pidfd_send_signal(SIGKILL): false (ESRCH) if the pinned life has already ended. */
    public boolean sendKill() {
        return pinned.kill();
    }

    public boolean isAlive() {
        return pinned.isRunning();
    }
}
