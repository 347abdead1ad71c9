package dev.dazai.app.daemon;

import dev.dazai.adapters.in.presence.SessionDirectory;
import dev.dazai.adapters.in.presence.SessionWatcher;
import dev.dazai.adapters.in.signal.SignalSource;
import dev.dazai.adapters.in.unixsocket.ConnectionLog;
import dev.dazai.adapters.in.unixsocket.ControlServer;
import dev.dazai.adapters.in.unixsocket.HeartbeatServer;
import dev.dazai.adapters.in.unixsocket.SocketDirectory;
import dev.dazai.adapters.in.unixsocket.SocketSetupException;
import dev.dazai.adapters.nativ.Fds;
import dev.dazai.adapters.out.cgroup.CgroupContainment;
import dev.dazai.adapters.out.clock.BootClock;
import dev.dazai.adapters.out.fs.FileUnlinker;
import dev.dazai.adapters.out.log.StreamJournal;
import dev.dazai.adapters.out.memory.LockedSecretMemory;
import dev.dazai.adapters.out.memory.MemoryOptions;
import dev.dazai.adapters.out.memory.PipeSink;
import dev.dazai.adapters.out.pidfd.Containment;
import dev.dazai.adapters.out.pidfd.PidfdHolderKiller;
import dev.dazai.adapters.nativ.Pidfds;
import dev.dazai.adapters.out.pidfd.PidfdPin;
import dev.dazai.adapters.out.pidfd.ProcStat;
import dev.dazai.adapters.out.pidfd.SubreaperContainment;
import dev.dazai.adapters.out.pidfd.StartTimeHolderKiller;
import dev.dazai.adapters.out.process.ExecLauncher;
import dev.dazai.adapters.out.process.Hardening;
import dev.dazai.adapters.out.process.ProcessTerminator;
import dev.dazai.adapters.out.systemd.SystemdNotifier;
import dev.dazai.app.cli.Locations;
import dev.dazai.app.cli.UserError;
import dev.dazai.app.client.LineClient;
import dev.dazai.kernel.DeadManSwitch;
import dev.dazai.kernel.domain.Mode;
import dev.dazai.kernel.domain.SwitchConfig;
import dev.dazai.kernel.port.in.Registry.RegistryAnswer;
import dev.dazai.kernel.port.out.HolderKiller;
import dev.dazai.kernel.port.out.JournalEntry;
import dev.dazai.kernel.port.out.JournalEntry.Kind;
import dev.dazai.kernel.port.out.Pin;
import dev.dazai.kernel.port.out.Ports;
import dev.dazai.kernel.port.out.SecretLoadException;
import dev.dazai.kernel.port.out.Unlinker;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
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
 *   <li>choose the containment of consumers (a cgroup each, or subreaper trees);</li>
 *   <li>load the secret into locked memory;</li>
 *   <li>register the --register holders;</li>
 *   <li>listen on both sockets, then watch the sessions directory;</li>
 *   <li>write the pidfile: from here on its presence means "handlers live, ready";</li>
 *   <li>start the --exec child, contained, and make it a consumer of "default" (pinned and
 *       contained before the kernel hands it the secret);</li>
 *   <li>tell systemd READY=1 (if under it), print the banner;</li>
 *   <li>tell the kernel start-up is over (it can no longer abort), wait.</li>
 * </ol>
 *
 * <p>From step 4 on, every failure is the kernel's DaemonAbortsStart: decided at its gate like
 * every other ending (a clean stop that wipes, unlinks, prints the one line and exits; the fire
 * if a panic is already pending; nothing if the sequence already runs), while this thread parks.
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
        boolean noNewPrivs = hardening.forbidNewPrivileges();
        // The socket bindings take a third of a cold start; made on a spare core meanwhile (issue #20).
        Thread bindings = new Thread(HeartbeatServer::prepareBindings, "dazai-prepare");
        bindings.setDaemon(true);
        bindings.start();

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
        if (!noNewPrivs) {
            warn(journal, "no_new_privs is not set on every thread (refused, or no re-exec: start the JVM under setpriv --no-new-privs): what the daemon execs may gain privileges through setuid");
        }

        Locations at = options.locations();
        long self = ProcessHandle.current().pid();
        SocketDirectory dir = SocketDirectory.open(at.socketDir(), (int) Locations.uid());
        // Presence: shells register in DIR/sessions/, which gets the same walls as DIR (exit 3 if unsafe).
        Path sessionsDir = SessionDirectory.open(dir.path(), (int) Locations.uid());
        refuseLiveDaemon(dir.heartbeatSocket());
        refuseLiveDaemon(dir.controlSocket());
        Pidfile.checkNotTaken(at.pidfile(), self);
        checkSecretSource();

        LockedSecretMemory memory = new LockedSecretMemory(options.secret(),
                new MemoryOptions(options.requireLock(), MemoryOptions.DEFAULT_MAX_BYTES), journal);
        ExecLauncher launcher = new ExecLauncher();
        Containment containment = containment(journal, launcher);
        HolderKiller holders = PidfdHolderKiller.supported()
                ? new PidfdHolderKiller(journal, containment) : new StartTimeHolderKiller(journal);
        FileUnlinker files = new FileUnlinker(List.of());
        // The consumers' cgroups go with the files, on every ending; their processes are not touched.
        Unlinker unlinker = () -> {
            try {
                files.unlink();
            } finally {
                containment.cleanUp();
            }
        };
        DeadManSwitch kernel = new DeadManSwitch(
                new SwitchConfig(options.mode(), options.graceMillis(), options.pingTimeoutMillis(), options.lifetimeMillis()),
                new Ports(memory, holders, unlinker, new ProcessTerminator(journal), new BootClock(journal), journal));
        kernel.start();
        // An Error in any thread (a selector, the clock, a JVM thread) is a hard panic; anything
        // else that ends a thread is journalled.
        Thread.setDefaultUncaughtExceptionHandler(kernel::threadDied);
        try {
            SignalSource signals = new SignalSource();
            signals.install(kernel, journal);
            kernel.daemonInstallsHandlers();

            if (!kernel.daemonLoadsSecret()) {
                // A signal during start-up took over; the kernel's sequence ends the process.
                return parkForever();
            }
            // The machine's first start is slow (Spring, cold JVM): wait for it, so that STATUS and
            // the journal say Waiting before the pidfile says ready. Triggers meanwhile are queued.
            kernel.settle(KERNEL_START_MILLIS);
            for (long pid : options.register()) {
                register(kernel, pid, "--register");
            }

            ConnectionLog log = ConnectionLog.journal(journal);
            HeartbeatServer heartbeat = new HeartbeatServer(dir.heartbeatSocket(), kernel, log);
            ControlServer control = new ControlServer(dir.controlSocket(),
                    new DaemonControl(self, kernel, memory, signals, containment.name()), log);
            heartbeat.start();
            files.add(dir.heartbeatSocket());
            control.start();
            files.add(dir.controlSocket());
            // Sessions: watched from before the pidfile says ready; shells already registered are read now.
            new SessionWatcher(sessionsDir, (int) Locations.uid(), kernel, journal).start();

            Pidfile.write(at.pidfile(), self);
            files.add(at.pidfile());
            journal.record(JournalEntry.of(Kind.STATE, "Ready pid " + self + " mode " + options.mode()
                    + ", listening on " + dir.heartbeatSocket() + " and " + dir.controlSocket()
                    + ", pidfile " + at.pidfile() + ", consumers contained by " + containment.name()));

            if (!options.exec().isEmpty()) {
                startConsumer(kernel, launcher, containment);
            }
            superviseUnderSystemd(kernel, self, journal);
            out.print(Banner.text(self, options, memory.protections(), kernel.status().secretBytes(), containment));
            out.flush();
            kernel.daemonBecomesReady();
            // After ready, so start-up does not wait for it; the first fire then runs warm.
            kernel.warmUp();
        } catch (UserError e) {
            kernel.daemonAbortsStart(e.exitCode(), e.line());
        } catch (SocketSetupException e) {
            kernel.daemonAbortsStart(e.exitCode(), UserError.oneLine(e.getMessage()));
        } catch (SecretLoadException e) {
            kernel.daemonAbortsStart(3, UserError.oneLine(e.getMessage()));
        } catch (RuntimeException | Error e) {
            kernel.daemonAbortsStart(3, UserError.oneLine("start-up failed: " + e + "; please report it"));
        }
        // A failed start ends on the kernel's thread, through the gate like every ending: wipe,
        // unlink, the line on stderr, exit (or the pending panic's fire). Nothing here may race it.
        return parkForever();
    }

    /** Registers a holder and waits for the kernel's answer: the kernel's thread decides, not a timeout. */
    private static RegistryAnswer registerAndWait(DeadManSwitch kernel, long pid, OptionalLong startTime) {
        CompletableFuture<RegistryAnswer> answer = new CompletableFuture<>();
        kernel.ownerRegistersHolder(pid, startTime, answer::complete);
        return answer.join();
    }

    private void register(DeadManSwitch kernel, long pid, String how) {
        RegistryAnswer answer = registerAndWait(kernel, pid, OptionalLong.empty());
        if (!answer.ok()) {
            throw UserError.environment("cannot register pid " + pid + " (" + how + "): " + answer.reason()
                    + "; check the PID");
        }
    }

    /**
     * The consumers' containment: a cgroup each where the daemon may make them (and --containment
     * allows), else subreaper trees, the daemon itself a child subreaper so its --exec child's
     * orphans come back to it. Said once in the journal, with why when it is not cgroup.
     */
    private Containment containment(StreamJournal journal, ExecLauncher launcher) {
        if (options.containment() != DaemonOptions.Containment.subreaper) {
            CgroupContainment.Probe probe = CgroupContainment.probe();
            if (probe.dir().isPresent()) {
                journal.record(JournalEntry.of(Kind.STATE, "consumers contained by cgroup: each in a cgroup of its"
                        + " own under " + probe.dir().get() + ", ended by cgroup.kill"));
                return new CgroupContainment(probe.dir().get(), journal,
                        new SubreaperContainment(journal, false, launcher::reaps));
            }
            if (options.containment() == DaemonOptions.Containment.cgroup) {
                throw UserError.environment("--containment cgroup: " + probe.why()
                        + "; run as root or under systemd with Delegate=yes, or pass --containment subreaper");
            }
            journal.record(JournalEntry.of(Kind.STATE, "consumers contained by subreaper: " + probe.why()));
        } else {
            journal.record(JournalEntry.of(Kind.STATE, "consumers contained by subreaper (--containment subreaper)"));
        }
        return new SubreaperContainment(journal, true, launcher::reaps);
    }

    /**
     * Starts the --exec child inside its containment and makes it a consumer of "default": the
     * kernel pins and contains it (by the pidfd opened while it is our unreaped child, so its PID
     * cannot have changed hands) before it hands the pipe the secret.
     */
    private void startConsumer(DeadManSwitch kernel, ExecLauncher launcher, Containment containment) {
        String name = options.exec().get(0);
        Containment.Prepared room = containment.prepare();
        ExecLauncher.Child child;
        PipeSink sink = PipeSink.open();
        try {
            try {
                child = launcher.launch(options.exec(), sink.readEnd(), room.joinPath());
            } catch (RuntimeException e) {
                throw UserError.environment("cannot start --exec " + name + ": " + e.getMessage() + "; check the command");
            } finally {
                sink.closeReadEnd();
            }
            Pin pin = child.pidfd() >= 0 ? PidfdPin.of(child.pid(), child.pidfd(), room)
                    : Pin.of(child.pid(), ProcStat.startTime(child.pid()));
            RegistryAnswer a;
            try {
                CompletableFuture<RegistryAnswer> answer = new CompletableFuture<>();
                kernel.consumerStarts(pin, LockedSecretMemory.DEFAULT, sink, answer::complete);
                a = answer.join();
                if (!a.ok() && options.mode() == Mode.Armed && child.pidfd() >= 0) {
                    // Started for this daemon and not guarded: it must not outlive the refusal.
                    Pidfds.send(child.pidfd(), 9);
                }
            } finally {
                if (pin instanceof PidfdPin p) {
                    p.close();
                }
                Fds.closeQuietly(child.pidfd());
            }
            if (!a.ok()) {
                String why = child.exit().isDone() ? "it exited at once (status " + child.exit().getNow(-1) + ")"
                        : a.reason();
                throw UserError.environment("cannot make the --exec child (pid " + child.pid() + ") a consumer: "
                        + why + "; check the command");
            }
        } finally {
            sink.close();
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
