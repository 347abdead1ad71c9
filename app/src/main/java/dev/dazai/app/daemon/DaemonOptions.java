package dev.dazai.app.daemon;

import dev.dazai.adapters.out.memory.SecretSource;
import dev.dazai.app.cli.Locations;
import dev.dazai.kernel.domain.Mode;
import java.util.List;

/**
 * The daemon's command line, parsed and checked.
 *
 * @param lifetimeMillis --lifetime: a graceful panic this long after the secret is held, 0 for none
 * @param register PIDs given with --register, pinned after the secret is loaded
 * @param exec     the --exec command, empty for none
 * @param json     journal lines as JSON rather than text
 * @param containment how consumers are kept together: a cgroup each, a subreaper tree, or the first that works
 */
public record DaemonOptions(
        Mode mode,
        long graceMillis,
        long pingTimeoutMillis,
        long lifetimeMillis,
        Locations locations,
        SecretSource secret,
        List<Long> register,
        List<String> exec,
        boolean requireLock,
        boolean json,
        Containment containment) {

    public DaemonOptions {
        register = List.copyOf(register);
        exec = List.copyOf(exec);
    }

    /** Values of --containment, lower case as typed. */
    public enum Containment {
        /** A cgroup each where the daemon can make them, else subreaper trees. */
        auto,
        /** A cgroup each, or refuse to start (exit 3). */
        cgroup,
        /** Subreaper trees even where cgroups would work (tests, and kernels whose cgroups misbehave). */
        subreaper
    }
}
