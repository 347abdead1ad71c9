package dev.dazai.adapters.out.process;

import dev.dazai.adapters.nativ.Errnos;
import dev.dazai.adapters.nativ.Fds;
import dev.dazai.adapters.nativ.LibC;
import dev.dazai.adapters.nativ.Native;
import dev.dazai.adapters.nativ.NativeException;
import dev.dazai.adapters.nativ.Sys;
import dev.dazai.adapters.out.pidfd.Pidfds;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntConsumer;
import java.util.stream.Stream;
import jnr.ffi.Pointer;

/**
 * Starts the {@code --exec} child with {@code posix_spawnp}, handing it the read end of a pipe
 * for the secret. The child is our own unreaped child when its pidfd is opened, so its PID cannot
 * be reused in between; a daemon thread reaps it when it exits.
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

    public ExecLauncher() {
    }

    /** A started child. */
    public static final class Child {
        private final long pid;
        private final int pidfd;
        private final CompletableFuture<Integer> exit;
        private int secretWriteFd;

        private Child(long pid, int pidfd, int secretWriteFd, CompletableFuture<Integer> exit) {
            this.pid = pid;
            this.pidfd = pidfd;
            this.secretWriteFd = secretWriteFd;
            this.exit = exit;
        }

        public long pid() {
            return pid;
        }

        /** Opened before the child could be reaped; -1 without pidfd support. Owned by whoever adopts it. */
        public int pidfd() {
            return pidfd;
        }

        /** Completes with the exit status (128 + signal if killed) once the child is reaped. */
        public CompletableFuture<Integer> exit() {
            return exit;
        }

        /**
         * Writes the secret into the pipe with {@code drain} (e.g. {@code memory::drainTo}, which
         * writes from native memory) and closes our end, so the child reads it and then EOF.
         * Blocks while the pipe is full and the child has not read.
         */
        public synchronized void sendSecret(IntConsumer drain) {
            if (secretWriteFd < 0) {
                throw new IllegalStateException("secret already sent");
            }
            try {
                drain.accept(secretWriteFd);
            } finally {
                closeSecretPipe();
            }
        }

        /** Closes our end without writing: the child reads EOF at once. Idempotent. */
        public synchronized void closeSecretPipe() {
            Fds.closeQuietly(secretWriteFd);
            secretWriteFd = -1;
        }
    }

    /** Starts {@code command} (found on PATH) with this process's environment plus {@link #SECRET_FD_ENV}. */
    public Child launch(List<String> command) {
        if (command.isEmpty()) {
            throw new IllegalArgumentException("empty command");
        }
        LibC c = Native.libc();
        int[] pipe = Fds.pipe();
        int readFd = pipe[0];
        int writeFd = pipe[1];
        if (readFd == CHILD_SECRET_FD) {
            // dup2(3, 3) would keep close-on-exec set: move the read end out of the way first.
            readFd = c.fcntl(pipe[0], Sys.F_DUPFD_CLOEXEC, CHILD_SECRET_FD + 1);
            Fds.closeQuietly(pipe[0]);
            if (readFd < 0) {
                Fds.closeQuietly(writeFd);
                throw Native.failure("fcntl");
            }
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
            rc = c.posix_spawnp(pid, command.get(0), actions, attrs, argv(command), envp());
        } finally {
            c.posix_spawn_file_actions_destroy(actions);
            c.posix_spawnattr_destroy(attrs);
            Fds.closeQuietly(readFd);
        }
        if (rc != 0) {
            Fds.closeQuietly(writeFd);
            throw new NativeException("posix_spawnp " + command.get(0), rc);
        }
        int pidfd = Pidfds.open(pid[0]);
        CompletableFuture<Integer> exit = new CompletableFuture<>();
        Thread reaper = new Thread(() -> exit.complete(reap(pid[0])), "dazai-exec-reaper-" + pid[0]);
        reaper.setDaemon(true);
        reaper.start();
        return new Child(pid[0], Math.max(pidfd, -1), writeFd, exit);
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
