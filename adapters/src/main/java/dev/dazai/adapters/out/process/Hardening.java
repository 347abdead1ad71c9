package dev.dazai.adapters.out.process;

import dev.dazai.adapters.nativ.Limits;
import dev.dazai.adapters.nativ.Native;
import dev.dazai.adapters.nativ.Sys;

/**
 * The first things the daemon does in main, before any secret exists: no core dump, no ptrace
 * attach by other processes of the same user, no {@code /proc/<pid>/mem} reads by them. Each
 * method reports whether the kernel agreed, read back rather than assumed.
 */
public final class Hardening {

    public Hardening() {
    }

    /**
     * {@code prctl(PR_SET_DUMPABLE, 0)}: no core dump, and only root may ptrace the daemon or read
     * its memory through /proc. Linux only; false elsewhere or if refused.
     */
    public boolean disableDumps() {
        if (!Native.isLinux()) {
            return false;
        }
        Native.libc().prctl(Sys.PR_SET_DUMPABLE, 0, 0, 0, 0);
        return !dumpable();
    }

    /** True while the process is dumpable ({@code PR_GET_DUMPABLE}). */
    public boolean dumpable() {
        return Native.isLinux() && Native.libc().prctl(Sys.PR_GET_DUMPABLE, 0, 0, 0, 0) != 0;
    }

    /**
     * {@code RLIMIT_CORE} 0, soft and hard, so not even a crash path the JVM takes, nor a child
     * that inherits the limit, writes a core file. Works on Linux and macOS.
     */
    public boolean noCoreFiles() {
        Limits.set(Sys.RLIMIT_CORE, new Limits.Limit(0, 0));
        Limits.Limit now = Limits.get(Sys.RLIMIT_CORE);
        return now.soft() == 0 && now.hard() == 0;
    }
}
