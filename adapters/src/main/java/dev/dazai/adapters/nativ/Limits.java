package dev.dazai.adapters.nativ;

import jnr.ffi.Pointer;

/** getrlimit/setrlimit on the two limits the daemon touches (RLIMIT_MEMLOCK, RLIMIT_CORE). */
public final class Limits {

    /** rlim_t's "no limit" on LP64 Linux and macOS. */
    public static final long INFINITY = -1L;

    private Limits() {
    }

    /** A soft and hard pair; {@link #INFINITY} means unlimited. */
    public record Limit(long soft, long hard) {
    }

    public static Limit get(int resource) {
        Pointer rl = Native.scratch(16);
        Native.check("getrlimit", Native.libc().getrlimit(resource, rl));
        return new Limit(rl.getLong(0), rl.getLong(8));
    }

    /** Sets both values; false (errno left for the caller) if refused. */
    public static boolean set(int resource, Limit limit) {
        Pointer rl = Native.scratch(16);
        rl.putLong(0, limit.soft());
        rl.putLong(8, limit.hard());
        return Native.libc().setrlimit(resource, rl) == 0;
    }

    /** Raises the soft limit to the hard one (allowed without privilege); returns the limit now in force. */
    public static Limit raiseSoftToHard(int resource) {
        Limit now = get(resource);
        if (now.soft() != now.hard()) {
            set(resource, new Limit(now.hard(), now.hard()));
            now = get(resource);
        }
        return now;
    }

    /** Bytes as people read them, "unlimited" for {@link #INFINITY}. */
    public static String describe(long value) {
        return value == INFINITY ? "unlimited" : value + " bytes";
    }
}
