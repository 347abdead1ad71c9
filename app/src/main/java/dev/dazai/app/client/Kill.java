package dev.dazai.app.client;

import dev.dazai.app.cli.UserError;
import java.io.IOException;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import jnr.constants.platform.Signal;

/**
 * kill(2) by signal name, for the two clients that signal a process (cancel, signal). The signal
 * goes through kill(1): a client is a JVM of its own, and binding libc through jnr for one call
 * cost it more than starting that small process (issue #20). jnr-constants, pure Java, still
 * names the signals.
 */
public final class Kill {

    private Kill() {
    }

    /** "usr1", "SIGUSR1", "USR1" → "USR1"; the form SIGNALS and DESIGN.md use. */
    public static String canonical(String name) {
        String n = name.strip().toUpperCase(Locale.ROOT);
        return n.startsWith("SIG") ? n.substring(3) : n;
    }

    /** The signal's number on this platform; a usage error for a name the platform does not have. */
    public static int number(String name) {
        String n = canonical(name);
        try {
            Signal s = Signal.valueOf("SIG" + n);
            if (s.defined()) {
                return s.intValue();
            }
        } catch (IllegalArgumentException unknown) {
            // Reported below.
        }
        throw UserError.usage("unknown signal '" + name + "'; give a name such as USR1, HUP or TERM");
    }

    /** Sends signal {@code name} to {@code pid}; an environment error if the kernel refuses. */
    public static void send(long pid, String name) {
        number(name);
        String signal = canonical(name);
        ProcessBuilder kill = new ProcessBuilder("kill", "-s", signal, "--", Long.toString(pid))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectErrorStream(true);
        int status;
        try {
            Process p = kill.start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw UserError.environment("kill -" + signal + " " + pid + " did not return; try again");
            }
            status = p.exitValue();
        } catch (IOException e) {
            throw UserError.environment("cannot run kill(1) to send " + signal + " to pid " + pid + " ("
                    + e.getMessage() + "); is procps or util-linux installed?");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw UserError.environment("interrupted while sending " + signal + " to pid " + pid);
        }
        if (status != 0) {
            throw UserError.environment("kill -" + signal + " " + pid + " failed (exit " + status
                    + "); is the process still running, and yours?");
        }
    }
}
