package dev.dazai.adapters.nativ;

import jnr.ffi.Pointer;

/** File-descriptor chores shared by the adapters: poll one fd, pipes, quiet closes. */
public final class Fds {

    private Fds() {
    }

    /** Waits up to {@code timeoutMillis} for {@code events} on one fd; true if any came (or an error/hang-up did). */
    public static boolean await(int fd, short events, int timeoutMillis) {
        Pointer pollfd = Native.scratch(8);
        pollfd.putInt(0, fd);
        pollfd.putShort(4, events);
        int rc = Native.libc().poll(pollfd, 1, timeoutMillis);
        if (rc < 0) {
            if (Native.errno() == Errnos.EINTR) {
                return false;
            }
            throw Native.failure("poll");
        }
        return rc > 0;
    }

    /** A pipe whose both ends are close-on-exec: {@code [read, write]}. */
    public static int[] pipe() {
        int[] fds = new int[2];
        Native.check("pipe2", Native.libc().pipe2(fds, Sys.O_CLOEXEC));
        return fds;
    }

    /** Closes, ignoring errors: for clean-up paths where the fd is being abandoned anyway. */
    public static void closeQuietly(int fd) {
        if (fd >= 0) {
            Native.libc().close(fd);
        }
    }
}
