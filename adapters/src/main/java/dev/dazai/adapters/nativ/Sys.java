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
    /** 0x20000 on x86_64, 0x8000 on aarch64: taken from jnr-constants, which knows the platform. */
    public static final int O_NOFOLLOW = jnr.constants.platform.OpenFlags.O_NOFOLLOW.intValue();
    /** Opening a terminal never makes it the daemon's controlling terminal. */
    public static final int O_NOCTTY = jnr.constants.platform.OpenFlags.O_NOCTTY.intValue();

    public static final int F_GETFD = 1;
    public static final int F_SETFD = 2;
    public static final int F_GETFL = 3;
    public static final int F_SETFL = 4;
    public static final int F_DUPFD_CLOEXEC = Native.isLinux() ? 1030 : 67;
    public static final int FD_CLOEXEC = 1;

    public static final int RLIMIT_CORE = 4;
    public static final int RLIMIT_MEMLOCK = Native.isLinux() ? 8 : 6;

    public static final int PR_GET_DUMPABLE = 3;
    public static final int PR_SET_DUMPABLE = 4;
    public static final int PR_SET_NO_NEW_PRIVS = 38;

    public static final int CLOCK_MONOTONIC = Native.isLinux() ? 1 : 6;
    /** Counts suspend on Linux; macOS's CLOCK_MONOTONIC already does. */
    public static final int CLOCK_BOOTTIME = Native.isLinux() ? 7 : 6;

    public static final short POLLIN = 0x1;
    public static final short POLLOUT = 0x4;

    /** inotify_init1 flags (the O_ flags of the same name) and the event bits dazai watches for. */
    public static final int IN_NONBLOCK = 0x800;
    public static final int IN_CLOEXEC = 0x80000;
    public static final int IN_CLOSE_WRITE = 0x8;
    public static final int IN_MOVED_FROM = 0x40;
    public static final int IN_MOVED_TO = 0x80;
    public static final int IN_DELETE = 0x200;
    public static final int IN_DELETE_SELF = 0x400;
    public static final int IN_MOVE_SELF = 0x800;
    public static final int IN_Q_OVERFLOW = 0x4000;
    public static final int IN_IGNORED = 0x8000;
    public static final int IN_ONLYDIR = 0x01000000;
    public static final int IN_DONT_FOLLOW = 0x02000000;

    /** sysconf(_SC_CLK_TCK): the unit of the start time in /proc/PID/stat. */
    public static final int SC_CLK_TCK = jnr.constants.platform.Sysconf._SC_CLK_TCK.intValue();

    public static final int SIGKILL = 9;

    /** The same on glibc and macOS. */
    public static final short POSIX_SPAWN_SETSIGDEF = 0x04;
    public static final short POSIX_SPAWN_SETSIGMASK = 0x08;
}
