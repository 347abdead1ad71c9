package dev.dazai.bench.e2e;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The end-to-end scenarios of issue #9, each against real daemon processes started by the harness.
 *
 * <p>A daemon takes about a second of CPU to start (a JVM, Spring Statemachine) and most scenarios
 * end it, so daemons are started in batches, {@link #parallel} at a time, and the trials run only
 * once the whole batch is up and idle: a start never overlaps a measurement. Between trials the
 * harness waits for the previous daemon to be reaped.
 */
public final class Scenarios {

    /** Bound on any single awaited event; liveness only, never a speed check. */
    private static final long EVENT_TIMEOUT_MILLIS = 60_000;
    /** Junk runs this long at the target before the trigger, so the trial meets a daemon already under load. */
    private static final long JUNK_WARM_MILLIS = 100;
    /** Pause after a batch is up, for the starts' last JIT and GC work to settle. */
    private static final long SETTLE_MILLIS = 300;
    /** A batch is idle once no daemon in it used a clock tick (10 ms) over this long. */
    private static final long QUIET_MILLIS = 100;
    /** Bound on waiting for a batch to go idle (warm-up after ready, JIT); liveness only. */
    private static final long IDLE_TIMEOUT_MILLIS = 30_000;
    /** Ping timeout of the lateness scenario; the clock runs from the daemon's start, so it must outlast an attach. */
    static final long PING_TIMEOUT_MILLIS = 2_000;
    /** Daemons serving the lateness scenario, each many trials; enough that one is free every stagger. */
    private static final int PING_DAEMONS = 24;
    /** The keeper pings this often, far inside the timeout. */
    private static final long KEEP_MILLIS = 250;
    /** Releases (last PINGs) in the lateness scenario are this far apart, so triggers do not overlap. */
    private static final long PING_STAGGER_MILLIS = 100;
    private static final int SECRET_BYTES = 4096;

    private final Jvm daemon;
    private final NativeTools tools;
    private final Signals signals;
    private final Path work;
    private final int trials;
    private final int parallel;
    private final int junkRate;
    private final PrintStream log;
    private final long self = ProcessHandle.current().pid();
    private final AtomicInteger homes = new AtomicInteger();

    public Scenarios(Jvm daemon, NativeTools tools, Signals signals, Path work, int trials, int parallel,
            int junkRate, PrintStream log) {
        this.daemon = daemon;
        this.tools = tools;
        this.signals = signals;
        this.work = work;
        this.trials = trials;
        this.parallel = parallel;
        this.junkRate = junkRate;
        this.log = log;
    }

    // ---- heartbeat connection closed → WIPED -------------------------------------------------

    private record Attached(DaemonProcess d, HeartbeatConnection hb) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            hb.close();
            d.close();
        }
    }

    /**
     * Dry-run, {@code --grace 0}, 4 KiB secret, a heartbeat attached (HELLO/WELCOME) while the batch
     * starts. Measured: from the stamp just before close(2) of the heartbeat connection to the
     * harness reading the {@code WIPED} line on the daemon's stderr pipe.
     */
    public Outcome heartbeatLoss(boolean withJunk) throws Exception {
        Outcome out = new Outcome(withJunk ? "hb-loss+junk" : "hb-loss",
                "heartbeat connection closed → WIPED logged" + (withJunk ? ", " + junkRate + " junk conn/s" : ""));
        long start = System.nanoTime();
        try (Junk junk = withJunk ? Junk.start(tools, junkRate) : null) {
            long aimedNanos = 0;
            while (out.trials() + out.failures().size() < trials) {
                int n = (int) Math.min(20, trials - out.trials() - out.failures().size());
                List<Attached> batch = fill(n, out, () -> {
                    DaemonProcess d = DaemonProcess.start(daemon, home(), List.of("--grace", "0",
                            "--generate", Integer.toString(SECRET_BYTES)));
                    try {
                        d.awaitReady();
                        return new Attached(d, HeartbeatConnection.attach(d.heartbeatSocket(), self, EVENT_TIMEOUT_MILLIS));
                    } catch (Exception e) {
                        d.close();
                        throw e;
                    }
                });
                startCpu(out, batch.stream().map(Attached::d).toList());
                for (Attached a : batch) {
                    try (a) {
                        long aimed = withJunk ? aim(junk, a.d()) : 0;
                        int from = a.d().journal().size();
                        long t0 = a.hb().closeNow();
                        LineLog.Stamped wiped = a.d().journal().awaitKind("WIPED", from, EVENT_TIMEOUT_MILLIS);
                        out.record(wiped.nanos() - t0);
                        inside(out, a.d(), "LOST", "WIPED", from);
                        if (withJunk) {
                            junk.aim(null);
                            aimedNanos += System.nanoTime() - aimed;
                        }
                        // The rehearsal's last line names its exit status; then Runtime.halt waits up to
                        // 0.3 s for threads in native calls (HotSpot's VM_Exit), idle time that would be
                        // a quarter of the run. Once the line is there, a.close() SIGKILLs and reaps it.
                        LineLog.Stamped exit = a.d().journal().awaitKind("EXIT", from, EVENT_TIMEOUT_MILLIS);
                        String status = JournalLine.parse(exit.text()).map(JournalLine::detail).orElse("?");
                        if (!status.startsWith("0 ")) {
                            out.note("a rehearsal logged EXIT " + status + ", not 0");
                        }
                    } catch (TimeoutException | IOException e) {
                        out.fail(e.getMessage());
                    }
                }
            }
            if (withJunk) {
                noteJunk(out, junk.finish(), aimedNanos);
            }
        }
        out.seconds((System.nanoTime() - start) / 1_000_000_000L);
        log.println("  " + out);
        return out;
    }

    // ---- SIGUSR2 → daemon reaped (armed), with N holders ----------------------------------

    private record Armed(DaemonProcess d, Holders holders) implements AutoCloseable {
        @Override
        public void close() {
            d.close();
            if (holders != null) {
                holders.close();
            }
        }
    }

    /**
     * Armed, 4 KiB secret, {@code holders} real processes registered with {@code --register}.
     * Measured: from the stamp just before kill(2) of SIGUSR2 to {@code Process.waitFor()} returning
     * in the harness, which is the daemon's parent and reaps it. Every holder must have died of
     * SIGKILL (their parent reaps and counts them) or the trial fails.
     */
    public Outcome hardPanic(int holders, boolean withJunk) throws Exception {
        Outcome out = new Outcome("usr2-" + holders + (withJunk ? "+junk" : ""),
                "SIGUSR2 → daemon reaped, armed, " + holders + " holders"
                        + (withJunk ? ", " + junkRate + " junk conn/s" : ""));
        int batchSize = holders >= 1000 ? 4 : 20;
        long start = System.nanoTime();
        try (Junk junk = withJunk ? Junk.start(tools, junkRate) : null) {
            long aimedNanos = 0;
            while (out.trials() + out.failures().size() < trials) {
                int n = (int) Math.min(batchSize, trials - out.trials() - out.failures().size());
                List<Armed> batch = fill(n, out, () -> {
                    Holders h = holders > 0 ? Holders.start(tools, holders) : null;
                    List<String> args = new ArrayList<>(List.of("--arm", "--generate", Integer.toString(SECRET_BYTES)));
                    if (h != null) {
                        args.addAll(h.registerArgs());
                    }
                    DaemonProcess d = DaemonProcess.start(daemon, home(), args);
                    try {
                        d.awaitReady();
                        long registered = d.journal().count(t -> JournalLine.parse(t).map(j -> j.is("REGISTERED")).orElse(false));
                        if (registered != holders) {
                            throw new IOException("the daemon logged " + registered + " REGISTERED, not " + holders);
                        }
                        return new Armed(d, h);
                    } catch (Exception e) {
                        d.close();
                        if (h != null) {
                            h.close();
                        }
                        throw e;
                    }
                });
                startCpu(out, batch.stream().map(Armed::d).toList());
                out.addHolders(holders * batch.size(), -1);
                for (Armed a : batch) {
                    try (a) {
                        long aimed = withJunk ? aim(junk, a.d()) : 0;
                        int from = a.d().journal().size();
                        long t0 = System.nanoTime();
                        if (!signals.send(a.d().pid(), Signals.SIGUSR2)) {
                            throw new IOException("kill(" + a.d().pid() + ", SIGUSR2) refused");
                        }
                        a.d().process().waitFor();
                        long t1 = System.nanoTime();
                        if (withJunk) {
                            junk.aim(null);
                            aimedNanos += t1 - aimed;
                        }
                        int status = a.d().process().exitValue();
                        a.d().journal().awaitEnd(EVENT_TIMEOUT_MILLIS);
                        if (status != 128 + Signals.SIGKILL) {
                            throw new IOException("armed daemon ended with status " + status + ", not SIGKILL;"
                                    + a.d().journal().tail(6));
                        }
                        if (a.holders() != null) {
                            long killed = a.holders().awaitKilled(EVENT_TIMEOUT_MILLIS);
                            if (killed != holders) {
                                throw new IOException("only " + killed + " of " + holders + " holders died of SIGKILL");
                            }
                        }
                        out.record(t1 - t0);
                        inside(out, a.d(), "FIRE", "DIE", from);
                    } catch (IOException e) {
                        out.fail(e.getMessage());
                    }
                }
            }
            if (withJunk) {
                noteJunk(out, junk.finish(), aimedNanos);
            }
        }
        out.seconds((System.nanoTime() - start) / 1_000_000_000L);
        log.println("  " + out);
        return out;
    }

    // ---- ping deadline missed → fire ---------------------------------------------------------

    /** Pings every kept connection until it is released; a released one is never pinged again. */
    private static final class Keeper implements AutoCloseable {
        private final List<HeartbeatConnection> kept = new ArrayList<>();
        private final Thread thread;
        private final Outcome out;
        private boolean closed;

        Keeper(Outcome out) {
            this.out = out;
            this.thread = new Thread(this::run, "bench-keeper");
            thread.setDaemon(true);
            thread.start();
        }

        synchronized void keep(HeartbeatConnection hb) {
            kept.add(hb);
        }

        /** Stops pinging it; returns when its last PING was sent. No ping is in flight afterwards. */
        synchronized long release(HeartbeatConnection hb) {
            kept.remove(hb);
            return hb.lastPingNanos();
        }

        private void run() {
            while (true) {
                synchronized (this) {
                    if (closed) {
                        return;
                    }
                    for (HeartbeatConnection hb : List.copyOf(kept)) {
                        try {
                            hb.ping();
                        } catch (IOException e) {
                            kept.remove(hb);
                            out.note("a kept heartbeat failed: " + e.getMessage());
                        }
                    }
                    try {
                        wait(KEEP_MILLIS);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        }

        @Override
        public synchronized void close() {
            closed = true;
            notifyAll();
        }
    }

    /** One released daemon of the lateness scenario, waiting for its trigger. */
    private record Released(int index, int from, long deadline) {
    }

    /**
     * Dry-run, {@code --ping-timeout 2}, and an hour of grace, so that a missed deadline opens a
     * window the heartbeat then CANCELs, and one daemon serves many trials (with {@code --grace 0}
     * the same trigger runs the sequence at once, on the same kernel-thread task, as the
     * heartbeat-loss scenario shows). A keeper PINGs every daemon of the set every 250 ms. The
     * trials are a pipeline: every 100 ms the next daemon in turn is released (no more PINGs); a
     * second thread waits for each released daemon's trigger in order, CANCELs the window and hands
     * it back to the keeper, and a daemon is released again only once the keeper has pinged it since.
     * Measured: lateness = the harness reading the {@code TRIGGER PingDeadlinePasses} line minus (the stamp
     * of the last PING sent + the timeout). The daemon re-arms its timer a little after that PING
     * arrives, so the figure is an upper bound.
     */
    public Outcome pingLateness() throws Exception {
        Outcome out = new Outcome("ping-late", "ping deadline missed → PingDeadlinePasses triggered, lateness past the deadline");
        long start = System.nanoTime();
        String timeout = Long.toString(PING_TIMEOUT_MILLIS / 1000);
        List<Attached> set = List.of();
        try (Keeper keeper = new Keeper(out)) {
            set = fill(Math.min(PING_DAEMONS, Math.max(1, trials)), out, () -> {
                DaemonProcess d = DaemonProcess.start(daemon, home(), List.of("--grace", "3600",
                        "--ping-timeout", timeout, "--generate", Integer.toString(SECRET_BYTES)));
                try {
                    d.awaitReady();
                    HeartbeatConnection hb = HeartbeatConnection.attach(d.heartbeatSocket(), self, EVENT_TIMEOUT_MILLIS);
                    keeper.keep(hb);
                    return new Attached(d, hb);
                } catch (Exception e) {
                    d.close();
                    throw e;
                }
            });
            if (set.isEmpty()) {
                throw new IOException("no daemon for the ping scenario started");
            }
            Thread.sleep(SETTLE_MILLIS + KEEP_MILLIS);
            // Pinged all along, so never idle; booked as they are now.
            out.addStartCpu(set.size(), set.stream().mapToLong(a -> Math.max(0, a.d().cpuTicks())).sum());
            List<Attached> daemons = set;
            int size = daemons.size();
            // Per daemon: released and not yet handed back; when it was handed back; given up on.
            boolean[] away = new boolean[size];
            long[] keptAt = new long[size];
            Arrays.fill(keptAt, Long.MIN_VALUE);
            boolean[] dead = new boolean[size];
            Object turn = new Object();
            BlockingQueue<Released> released = new LinkedBlockingQueue<>();
            Released end = new Released(-1, 0, 0);
            Thread waiter = new Thread(() -> {
                try {
                    for (Released r = released.take(); r != end; r = released.take()) {
                        Attached a = daemons.get(r.index());
                        boolean lost = false;
                        try {
                            LineLog.Stamped trigger = a.d().journal().await(t -> t.contains(" TRIGGER PingDeadlinePasses"),
                                    r.from(), EVENT_TIMEOUT_MILLIS);
                            long late = trigger.nanos() - r.deadline();
                            if (late < -PING_TIMEOUT_MILLIS * 1_000_000L / 2) {
                                throw new IOException("triggered " + (-late / 1_000_000) + " ms before its deadline: a PING lost?");
                            }
                            if (late < 0) {
                                out.note("triggered " + (-late / 1000) + " µs before the harness's deadline (ms timer granularity)");
                            }
                            out.record(late);
                            int cancelFrom = a.d().journal().size();
                            a.hb().cancel();
                            a.d().journal().awaitKind("CANCELLED", cancelFrom, EVENT_TIMEOUT_MILLIS);
                        } catch (TimeoutException | IOException e) {
                            out.fail(e.getMessage());
                            lost = !a.d().process().isAlive();
                        } finally {
                            long handedBack = System.nanoTime();
                            keeper.keep(a.hb());
                            synchronized (turn) {
                                away[r.index()] = false;
                                dead[r.index()] |= lost;
                                keptAt[r.index()] = handedBack;
                                turn.notifyAll();
                            }
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (RuntimeException e) {
                    out.fail("the trigger waiter failed: " + e);
                }
            }, "bench-ping-waiter");
            waiter.start();
            try {
                long next = System.nanoTime();
                int i = -1;
                for (int k = 0; k < trials; k++) {
                    i = nextReady(daemons, away, keptAt, dead, turn, i);
                    if (i < 0) {
                        out.fail("no daemon of the ping set is left");
                        continue;
                    }
                    long wait = next - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000L, (int) (wait % 1_000_000L));
                    }
                    Attached a = daemons.get(i);
                    int from = a.d().journal().size();
                    synchronized (turn) {
                        away[i] = true;
                    }
                    long deadline = keeper.release(a.hb()) + PING_TIMEOUT_MILLIS * 1_000_000L;
                    released.put(new Released(i, from, deadline));
                    next = Math.max(next + PING_STAGGER_MILLIS * 1_000_000L, System.nanoTime());
                }
            } finally {
                released.put(end);
                waiter.join();
            }
        } finally {
            for (Attached a : set) {
                a.close();
            }
        }
        out.seconds((System.nanoTime() - start) / 1_000_000_000L);
        log.println("  " + out);
        return out;
    }

    /**
     * The next daemon after {@code last}, round robin, that is back with the keeper and pinged since
     * (so its deadline runs from a PING the harness stamped); waits for one. -1 if none is left.
     */
    private static int nextReady(List<Attached> daemons, boolean[] released, long[] keptAt, boolean[] dead, Object turn,
            int last) throws InterruptedException {
        int size = daemons.size();
        long giveUp = System.nanoTime() + EVENT_TIMEOUT_MILLIS * 1_000_000L;
        synchronized (turn) {
            while (true) {
                boolean anyAlive = false;
                for (int step = 1; step <= size; step++) {
                    int i = (last + step) % size;
                    if (dead[i]) {
                        continue;
                    }
                    anyAlive = true;
                    if (!released[i] && daemons.get(i).hb().lastPingNanos() > keptAt[i]) {
                        return i;
                    }
                }
                if (!anyAlive || System.nanoTime() > giveUp) {
                    Arrays.fill(dead, true);
                    return -1;
                }
                turn.wait(5);
            }
        }
    }

    // ---- the C floor ---------------------------------------------------------------------------

    /**
     * The same heartbeat-loss → wipe path in C ({@code floor.c}): measured the same way, from the
     * stamp before close(2) to the harness reading {@code WIPED} on the program's stderr.
     */
    public Outcome floor() throws Exception {
        Outcome out = new Outcome("floor-c", "C floor: socket EOF → explicit_bzero → WIPED written");
        long start = System.nanoTime();
        Path sock = work.resolve("floor.sock");
        while (out.trials() + out.failures().size() < trials) {
            Process p = new ProcessBuilder(tools.floor().toString(), sock.toString(), Integer.toString(SECRET_BYTES))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            LineLog stdout = new LineLog(p.getInputStream(), "floor-out");
            LineLog stderr = new LineLog(p.getErrorStream(), "floor-err");
            try {
                stdout.await("LISTENING"::equals, 0, EVENT_TIMEOUT_MILLIS);
                SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                ch.connect(UnixDomainSocketAddress.of(sock));
                stdout.await("ATTACHED"::equals, 0, EVENT_TIMEOUT_MILLIS);
                Thread.sleep(5);
                long t0 = System.nanoTime();
                ch.close();
                LineLog.Stamped wiped = stderr.await(t -> t.startsWith("WIPED "), 0, EVENT_TIMEOUT_MILLIS);
                out.record(wiped.nanos() - t0);
                p.waitFor();
            } catch (TimeoutException | IOException e) {
                out.fail(e.getMessage());
            } finally {
                p.destroyForcibly();
                p.waitFor();
            }
        }
        Files.deleteIfExists(sock);
        out.seconds((System.nanoTime() - start) / 1_000_000_000L);
        log.println("  " + out);
        return out;
    }

    /** Pause between a kill floor's holders being up and its trigger. */
    private static final long FLOOR_SETTLE_MILLIS = 20;

    /**
     * The physical floor of SIGUSR2 → reaped with {@code holders} holders, in C ({@code killfloor.c}):
     * the same holders (children of one {@code load holders N}, asleep in pause()), pinned by pidfd
     * at start; on SIGUSR2 it sends SIGKILL through every pidfd, polls them until every holder has
     * exited, zeroes its locked 4 KiB and dies of SIGKILL. Measured exactly like the daemon: from the
     * stamp before kill(2) of SIGUSR2 to {@code Process.waitFor()} returning; the program's own
     * stamps (SIGUSR2 taken → all holders gone) are the "own view". {@code n} trials: forking 1,000
     * holders for each takes about a second here, so the big floor gets fewer trials than the daemon.
     */
    public Outcome killFloor(int holders, int n) throws Exception {
        Outcome out = new Outcome("floor-kill-" + holders, "C floor: SIGUSR2 → SIGKILL by pidfd to " + holders
                + " holders, all exited → reaped");
        long start = System.nanoTime();
        while (out.trials() + out.failures().size() < n) {
            long made = System.nanoTime();
            Holders h = holders > 0 ? Holders.start(tools, holders) : null;
            List<String> cmd = new ArrayList<>(List.of(tools.killFloor().toString(), Integer.toString(SECRET_BYTES)));
            if (h != null) {
                h.pids().forEach(pid -> cmd.add(Long.toString(pid)));
            }
            Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            LineLog stdout = new LineLog(p.getInputStream(), "killfloor-out");
            LineLog stderr = new LineLog(p.getErrorStream(), "killfloor-err");
            try {
                stdout.await("READY"::equals, 0, EVENT_TIMEOUT_MILLIS);
                out.addStartNanos(System.nanoTime() - made);
                if (h != null) {
                    out.addHolders(holders, h.upNanos());
                }
                Thread.sleep(FLOOR_SETTLE_MILLIS);
                long t0 = System.nanoTime();
                if (!signals.send(p.pid(), Signals.SIGUSR2)) {
                    throw new IOException("kill(" + p.pid() + ", SIGUSR2) refused");
                }
                p.waitFor();
                long t1 = System.nanoTime();
                if (p.exitValue() != 128 + Signals.SIGKILL) {
                    throw new IOException("killfloor ended with status " + p.exitValue() + ", not SIGKILL;" + stderr.tail(4));
                }
                long inside = parseDone(stderr.await(t -> t.startsWith("DONE "), 0, EVENT_TIMEOUT_MILLIS).text(), holders);
                if (h != null) {
                    long killed = h.awaitKilled(EVENT_TIMEOUT_MILLIS);
                    if (killed != holders) {
                        throw new IOException("only " + killed + " of " + holders + " holders died of SIGKILL");
                    }
                }
                out.record(t1 - t0);
                out.recordInside(inside);
            } catch (TimeoutException | IOException e) {
                out.fail(e.getMessage());
            } finally {
                p.destroyForcibly();
                p.waitFor();
                if (h != null) {
                    h.close();
                }
            }
        }
        out.seconds((System.nanoTime() - start) / 1_000_000_000L);
        log.println("  " + out);
        return out;
    }

    /** {@code DONE <holders> <ns>} from killfloor: the nanoseconds from SIGUSR2 taken to every holder gone. */
    static long parseDone(String line, int holders) throws IOException {
        String[] f = line.strip().split(" ");
        try {
            if (f.length == 3 && f[0].equals("DONE") && Integer.parseInt(f[1]) == holders) {
                return Long.parseLong(f[2]);
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IOException("killfloor said '" + line + "', not DONE " + holders + " <ns>");
    }

    // ---- plumbing ------------------------------------------------------------------------------

    /** Something that starts one prepared daemon (and what goes with it), ready for a trial. */
    @FunctionalInterface
    private interface Maker<T> {
        T make() throws Exception;
    }

    /**
     * Starts {@code n} with {@link #parallel} starts at a time; a start that fails is a failed trial,
     * with its reason, rather than the end of the run.
     */
    private <T> List<T> fill(int n, Outcome out, Maker<T> maker) throws InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(parallel);
        long t0 = System.nanoTime();
        try {
            List<Future<T>> futures = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                futures.add(pool.submit(maker::make));
            }
            List<T> ready = new ArrayList<>(n);
            for (Future<T> f : futures) {
                try {
                    ready.add(f.get());
                } catch (ExecutionException e) {
                    out.fail("start: " + e.getCause());
                    log.println("  start failed: " + e.getCause());
                }
            }
            return ready;
        } finally {
            pool.shutdown();
            out.addStartNanos(System.nanoTime() - t0);
        }
    }

    /**
     * Waits until the batch is idle, then books the CPU its daemons used from spawn to idle: the
     * run's time is mostly these starts, and the report shows what they cost.
     */
    private static void startCpu(Outcome out, List<DaemonProcess> batch) throws InterruptedException {
        DaemonProcess.awaitIdle(batch, QUIET_MILLIS, IDLE_TIMEOUT_MILLIS);
        long ticks = 0;
        int counted = 0;
        for (DaemonProcess d : batch) {
            long t = d.cpuTicks();
            if (t >= 0) {
                ticks += t;
                counted++;
            }
        }
        out.addStartCpu(counted, ticks);
    }

    private Path home() {
        return work.resolve("d" + homes.incrementAndGet());
    }

    private static long aim(Junk junk, DaemonProcess d) throws IOException, InterruptedException {
        long t = System.nanoTime();
        junk.aim(d.socketDir());
        Thread.sleep(JUNK_WARM_MILLIS);
        return t;
    }

    /** The same trial by the daemon's own monotonic stamps, from its first {@code from} line to its {@code to} line. */
    private static void inside(Outcome out, DaemonProcess d, String from, String to, int index) {
        JournalLine a = null;
        JournalLine b = null;
        List<LineLog.Stamped> lines = d.journal().snapshot();
        for (LineLog.Stamped s : lines.subList(Math.min(index, lines.size()), lines.size())) {
            JournalLine j = JournalLine.parse(s.text()).orElse(null);
            if (j == null) {
                continue;
            }
            if (a == null && j.is(from)) {
                a = j;
            }
            if (b == null && j.is(to)) {
                b = j;
            }
        }
        if (a != null && b != null) {
            out.recordInside((b.monoMillis() - a.monoMillis()) * 1_000_000L);
        }
    }

    private static void noteJunk(Outcome out, Junk.Report r, long aimedNanos) {
        double seconds = aimedNanos / 1e9;
        out.note(String.format("junk: %d connections made and %d refused in %.1f s aimed at daemons (%.0f/s)",
                r.sent(), r.refused(), seconds, seconds > 0 ? (r.sent() + r.refused()) / seconds : 0));
    }
}
