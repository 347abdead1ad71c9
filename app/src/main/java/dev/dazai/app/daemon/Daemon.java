package dev.dazai.app.daemon;

import dev.dazai.adapters.in.signal.SignalSource;
import dev.dazai.adapters.in.unixsocket.ConnectionLog;
import dev.dazai.adapters.in.unixsocket.ControlServer;
import dev.dazai.adapters.in.unixsocket.HeartbeatServer;
import dev.dazai.adapters.in.unixsocket.LineClient;
import dev.dazai.adapters.in.unixsocket.SocketDirectory;
import dev.dazai.adapters.in.unixsocket.SocketSetupException;
import dev.dazai.adapters.nativ.Fds;
import dev.dazai.adapters.out.clock.BootClock;
import dev.dazai.adapters.out.fs.FileUnlinker;
import dev.dazai.adapters.out.log.StreamJournal;
import dev.dazai.adapters.out.memory.LockedSecretMemory;
import dev.dazai.adapters.out.memory.MemoryOptions;
import dev.dazai.adapters.out.pidfd.PidfdHolderKiller;
import dev.dazai.adapters.out.pidfd.Pidfds;
import dev.dazai.adapters.out.pidfd.ProcStat;
import dev.dazai.adapters.out.pidfd.StartTimeHolderKiller;
import dev.dazai.adapters.out.process.ExecLauncher;
import dev.dazai.adapters.out.process.Hardening;
import dev.dazai.adapters.out.process.ProcessTerminator;
import dev.dazai.adapters.out.systemd.SystemdNotifier;
import dev.dazai.app.cli.Locations;
import dev.dazai.app.cli.UserError;
import dev.dazai.kernel.DeadManSwitch;
import dev.dazai.kernel.domain.Mode;
import dev.dazai.kernel.domain.SwitchConfig;
import dev.dazai.kernel.port.out.HolderKiller;
import dev.dazai.kernel.port.out.JournalEntry;
import dev.dazai.kernel.port.out.JournalEntry.Kind;
import dev.dazai.kernel.port.out.Ports;
import dev.dazai.kernel.port.out.RegistrationException;
import dev.dazai.kernel.port.out.SecretLoadException;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;

/**
 * The daemon's composition root: builds the adapters, hands them to the kernel, and brings the
 * process up in the one order DESIGN.md allows:
 *
 * <ol>
 *   <li>refuse to run under Java Flight Recorder, whose sampler signals SIGUSR2, the hard panic;</li>
 *   <li>harden the process (re-exec with the JVM flags, no dumps, no core files);</li>
 *   <li>check the places it will use (socket directory, path lengths, no live daemon there);</li>
 *   <li>construct the kernel, install signal handlers, tell the kernel they are live;</li>
 *   <li>load the secret into locked memory;</li>
 *   <li>register the --register holders, start and register the --exec child;</li>
 *   <li>listen on both sockets;</li>
 *   <li>write the pidfile: from here on its presence means "handlers live, ready";</li>
 *   <li>hand the --exec child its secret, tell systemd READY=1 (if under it), print the banner, wait.</li>
 * </ol>
 *
 * <p>From step 4 on, every way out goes through the kernel's terminator (which flushes the
 * journal and halts) after a wipe, so no failure path leaves the secret behind in a living JVM.
 * The process ends only through the kernel: a rehearsal or stop exits 0, an armed fire SIGKILLs.
 */
public final class Daemon {

