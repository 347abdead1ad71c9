package dev.dazai.app.cli;

import dev.dazai.adapters.nativ.Errnos;
import dev.dazai.adapters.nativ.Fds;
import dev.dazai.adapters.nativ.LibC;
import dev.dazai.adapters.nativ.Native;
import dev.dazai.adapters.nativ.Sys;
import dev.dazai.adapters.out.pidfd.SubreaperContainment;
import dev.dazai.app.client.FdClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import jnr.ffi.Pointer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code dazai run [--secret NAME] [--stdin] -- CMD ARGS…}: this process asks the daemon to make
 * it a consumer, receives the read end of the secret's pipe (SCM_RIGHTS), and becomes CMD with
 * execve: the same PID, which the daemon pinned and contained before it sent the fd, so CMD is a
 * holder from its first instruction, keeps the terminal, gets Ctrl-C, and its exit status is
 * this command's. The secret's bytes never pass through this process: CMD reads them from the pipe.
 */
@Command(name = "run", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Run CMD as a consumer of a secret: it reads the secret from the fd in $DAZAI_SECRET_FD"
                + " (or, with --stdin, from its standard input), keeps this terminal, and is killed with everything"
                + " it starts when the switch fires. CMD replaces this command (same PID): its exit status is"
                + " this command's. Example: dazai run --secret db -- sh -c 'psql \"$(cat <&$DAZAI_SECRET_FD)\"'"},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "(CMD's):once CMD runs, its own exit status",
            "1:refused by the daemon (no such secret, the switch fired)",
            "2:usage",
            "3:environment (no daemon, untrusted socket directory)",
            "127:CMD cannot be run (not found, not executable)",
        })
public final class RunCommand implements Callable<Integer> {

    /** The shell's code for "command not found or not executable". */
    static final int CANNOT_RUN = 127;

    private static final Duration REPLY_TIMEOUT = Duration.ofSeconds(30);
    private static final int SIG_SETMASK = 2;
    private static final int SIGSTOP = 19;
    private static final int SIGSET_BYTES = 128;

    @Mixin
    SocketDirOption where;

    @Option(names = "--secret", paramLabel = "NAME", defaultValue = "default",
            description = "The secret CMD reads (dazai status lists them).")
    String secret;

    @Option(names = "--stdin", description = "Give CMD the secret on its standard input instead of $DAZAI_SECRET_FD"
            + " (for tools like ssh-add -).")
    boolean stdin;

    /** A test hook: stop (SIGSTOP) just before exec, so a test can take a core of this process with the fd in hand. */
    @Option(names = "--stop-before-exec", hidden = true)
    boolean stopBeforeExec;

    @Parameters(paramLabel = "CMD", arity = "1..*", description = "The command and its arguments, after --.")
    List<String> command = new ArrayList<>();

    @Override
    public Integer call() {
        Names.check(secret);
        String program;
        try {
            program = resolve(command.get(0));
        } catch (IllegalArgumentException e) {
            System.err.println("dazai: cannot run " + command.get(0) + ": " + e.getMessage() + "; check the command");
            return CANNOT_RUN;
        }
        int fd;
        String containment;
        try (FdClient client = FdClient.connect(where.locations().controlSocket())) {
            client.send("RUN " + secret, -1);
            FdClient.Reply reply = client.receive(REPLY_TIMEOUT);
            if (reply.line() == null || !reply.line().startsWith("OK ") || reply.fds().size() != 1) {
                reply.closeFds();
                if (reply.line() != null && reply.line().startsWith("ERR")) {
                    throw UserError.refused("the daemon refused to give " + secret + " to " + command.get(0) + ": "
                            + reply.line().replaceFirst("^ERR ", "") + "; see dazai status");
                }
                throw UserError.environment("the daemon answered RUN with '" + reply.line() + "' and "
                        + reply.fds().size() + " fds; it may have stopped or fired");
            }
            fd = reply.fds().get(0);
            containment = reply.line().substring(3);
        }
        return become(program, fd, containment);
    }

    /** Everything between the OK and CMD's first instruction, on this thread; returns only if exec failed. */
    private int become(String program, int fd, String containment) {
        LibC c = Native.libc();
        Map<String, String> env = new LinkedHashMap<>(System.getenv());
        if (stdin) {
            if (c.dup2(fd, 0) < 0) {
                int err = Native.errno();
                Fds.closeQuietly(fd);
                System.err.println("dazai: cannot put the secret on standard input (" + Errnos.describe(err)
                        + "); run without --stdin");
                return CANNOT_RUN;
            }
            Fds.closeQuietly(fd);
            env.remove(EXEC_FD_ENV);
        } else {
            // Received close-on-exec; CMD must inherit it.
            c.fcntl(fd, Sys.F_SETFD, 0);
            env.put(EXEC_FD_ENV, Integer.toString(fd));
        }
        if (containment.equals(SubreaperContainment.NAME)) {
            // Survives execve: CMD's orphans (double forks, setsid daemons) stay in its tree for the daemon's walk.
            c.prctl(SubreaperContainment.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
        }
        // The JVM blocks some signals in its threads (SIGQUIT), and a mask survives execve.
        Pointer none = Native.scratch(SIGSET_BYTES);
        c.sigemptyset(none);
        c.sigprocmask(SIG_SETMASK, none, null);
        System.out.flush();
        System.err.flush();
        if (stopBeforeExec) {
            c.kill(c.getpid(), SIGSTOP);
        }
        c.execve(program, argv(), envp(env));
        int err = Native.errno();
        System.err.println("dazai: cannot run " + command.get(0) + ": " + Errnos.describe(err) + "; check the command");
        return CANNOT_RUN;
    }

    private static final String EXEC_FD_ENV = dev.dazai.adapters.out.process.ExecLauncher.SECRET_FD_ENV;

    private CharSequence[] argv() {
        CharSequence[] argv = new CharSequence[command.size() + 1];
        for (int i = 0; i < command.size(); i++) {
            argv[i] = command.get(i);
        }
        return argv;
    }

    private static CharSequence[] envp(Map<String, String> env) {
        CharSequence[] envp = new CharSequence[env.size() + 1];
        int i = 0;
        for (Map.Entry<String, String> e : env.entrySet()) {
            envp[i++] = e.getKey() + "=" + e.getValue();
        }
        return envp;
    }

    /** CMD as execvp would find it, checked before the daemon is asked for anything. */
    static String resolve(String name) {
        if (name.contains("/")) {
            Path p = Path.of(name);
            if (!Files.exists(p)) {
                throw new IllegalArgumentException("no such file");
            }
            if (Files.isDirectory(p) || !Files.isExecutable(p)) {
                throw new IllegalArgumentException("not executable");
            }
            return name;
        }
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin").split(":", -1)) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p.toString();
            }
        }
        throw new IllegalArgumentException("not found on PATH");
    }
}
