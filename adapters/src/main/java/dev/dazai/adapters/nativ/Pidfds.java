package dev.dazai.adapters.nativ;


/** The three pidfd calls, by raw syscall number (glibc 2.36 wraps only some of them). */
public final class Pidfds {

    private Pidfds() {
    }

    /** What a signal sent through a pidfd came to. */
    public enum Sent {
        DELIVERED,
        /** The process has exited (zombie or reaped): nothing was sent to anyone. */
        GONE,
        NOT_PERMITTED
    }

    /** pidfd_open(pid, 0); returns the fd or a negative errno. */
    public static int open(long pid) {
        int fd = (int) Native.libc().syscall(Sys.SYS_PIDFD_OPEN, pid, 0, 0, 0);
        return fd >= 0 ? fd : -Native.errno();
    }

    /** True if this kernel has pidfd_open and pidfd_send_signal (Linux ≥ 5.3). */
    public static boolean supported() {
        int fd = open(Native.libc().getpid());
        if (fd < 0) {
            return false;
        }
        Fds.closeQuietly(fd);
        return true;
    }

    /** A pidfd turns readable when its process exits; a zombie counts as exited. */
    public static boolean exited(int pidfd) {
        return Fds.await(pidfd, Sys.POLLIN, 0);
    }

    /** pidfd_send_signal(pidfd, sig, NULL, 0); signal 0 only asks whether the process is there. */
    public static Sent send(int pidfd, int signal) {
        if (exited(pidfd)) {
            return Sent.GONE;
        }
        long rc = Native.libc().syscall(Sys.SYS_PIDFD_SEND_SIGNAL, pidfd, signal, 0, 0);
        if (rc == 0) {
            return Sent.DELIVERED;
        }
        int err = Native.errno();
        if (err == Errnos.ESRCH) {
            return Sent.GONE;
        }
        if (err == Errnos.EPERM) {
            return Sent.NOT_PERMITTED;
        }
        throw new dev.dazai.adapters.nativ.NativeException("pidfd_send_signal", err);
    }

    /**
     * SIGKILL is asynchronous: waits, up to {@code millis} in all, for each pidfd to turn readable
     * (its process gone), so that nothing killed still runs during the wipe.
     */
    public static void awaitExit(java.util.List<Integer> pidfds, int millis) {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        for (int fd : pidfds) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                return;
            }
            Fds.await(fd, Sys.POLLIN, (int) left);
        }
    }
}