    /** A probe of a socket that answers within this is a live daemon. */
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);
    /** Bound on waiting for the kernel thread's first steps; it is ~1 s on a cold, loaded machine. */
    private static final long KERNEL_START_MILLIS = 30_000;

    private final DaemonOptions options;
    private final PrintStream out;

    public Daemon(DaemonOptions options) {
        this(options, System.out);
    }

    Daemon(DaemonOptions options, PrintStream out) {
        this.options = options;
        this.out = out;
    }

    /** Runs the daemon; returns only to report a start-up failure before the kernel exists. */
    public int run() {
        new FlightRecorderCheck().refuseIfOn();
        Reexec.Outcome reexec = new Reexec().ensureHardened();
        Hardening hardening = new Hardening();
        boolean noDumps = hardening.disableDumps();
        boolean noCores = hardening.noCoreFiles();

        StreamJournal journal = new StreamJournal(new FileOutputStream(FileDescriptor.err),
                options.json() ? StreamJournal.Format.JSON : StreamJournal.Format.TEXT, StreamJournal.detectSystemd());
        if (reexec.warning() != null) {
            warn(journal, reexec.warning());
        }
        if (!noDumps) {
            warn(journal, "prctl(PR_SET_DUMPABLE, 0) refused: the process stays dumpable and ptrace-able by your uid");
        }
        if (!noCores) {
            warn(journal, "RLIMIT_CORE could not be set to 0: a crash may write a core file");
        }

        Locations at = options.locations();
        long self = ProcessHandle.current().pid();
        SocketDirectory dir = SocketDirectory.open(at.socketDir(), (int) Locations.uid());
        refuseLiveDaemon(dir.heartbeatSocket());
        refuseLiveDaemon(dir.controlSocket());
        Pidfile.checkNotTaken(at.pidfile(), self);
        checkSecretSource();

        LockedSecretMemory memory = new LockedSecretMemory(options.secret(),
                new MemoryOptions(options.requireLock(), MemoryOptions.DEFAULT_MAX_BYTES), journal);
        HolderKiller holders = PidfdHolderKiller.supported()
                ? new PidfdHolderKiller(journal) : new StartTimeHolderKiller(journal);
        FileUnlinker unlinker = new FileUnlinker(List.of());
        ProcessTerminator terminator = new ProcessTerminator(journal);
        DeadManSwitch kernel = new DeadManSwitch(
                new SwitchConfig(options.mode(), options.graceMillis(), options.pingTimeoutMillis()),
                new Ports(memory, holders, unlinker, terminator, new BootClock(journal), journal));
        Startup startup = new Startup(memory, unlinker, terminator, journal);
        try {
            kernel.start();
            SignalSource signals = new SignalSource();
            signals.install(kernel, journal);
            kernel.handlersLive();

            if (!kernel.loadSecret()) {
                // A signal during start-up took over; the kernel's sequence ends the process.
                return parkForever();
            }
            // The machine's first start is slow (Spring, cold JVM): wait for it, so that STATUS and
            // the journal say Waiting before the pidfile says ready. Triggers meanwhile are queued.
            kernel.settle(KERNEL_START_MILLIS);
            for (long pid : options.register()) {
                register(kernel, pid, "--register");
            }
            ExecLauncher.Child child = options.exec().isEmpty() ? null : startChild(kernel);
            if (child != null) {
                startup.child = child;
            }

            ConnectionLog log = ConnectionLog.journal(journal);
            HeartbeatServer heartbeat = new HeartbeatServer(dir.heartbeatSocket(), kernel, log);
            ControlServer control = new ControlServer(dir.controlSocket(),
                    new DaemonControl(self, kernel, memory, signals), log);
            heartbeat.start();
            unlinker.add(dir.heartbeatSocket());
            control.start();
            unlinker.add(dir.controlSocket());

            Pidfile.write(at.pidfile(), self);
            unlinker.add(at.pidfile());
            journal.record(JournalEntry.of(Kind.STATE, "Ready pid " + self + " mode " + options.mode()
                    + ", listening on " + dir.heartbeatSocket() + " and " + dir.controlSocket()
                    + ", pidfile " + at.pidfile()));

            if (child != null) {
                sendSecret(child, memory, journal);
            }
            superviseUnderSystemd(kernel, self, journal);
            out.print(Banner.text(self, options, memory.protections(), kernel.status().secretBytes()));
            out.flush();
            // After ready, so start-up does not wait for it; the first fire then runs warm.
            kernel.warmUp();
        } catch (UserError e) {
            startup.abort(e.exitCode(), e.line());
        } catch (SocketSetupException e) {
            startup.abort(e.exitCode(), UserError.oneLine(e.getMessage()));
        } catch (SecretLoadException e) {
            startup.abort(3, UserError.oneLine(e.getMessage()));
        } catch (RuntimeException | Error e) {
            startup.abort(3, UserError.oneLine("start-up failed: " + e + "; please report it"));
        }
        return parkForever();
    }

    /** What a failed start-up must undo, in the kernel's own order: the child, the secret, the files. */
    private static final class Startup {
        private final LockedSecretMemory memory;
        private final FileUnlinker unlinker;
        private final ProcessTerminator terminator;
        private final StreamJournal journal;
        private ExecLauncher.Child child;

        Startup(LockedSecretMemory memory, FileUnlinker unlinker, ProcessTerminator terminator, StreamJournal journal) {
            this.memory = memory;
            this.unlinker = unlinker;
            this.terminator = terminator;
            this.journal = journal;
        }

        /** The child never got the secret (it is sent after ready), so closing its pipe is enough. */
        void abort(int code, String line) {
            if (child != null) {
                child.closeSecretPipe();
            }
            try {
                long bytes = memory.size();
                memory.wipe();
                // The same line the kernel writes, so an aborted start shows its wipe like any other.
                journal.record(JournalEntry.of(Kind.WIPED, bytes + " bytes (start-up aborted)"));
            } finally {
                try {
                    unlinker.unlink();
                    journal.record(JournalEntry.of(Kind.UNLINKED, "start-up aborted"));
                } catch (RuntimeException ignored) {
                    // Reporting why start-up failed matters more than a leftover file.
                }
                System.err.println(line);
                System.err.flush();
                terminator.exit(code);
            }
        }
    }

    private void register(DeadManSwitch kernel, long pid, String how) {
        try {
            kernel.register(pid, OptionalLong.empty());
        } catch (RegistrationException e) {
            throw UserError.environment("cannot register pid " + pid + " (" + how + "): " + e.getMessage()
                    + "; check the PID");
        }
    }

    /**
     * Starts the --exec child and registers it. The child is our unreaped child while its pidfd is
     * alive, so its start time read now is its own; registering with that start time pins exactly
     * this incarnation even though the kernel's registry opens a pidfd of its own.
     */
    private ExecLauncher.Child startChild(DeadManSwitch kernel) {
        ExecLauncher.Child child;
        try {
            child = new ExecLauncher().launch(options.exec());
        } catch (RuntimeException e) {
            throw UserError.environment("cannot start --exec " + options.exec().get(0) + ": " + e.getMessage()
                    + "; check the command");
        }
        try {
            OptionalLong start = ProcStat.startTime(child.pid());
            if (child.pidfd() >= 0 && Pidfds.send(child.pidfd(), 0) != Pidfds.Sent.DELIVERED) {
                throw UserError.environment("--exec " + options.exec().get(0) + " exited at once (status "
                        + child.exit().getNow(-1) + "); check the command");
            }
            try {
                kernel.register(child.pid(), start);
            } catch (RegistrationException e) {
                if (options.mode() == Mode.Armed && child.pidfd() >= 0) {
                    // It was started for this daemon and cannot be guarded: it must not outlive us.
                    Pidfds.send(child.pidfd(), 9);
                }
                throw UserError.environment("cannot register the --exec child (pid " + child.pid() + "): "
                        + e.getMessage() + "; check the command");
            }
            return child;
        } finally {
            if (child.pidfd() >= 0) {
                Fds.closeQuietly(child.pidfd());
            }
        }
    }

    /**
     * Under systemd (Type=notify, dist/dazai.service): READY=1 once ready, and WATCHDOG=1 at half
     * the period, but only after a task posted to the kernel thread has run: a wedged kernel thread
     * is a dead switch, and systemd should see it as one. Outside systemd this does nothing.
     */
    private static void superviseUnderSystemd(DeadManSwitch kernel, long self, StreamJournal journal) {
        SystemdNotifier notifier;
        try {
            notifier = SystemdNotifier.fromEnvironment(System.getenv(), self);
        } catch (IOException e) {
            warn(journal, "cannot reach $NOTIFY_SOCKET: " + e.getMessage());
            return;
        }
        if (!notifier.active()) {
            return;
        }
        notifier.ready(self);
        notifier.status("holding the secret; " + kernel.status().state());
        if (notifier.watchdogMicros().isEmpty()) {
            return;
        }
        // A quarter for the kernel to answer plus a quarter asleep: a ping at least every half period.
        long quarterMillis = Math.max(1, notifier.watchdogMicros().getAsLong() / 4000);
        Thread t = new Thread(() -> {
            while (true) {
                if (kernel.settle(quarterMillis)) {
                    notifier.watchdog();
                }
                try {
                    Thread.sleep(quarterMillis);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "dazai-systemd-watchdog");
        t.setDaemon(true);
        t.start();
    }

    /** The pipe may fill if the child does not read, so the write happens off the main thread. */
    private static void sendSecret(ExecLauncher.Child child, LockedSecretMemory memory, StreamJournal journal) {
        Thread t = new Thread(() -> {
            try {
                child.sendSecret(memory::drainTo);
            } catch (RuntimeException e) {
                // Wiped meanwhile (a panic), or the child closed its end: either way it has no secret.
                journal.record(JournalEntry.of(Kind.ERROR, "secret not sent to --exec child pid " + child.pid()
                        + ": " + e.getMessage()));
            }
        }, "dazai-exec-secret");
        t.setDaemon(true);
        t.start();
    }

    private void checkSecretSource() {
        if (options.secret() instanceof dev.dazai.adapters.out.memory.SecretSource.FromFd fd) {
            if (!Files.exists(Path.of("/proc/self/fd/" + fd.fd()))) {
                throw UserError.environment("file descriptor " + fd.fd() + " is not open; pass the secret on it"
                        + " (e.g. " + fd.fd() + "<secret.txt) or use --secret-file");
            }
        }
        if (options.secret() instanceof dev.dazai.adapters.out.memory.SecretSource.FromFile f) {
            if (!Files.isRegularFile(f.path()) && !Files.exists(f.path())) {
                throw UserError.environment("secret file " + f.path() + " does not exist; check --secret-file");
            }
        }
    }

    /** A socket someone answers on belongs to a live daemon: refuse now, before any secret is read. */
    private static void refuseLiveDaemon(Path socket) {
        if (!Files.exists(socket)) {
            return;
        }
        try (LineClient probe = LineClient.connect(socket, PROBE_TIMEOUT)) {
            throw UserError.environment("a daemon is already listening on " + socket
                    + "; stop it (dazai signal TERM) or pass another --socket-dir");
        } catch (IOException stale) {
            // Nobody listens: the file is stale and the server replaces it when it binds.
        }
    }

    private static void warn(StreamJournal journal, String text) {
        journal.record(JournalEntry.of(Kind.WARNING, text));
    }

    private static int parkForever() {
        try {
            new CountDownLatch(1).await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }
}
