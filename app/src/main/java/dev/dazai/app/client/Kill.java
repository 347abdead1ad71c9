package dev.dazai.app.client;

import dev.dazai.app.cli.UserError;
import java.util.Locale;
import jnr.constants.platform.Signal;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;

/** kill(2) by signal name, for the two clients that signal a process (cancel, signal). */
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
        int sig = number(name);
        POSIX posix = POSIXFactory.getNativePOSIX();
        if (posix.kill((int) pid, sig) != 0) {
            throw UserError.environment("kill -" + canonical(name) + " " + pid + " failed (errno " + posix.errno()
                    + "); is the process still running, and yours?");
        }
    }
}
