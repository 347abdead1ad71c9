package dev.dazai.adapters.out.process;

import dev.dazai.adapters.nativ.Errnos;
import dev.dazai.adapters.nativ.Fds;
import dev.dazai.adapters.nativ.LibC;
import dev.dazai.adapters.nativ.Native;
import dev.dazai.adapters.nativ.NativeException;
import dev.dazai.adapters.nativ.Sys;
import dev.dazai.adapters.nativ.Pidfds;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import jnr.ffi.Pointer;

/**
 * Starts the {@code --exec} child with {@code posix_spawn}, handing it the read end of the
 * secret's pipe (a {@link dev.dazai.adapters.out.memory.PipeSink}) as fd {@link #CHILD_SECRET_FD}.
 * The child is our own unreaped child when its pidfd is opened, so its PID cannot be reused in
 * between; a daemon thread reaps it when it exits.
 *
 * <p>With a cgroup to join, the child is {@code /bin/sh}, which writes "0" into that cgroup's
 * {@code cgroup.procs} (moving itself) and only then execs the command: whatever the command
 * starts is born inside. The command is looked up on PATH here first, so a missing one is
 * reported at once rather than as the shell's exit status 127.
 *
 * <p>The child gets fds 0, 1, 2 and {@link #CHILD_SECRET_FD} only (every other fd is closed in the
 * child before exec), default dispositions for all signals (the daemon ignores several, and
 * ignored dispositions survive exec), and an empty signal mask. jnr-posix's own posix_spawnp
 * cannot set default dispositions, so the calls go through our binding.
 */
public final class ExecLauncher {

    /** The environment variable that tells the child which fd to read the secret from. */
    public static final String SECRET_FD_ENV = "DAZAI_SECRET_FD";
    /** The fd number the secret pipe has in the child. */
    public static final int CHILD_SECRET_FD = 3;

    /** Room for glibc's posix_spawn_file_actions_t (80 bytes) and posix_spawnattr_t (336), with margin. */
    private static final int SPAWN_STRUCT_BYTES = 1024;
    private static final int SIGSET_BYTES = 128;
    private static final String SHELL = "/bin/sh";
    /** $0 is the cgroup.procs file, "$@" the command: join, then become the command. */
    private static final String JOIN_THEN_EXEC = "echo 0 > \"$0\" && exec \"$@\"";

    /** Children whose reaper thread waits for them: nobody else may reap them. */
    private final Set<Long> reaping = ConcurrentHashMap.newKeySet();

    public ExecLauncher() {
    }

    /** A started child. */
    public static final class Child {
        private final long pid;
        private final int pidfd;
        private final CompletableFuture<Integer> exit;

        private Child(long pid, int pidfd, CompletableFuture<Integer> exit) {
            this.pid = pid;
            this.pidfd = pidfd;
            this.exit = exit;
        }

        public long pid() {
            return pid;
        }

        /** Opened before the child could be reaped; -1 without pidfd support. The caller closes it. */
        public int pidfd() {
            return pidfd;
        }

        /** Completes with the exit status (128 + signal if killed) once the child is reaped. */
        public CompletableFuture<Integer> exit() {
            return exit;
        }
    }

    /** True while a reaper thread of this launcher waits for {@code pid}: an orphan reaper must leave it alone. */
    public boolean reaps(long pid) {
        return reaping.contains(pid);
    }

