package dev.dazai.adapters.nativ;

/**
 * Numbers from the Linux headers that jnr-constants lacks. The syscall numbers are the ones from
 * the unified table (424 and up are the same on x86_64 and aarch64).
 */
public final class Sys {

    private Sys() {
    }

    public static final long SYS_PIDFD_SEND_SIGNAL = 424;
    public static final long SYS_PIDFD_OPEN = 434;
    public static final long SYS_MEMFD_SECRET = 447;

    public static final int PROT_NONE = 0;
    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;

    public static final int MAP_SHARED = 0x01;
    public static final int MAP_PRIVATE = 0x02;
    public static final int MAP_FIXED = 0x10;
    /** MAP_ANONYMOUS is 0x20 on Linux and 0x1000 on macOS. */
    public static final int MAP_ANONYMOUS = Native.isLinux() ? 0x20 : 0x1000;
    /** Linux only: the guard pages are never written, so reserve no swap for them. */
    public static final int MAP_NORESERVE = Native.isLinux() ? 0x4000 : 0;
    public static final long MAP_FAILED = -1L;

    public static final int MADV_DONTFORK = 10;
    public static final int MADV_DONTDUMP = 16;
    public static final int MADV_WIPEONFORK = 18;

    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_NONBLOCK = Native.isLinux() ? 0x800 : 0x4;
    public static final int O_CLOEXEC = Native.isLinux() ? 0x80000 : 0x1000000;

    public static final int F_GETFD = 1;
    public static final int F_SETFD = 2;
    public static final int F_DUPFD_CLOEXEC = Native.isLinux() ? 1030 : 67;
    public static final int FD_CLOEXEC = 1;

    public static final int RLIMIT_CORE = 4;
    public static final int RLIMIT_MEMLOCK = Native.isLinux() ? 8 : 6;

    public static final int PR_GET_DUMPABLE = 3;
    public static final int PR_SET_DUMPABLE = 4;

    public static final int CLOCK_MONOTONIC = Native.isLinux() ? 1 : 6;
    /** Counts suspend on Linux; macOS's CLOCK_MONOTONIC already does. */
    public static final int CLOCK_BOOTTIME = Native.isLinux() ? 7 : 6;

    public static final short POLLIN = 0x1;
    public static final short POLLOUT = 0x4;

    public static final int SIGKILL = 9;

    /** The same on glibc and macOS. */
    public static final short POSIX_SPAWN_SETSIGDEF = 0x04;
    public static final short POSIX_SPAWN_SETSIGMASK = 0x08;
}
