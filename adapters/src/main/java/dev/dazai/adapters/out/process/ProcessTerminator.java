package dev.dazai.adapters.out.process;

import dev.dazai.adapters.nativ.Native;
import dev.dazai.adapters.nativ.Sys;
import dev.dazai.kernel.port.out.Journal;
import dev.dazai.kernel.port.out.SelfTerminator;
import java.util.Objects;

/**
 * How the daemon ends. Neither path runs shutdown hooks or finalizers: once the secret is wiped,
 * nothing else in the JVM gets a turn. Both flush the journal first, because the lines that say
 * what happened are the last thing worth keeping.
 */
public final class ProcessTerminator implements SelfTerminator {

    private final Journal journal;
    /**
     * -Ddazai.exit.jvm=true: end through the JVM's own exit after all, for the build's and the
     * benchmark's training runs, whose class list or archive the JVM writes only as it exits.
     */
    private final boolean jvmExit;

    public ProcessTerminator(Journal journal) {
        this.journal = Objects.requireNonNull(journal, "journal");
        this.jvmExit = Boolean.getBoolean("dazai.exit.jvm");
    }

    /** kill(getpid(), SIGKILL); if that somehow returns, halt with the status a SIGKILL would show. */
    @Override
    public void die() {
        flushQuietly();
        Native.libc().kill(Native.libc().getpid(), Sys.SIGKILL);
        Runtime.getRuntime().halt(128 + Sys.SIGKILL);
    }

    /**
     * _exit(2), not System.exit: no shutdown hook runs after the wipe, and not Runtime.halt either,
     * whose VM exit waits up to 300 ms for every thread blocked in a native call (the selectors,
     * inotify, the signal thread) before it lets the process go (issue #20: EOF to gone). {@code lastWords} go to
     * stderr after the journal, so the one line for people is the last thing they read.
     */
    @Override
    public void exit(int status, String lastWords) {
        flushQuietly();
        if (lastWords != null && !lastWords.isEmpty()) {
            try {
                System.err.println(lastWords);
                System.err.flush();
            } catch (RuntimeException e) {
                // Exiting matters more than the line.
            }
        }
        if (!jvmExit) {
            try {
                Native.libc()._exit(status);
            } catch (RuntimeException | LinkageError e) {
                // No C library to call: the JVM's own way out, slower but the same end.
            }
        }
        Runtime.getRuntime().halt(status);
    }

    private void flushQuietly() {
        try {
            journal.flush();
        } catch (RuntimeException e) {
            // Dying matters more than the last log line.
        }
    }
}