    /**
     * Starts {@code command} (found on PATH) with this process's environment plus
     * {@link #SECRET_FD_ENV}, {@code secretReadFd} as its fd {@link #CHILD_SECRET_FD} (the caller
     * keeps and closes its own), after joining the cgroup whose {@code cgroup.procs} is
     * {@code joinCgroup}, if given. Throws {@link NativeException} (ENOENT, EACCES) for a command
     * that cannot be run.
     */
    public Child launch(List<String> command, int secretReadFd, Optional<Path> joinCgroup) {
        if (command.isEmpty()) {
            throw new IllegalArgumentException("empty command");
        }
        String program = resolve(command.get(0));
        List<String> argv = new ArrayList<>();
        if (joinCgroup.isPresent()) {
            argv.addAll(List.of(SHELL, "-c", JOIN_THEN_EXEC, joinCgroup.get().toString(), program));
        } else {
            argv.add(command.get(0));
        }
        argv.addAll(command.subList(1, command.size()));
        String path = joinCgroup.isPresent() ? SHELL : program;
        LibC c = Native.libc();
        int readFd = secretReadFd;
        boolean moved = false;
        if (readFd == CHILD_SECRET_FD) {
            // dup2(3, 3) would keep close-on-exec set: use a copy out of the way.
            readFd = c.fcntl(secretReadFd, Sys.F_DUPFD_CLOEXEC, CHILD_SECRET_FD + 1);
            if (readFd < 0) {
                throw Native.failure("fcntl");
            }
            moved = true;
        }
        Pointer actions = Native.scratch(SPAWN_STRUCT_BYTES);
        Pointer attrs = Native.scratch(SPAWN_STRUCT_BYTES);
        int[] pid = new int[1];
        int rc;
        try {
            c.posix_spawn_file_actions_init(actions);
            c.posix_spawnattr_init(attrs);
            c.posix_spawn_file_actions_adddup2(actions, readFd, CHILD_SECRET_FD);
            closeTheRest(c, actions);
            Pointer all = Native.scratch(SIGSET_BYTES);
            c.sigfillset(all);
            Pointer none = Native.scratch(SIGSET_BYTES);
            c.sigemptyset(none);
            c.posix_spawnattr_setsigdefault(attrs, all);
            c.posix_spawnattr_setsigmask(attrs, none);
            c.posix_spawnattr_setflags(attrs, (short) (Sys.POSIX_SPAWN_SETSIGDEF | Sys.POSIX_SPAWN_SETSIGMASK));
            rc = c.posix_spawnp(pid, path, actions, attrs, argv(argv), envp());
        } finally {
            c.posix_spawn_file_actions_destroy(actions);
            c.posix_spawnattr_destroy(attrs);
            if (moved) {
                Fds.closeQuietly(readFd);
            }
        }
        if (rc != 0) {
            throw new NativeException("posix_spawnp " + command.get(0), rc);
        }
        int pidfd = Pidfds.open(pid[0]);
        CompletableFuture<Integer> exit = new CompletableFuture<>();
        long child = pid[0];
        reaping.add(child);
        Thread reaper = new Thread(() -> {
            int status = reap(pid[0]);
            reaping.remove(child);
            exit.complete(status);
        }, "dazai-exec-reaper-" + pid[0]);
        reaper.setDaemon(true);
        reaper.start();
        return new Child(pid[0], Math.max(pidfd, -1), exit);
    }

    /** The program as execvp would find it: a name with a slash as it is, else the first match on PATH. */
    static String resolve(String name) {
        if (name.isEmpty()) {
            throw new NativeException("exec", Errnos.ENOENT);
        }
        if (name.contains("/")) {
            Path p = Path.of(name);
            if (!Files.exists(p)) {
                throw new NativeException("exec " + name, Errnos.ENOENT);
            }
            if (Files.isDirectory(p) || !Files.isExecutable(p)) {
                throw new NativeException("exec " + name, Errnos.EACCES);
            }
            return name;
        }
        String path = System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
        boolean denied = false;
        for (String dir : path.split(":", -1)) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isRegularFile(p)) {
                if (Files.isExecutable(p)) {
                    return p.toString();
                }
                denied = true;
            }
        }
        throw new NativeException("exec " + name, denied ? Errnos.EACCES : Errnos.ENOENT);
    }

    /** Closes every fd above the secret's in the child: closefrom where glibc has it (2.34+), else one by one. */
    private static void closeTheRest(LibC c, Pointer actions) {
        try {
            if (c.posix_spawn_file_actions_addclosefrom_np(actions, CHILD_SECRET_FD + 1) == 0) {
                return;
            }
        } catch (UnsatisfiedLinkError missing) {
            // Older glibc or macOS: fall through to the listing.
        }
        for (int fd : openFds()) {
            if (fd > CHILD_SECRET_FD) {
                c.posix_spawn_file_actions_addclose(actions, fd);
            }
        }
    }

    private static List<Integer> openFds() {
        Path dir = Path.of(Native.isLinux() ? "/proc/self/fd" : "/dev/fd");
        List<Integer> fds = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.forEach(p -> {
                try {
                    fds.add(Integer.parseInt(p.getFileName().toString()));
                } catch (NumberFormatException ignored) {
                    // not an fd entry
                }
            });
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return fds;
    }

    private static CharSequence[] argv(List<String> command) {
        CharSequence[] argv = new CharSequence[command.size() + 1];
        for (int i = 0; i < command.size(); i++) {
            argv[i] = command.get(i);
        }
        return argv;
    }

    private static CharSequence[] envp() {
        List<CharSequence> env = new ArrayList<>();
        for (Map.Entry<String, String> e : System.getenv().entrySet()) {
            if (!e.getKey().equals(SECRET_FD_ENV)) {
                env.add(e.getKey() + "=" + e.getValue());
            }
        }
        env.add(SECRET_FD_ENV + "=" + CHILD_SECRET_FD);
        env.add(null);
        return env.toArray(new CharSequence[0]);
    }

    /** waitpid until the child is reaped; the exit status, or 128 + the signal that ended it. */
    private static int reap(int pid) {
        int[] status = new int[1];
        while (true) {
            int rc = Native.libc().waitpid(pid, status, 0);
            if (rc == pid) {
                int s = status[0];
                int sig = s & 0x7f;
                return sig == 0 ? (s >> 8) & 0xff : 128 + sig;
            }
            if (rc < 0 && Native.errno() != Errnos.EINTR) {
                return -1;
            }
        }
    }
}
