package dev.dazai.app.cli;

import dev.dazai.adapters.out.memory.MemoryOptions;
import dev.dazai.adapters.out.memory.SecretSource;
import dev.dazai.app.daemon.Daemon;
import dev.dazai.app.daemon.DaemonOptions;
import dev.dazai.kernel.domain.Mode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code dazai}: with no subcommand it is the daemon (DESIGN.md, CLI). Without {@code --arm} it
 * rehearses: every trigger, window and wipe happens, but each kill is only logged.
 */
@Command(name = "dazai",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        showDefaultValues = true,
        sortOptions = false,
        usageHelpAutoWidth = true,
        header = "A dead-man switch for secrets held in RAM.",
        synopsisHeading = "%nUsage: ",
        description = {
            "%nWith no subcommand, runs the daemon: it holds the secret in locked, non-dumpable memory and"
                    + " waits for a heartbeat on heartbeat.sock. When the heartbeat is lost, a PING is late or a"
                    + " panic arrives, it kills the registered holders, wipes the secret, removes its files and"
                    + " SIGKILLs itself. Without --arm it only rehearses (dry-run) and logs WOULD SIGKILL.",
            "%nSignals: HUP, USR1 panic after the grace window; USR2 panics at once; INT, TERM stop cleanly.",
        },
        descriptionHeading = "%n",
        optionListHeading = "%nDaemon options:%n",
        commandListHeading = "%nClient commands (talk to a running daemon):%n",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:clean stop, finished rehearsal, or done",
            "1:refused by the daemon (BUSY, ERR, signal not handled, nothing to cancel)",
            "2:usage: bad option or argument",
            "3:environment: socket taken, path too long, lock refused, no daemon, missing secret, Java Flight Recorder on,"
                    + " a socket directory or daemon that is not yours (clients check before they send), no java (bin/dazai)",
            "137:an armed fire (the daemon SIGKILLs itself after the wipe)",
        },
        subcommands = {
            HeartbeatCommand.class,
            StatusCommand.class,
            AddCommand.class,
            RemoveCommand.class,
            RunCommand.class,
            RegisterCommand.class,
            UnregisterCommand.class,
            PanicCommand.class,
            CancelCommand.class,
            StopCommand.class,
            SignalCommand.class,
            ShellInitCommand.class,
            DoctorCommand.class,
        })
public final class DazaiCommand implements Callable<Integer> {

    /** The rehearsal's synthetic secret: random bytes, so nothing real is ever at stake. */
    static final int DEFAULT_SYNTHETIC_BYTES = 32;

    @Option(names = "--arm", description = "Really kill holders and self. Without it the daemon rehearses (dry-run).")
    boolean arm;

    @Option(names = "--grace", paramLabel = "S", converter = Seconds.class, defaultValue = "10",
            description = "Grace window of a graceful panic, in seconds; a reconnect or CANCEL inside it cancels;"
                    + " 0 fires at once.")
    long graceMillis;

    @Option(names = "--ping-timeout", paramLabel = "S", converter = Seconds.class, defaultValue = "0",
            description = "A loss of liveness when the heartbeat sends no HELLO or PING for this long (counted from"
                    + " ready); never while a session lives; 0 turns it off.")
    long pingTimeoutMillis;

    @Option(names = "--lifetime", paramLabel = "DURATION", converter = Lifetime.class, defaultValue = "0",
            description = "A graceful panic this long after the secret is held, present or not, as ssh-agent -t:"
                    + " seconds or units (90m, 8h, 1h30m); the heartbeat's CANCEL may still take the window back;"
                    + " 0 turns it off.")
    long lifetimeMillis;

    @Mixin
    SocketDirOption where;

    @Option(names = "--pidfile", paramLabel = "PATH",
            description = "Written (atomically) once signal handlers are live and the sockets listen; removed on"
                    + " exit.%n  Default: DIR/dazai.pid.")
    Path pidfile;

    @ArgGroup(exclusive = true, multiplicity = "0..1", heading = "%nSecret source (one; default: a random"
            + " 32-byte synthetic secret for rehearsal):%n")
    SecretOptions secret;

    static final class SecretOptions {
        @Option(names = "--secret-stdin", required = true, description = "Read the secret from standard input, to EOF.")
        boolean stdin;

        @Option(names = "--secret-file", required = true, paramLabel = "F", description = "Read the secret from file F.")
        Path file;

