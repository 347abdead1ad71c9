package dev.dazai.adapters.out.process;

import dev.dazai.adapters.nativ.Limits;
import dev.dazai.adapters.nativ.Native;
import dev.dazai.adapters.nativ.Sys;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The first things the daemon does in main, before any secret exists: no core dump, no ptrace
 * attach by other processes of the same user, no {@code /proc/<pid>/mem} reads by them, no
 * privilege gained through anything it execs. Each method reports whether the kernel agreed,
 * read back rather than assumed.
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

    /**
     * {@code prctl(PR_SET_NO_NEW_PRIVS, 1)}: nothing exec'd from then on gains privileges through
     * setuid/setgid bits or file capabilities. It cannot be unset, and it is kept across exec.
     *
     * <p>The kernel keeps it per thread, not per process (measured: after this call in main, 6 of
     * the JVM's 27 threads had it; the leader thread, whose state {@code /proc/PID/status} shows,
     * did not). Threads created afterwards inherit it, and an exec gives it to the single thread
     * that comes out. So the daemon sets it just before its re-exec, and the re-exec'd JVM has it
     * on every thread from its first instruction; set here again, it covers this thread and all it
     * starts when there was no re-exec. It does not stop an exec as such, only gains through one.
     * Linux only; false elsewhere or if refused, as read back by {@link #noNewPrivs()}.
     */
    public boolean forbidNewPrivileges() {
        if (!Native.isLinux()) {
            return false;
        }
        Native.libc().prctl(Sys.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        return noNewPrivs();
    }

    /**
     * True if the kernel says every thread of this process has no_new_privs ({@code NoNewPrivs: 1}
     * in each {@code /proc/self/task/TID/status}); false if any lacks it or /proc cannot say.
     */
    public boolean noNewPrivs() {
        Path tasks = Path.of("/proc/self/task");
        int seen = 0;
        try (DirectoryStream<Path> threads = Files.newDirectoryStream(tasks)) {
            for (Path thread : threads) {
                switch (noNewPrivsOf(thread.resolve("status"))) {
                    case 0 -> {
                        return false;
                    }
                    case 1 -> seen++;
                    default -> {
                        // The thread ended meanwhile.
                    }
                }
            }
        } catch (IOException | SecurityException e) {
            return false; // no /proc (macOS), or not readable: not known to be set
        }
        return seen > 0;
    }

    /** 1 or 0 as the status file says; -1 if it is gone or has no such line. */
    private static int noNewPrivsOf(Path status) {
        try {
            for (String line : Files.readAllLines(status, StandardCharsets.UTF_8)) {
                if (line.startsWith("NoNewPrivs:")) {
                    return line.substring("NoNewPrivs:".length()).strip().equals("1") ? 1 : 0;
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return -1;
    }
}
