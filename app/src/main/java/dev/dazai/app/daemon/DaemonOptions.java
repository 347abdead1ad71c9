package dev.dazai.app.daemon;

import dev.dazai.adapters.out.memory.SecretSource;
import dev.dazai.app.cli.Locations;
import dev.dazai.kernel.domain.Mode;
import java.util.List;

/**
 * The daemon's command line, parsed and checked.
 *
 * @param register PIDs given with --register, pinned after the secret is loaded
 * @param exec     the --exec command, empty for none
 * @param json     journal lines as JSON rather than text
 */
public record DaemonOptions(
        Mode mode,
        long graceMillis,
        long pingTimeoutMillis,
        Locations locations,
        SecretSource secret,
        List<Long> register,
        List<String> exec,
        boolean requireLock,
        boolean json) {

    public DaemonOptions {
        register = List.copyOf(register);
        exec = List.copyOf(exec);
    }
}