        @Option(names = "--secret-fd", required = true, paramLabel = "N",
                description = "Read the secret from inherited file descriptor N, to EOF.")
        Integer fd;

        @Option(names = "--generate", required = true, paramLabel = "BYTES",
                description = "Generate BYTES random bytes (getrandom) as the secret.")
        Integer generate;

        @Option(names = "--no-secret", required = true,
                description = "Start with no secret; add them later with dazai add NAME.")
        boolean none;
    }

    @Option(names = "--register", paramLabel = "PID", showDefaultValue = Help.Visibility.NEVER,
            description = "Register a holder to kill before the wipe (repeatable).")
    List<Long> register = new ArrayList<>();

    @Option(names = "--exec",
            description = "Run CMD (after --) as a holder: it reads the secret from the fd in $DAZAI_SECRET_FD"
                    + " and is killed before the wipe.")
    boolean exec;

    @Parameters(paramLabel = "CMD", arity = "0..*", showDefaultValue = Help.Visibility.NEVER,
            description = "With --exec: the command to run and its arguments, after -- (e.g. --exec -- sh -c '…').")
    List<String> command = new ArrayList<>();

    @Option(names = "--containment", paramLabel = "HOW", defaultValue = "auto",
            description = "How a consumer (--exec, dazai run) and all it starts are kept together and killed whole:"
                    + " cgroup (a cgroup v2 each, cgroup.kill; needs root or systemd Delegate=yes), subreaper (a"
                    + " child-subreaper tree walked through /proc), or auto (cgroup where possible):"
                    + " ${COMPLETION-CANDIDATES}.")
    DaemonOptions.Containment containment;

    @Option(names = "--require-lock",
            description = "Refuse to start (exit 3) if the secret's memory cannot be locked, instead of warning.")
    boolean requireLock;

    @Option(names = "--log-format", paramLabel = "FORMAT", defaultValue = "text",
            description = "Journal lines on stderr: ${COMPLETION-CANDIDATES}.")
    LogFormat logFormat;

    /** Values of --log-format, lower case as typed. */
    public enum LogFormat {
        text,
        json
    }

    @Override
    public Integer call() {
        return new Daemon(options()).run();
    }

    /** The parsed command line as the daemon needs it; usage errors that picocli cannot see are thrown here. */
    DaemonOptions options() {
        if (!command.isEmpty() && !exec) {
            throw UserError.usage("unexpected argument '" + command.get(0) + "'; to run a holder, use --exec -- "
                    + String.join(" ", command) + ", or see dazai --help for the subcommands");
        }
        if (exec && secret != null && secret.none) {
            throw UserError.usage("--exec gives the child the start-up secret, and --no-secret means there is none;"
                    + " drop one of them");
        }
        if (exec && command.isEmpty()) {
            throw UserError.usage("--exec needs a command; put it after --, e.g. --exec -- sh -c 'cat <&$DAZAI_SECRET_FD'");
        }
        for (long pid : register) {
            if (pid <= 0) {
                throw UserError.usage("--register " + pid + " is not a process id; give a positive PID");
            }
        }
        return new DaemonOptions(
                arm ? Mode.Armed : Mode.DryRun,
                graceMillis,
                pingTimeoutMillis,
                lifetimeMillis,
                where.locations(pidfile),
                source(),
                List.copyOf(register),
                List.copyOf(command),
                requireLock,
                logFormat == LogFormat.json,
                containment);
    }

    private SecretSource source() {
        if (secret == null) {
            return new SecretSource.Generated(DEFAULT_SYNTHETIC_BYTES);
        }
        if (secret.stdin) {
            return new SecretSource.FromFd(0);
        }
        if (secret.file != null) {
            return new SecretSource.FromFile(secret.file.toAbsolutePath());
        }
        if (secret.none) {
            return new SecretSource.Nothing();
        }
        if (secret.fd != null) {
            if (secret.fd < 0) {
                throw UserError.usage("--secret-fd " + secret.fd + " is not a descriptor; give 0 or more");
            }
            return new SecretSource.FromFd(secret.fd);
        }
        if (secret.generate <= 0 || secret.generate > MemoryOptions.DEFAULT_MAX_BYTES) {
            throw UserError.usage("--generate " + secret.generate + " is out of range; give 1 to "
                    + MemoryOptions.DEFAULT_MAX_BYTES + " bytes");
        }
        return new SecretSource.Generated(secret.generate);
    }
}
