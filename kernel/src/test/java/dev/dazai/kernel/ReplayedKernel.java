package dev.dazai.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.dazai.kernel.StateGraph.Edge;
import dev.dazai.kernel.domain.SwitchConfig;
import dev.dazai.kernel.port.in.Liveness.Answer;
import dev.dazai.kernel.port.in.Liveness.Heartbeat;
import dev.dazai.kernel.port.in.Liveness.HeartbeatLine;
import dev.dazai.kernel.port.out.Holder;
import dev.dazai.kernel.port.out.HolderKiller;
import dev.dazai.kernel.port.out.Journal;
import dev.dazai.kernel.port.out.JournalEntry;
import dev.dazai.kernel.port.out.KillOutcome;
import dev.dazai.kernel.port.out.Pin;
import dev.dazai.kernel.port.out.Ports;
import dev.dazai.kernel.port.out.Secret;
import dev.dazai.kernel.port.out.SecretMemory;
import dev.dazai.kernel.port.out.SecretSink;
import dev.dazai.kernel.port.out.SelfTerminator;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The real kernel as trace conformance drives it: each spec action becomes the kernel call it
 * names, and the fakes behind the ports keep the spec's own bookkeeping (a process table with
 * incarnations, connections with what they were told) so that the test can compare the two. The
 * sequence's ports stop before each step of the kill sequence until the spec takes that step, so
 * the spec's one-holder-at-a-time steps, with the OS acting in between, are replayed too.
 */
final class ReplayedKernel implements AutoCloseable {

    static final long GRACE = 1_000_000;
    static final long PING = 1_000;

    final Stepper stepper = new Stepper();
    final Rig.ManualClock clock = new Rig.ManualClock();
    final Table table = new Table();
    final Memory memory = new Memory();
    final List<JournalEntry> journal = new CopyOnWriteArrayList<>();
    final DeadManSwitch dms;
    private final Random random;
    private final List<String> trail = new ArrayList<>();
    private final Map<Integer, Line> lines = new TreeMap<>();
    private final List<String> ends = new CopyOnWriteArrayList<>();
    private volatile Thread driver;

    ReplayedKernel(SwitchConfig config, Random random) {
        this.random = random;
        Ports ports = new Ports(memory, table, () -> {
            if (memory.firing) {
                stepper.arrive("unlink");
            }
        }, new SelfTerminator() {
            @Override
            public void die() {
                ends.add("Die");
                trail.add("  kernel: die");
            }

            @Override
            public void exit(int status, String lastWords) {
                ends.add("Exit" + status);
                trail.add("  kernel: exit " + status);
            }
        }, clock, new Journal() {
            @Override
            public void record(JournalEntry entry) {
                journal.add(entry);
            }

            @Override
            public void flush() {
            }
        });
        dms = new DeadManSwitch(config, ports).start();
        clock.afterEachTask = () -> dms.settleKernelThread(2_000);
    }

    void trail(String step) {
        trail.add(step);
    }

    String where() {
        return String.join("\n  ", trail);
    }

    /** The kernel call each spec action names. */
    void perform(Edge e) {
        switch (e.action()) {
            case "DaemonInstallsHandlers" -> dms.daemonInstallsHandlers();
            case "DaemonLoadsSecret" -> drive(() -> assertTrue(dms.daemonLoadsSecret(), "load aborted"));
            case "DaemonBecomesReady" -> dms.daemonBecomesReady();
            case "DaemonAbortsStart" -> dms.daemonAbortsStart(3, "dazai: start-up failed");
            case "EarlySignalArrives" -> {
                // The graceful early path and the hard one: both must abort the load and fire.
                if (random.nextBoolean()) {
                    drive(() -> dms.ownerPanics("SIGHUP"));
                } else {
                    drive(() -> dms.ownerPanicsHard("SIGUSR2"));
                }
            }
            case "OwnerStops" -> dms.ownerStops("SIGTERM");
            case "OwnerPanics" -> dms.ownerPanics("SIGUSR1");
            case "OwnerPanicsHard" -> dms.ownerPanicsHard("SIGUSR2");
            case "OwnerRegistersHolder" -> register(TraceConformanceTest.changedAt(e, "pinned"), true);
            case "OwnerUnregistersHolder" -> register(TraceConformanceTest.changedAt(e, "pinned"), false);
            case "ClientConnects" -> {
                int c = Integer.parseInt(e.to().var("conns"));
                Line line = new Line(c);
                lines.put(c, line);
                dms.clientConnects(line);
            }
            case "ClientSaysHello" -> {
                // The HELLO waits unread until the spec's daemon answers it: nothing to do yet.
                line(TraceConformanceTest.changed(e, "pendingHello")).saidHello = true;
            }
            case "HeartbeatAttaches", "HeartbeatReconnects", "SecondClientConnects" -> {
                Line line = line(TraceConformanceTest.changed(e, "pendingHello"));
                dms.clientSaysHello(line, line.pid);
            }
            case "OwnerLosesHeartbeat", "HeartbeatLeaves" -> holder().hangUp();
            case "SessionStarts", "SessionReturns" -> dms.sessionStarts(session(TraceConformanceTest.changed(e, "liveSessions")));
            case "SessionEnds", "LastSessionEnds" -> dms.sessionEnds(session(TraceConformanceTest.changed(e, "liveSessions")));
            case "ConsumerStarts" -> consumer(Long.parseLong(TraceConformanceTest.changed(e, "trees")));
            case "ConsumerForks" -> {
                String pair = TraceConformanceTest.changed(e, "forked");
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("<<<<(\\d+), \\d+>>, <<(\\d+), \\d+>>>>").matcher(pair);
                assertTrue(m.matches(), "forked pair " + pair);
                table.fork(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)));
            }
            case "ClientHangsUp" -> line(TraceConformanceTest.changed(e, "open")).hangUp();
            case "HeartbeatCancels" -> holder().heartbeat.cancels();
            case "HeartbeatQuits" -> holder().heartbeat.quits();
            case "PingDeadlinePasses" -> drive(() -> clock.advance(PING));
            case "TimerExpires" -> drive(() -> clock.advance(GRACE));
            case "ProcessExits" -> table.exit(Long.parseLong(TraceConformanceTest.changed(e, "alive")));
            case "OsRecyclesPid" -> table.start(Long.parseLong(TraceConformanceTest.changed(e, "alive")));
            case "DaemonKillsHolder", "DaemonFinishesKilling", "DaemonWipesSecret", "DaemonUnlinksFiles" -> {
                assertTrue(stepper.at != null, "spec takes " + e.action() + " but the kernel is not in its sequence");
                stepper.release();
            }
            default -> fail("no kernel call for spec action " + e.action());
        }
    }

    private void register(long pid, boolean in) {
        List<Boolean> ok = new CopyOnWriteArrayList<>();
        if (in) {
            dms.ownerRegistersHolder(pid, OptionalLong.empty(), a -> ok.add(a.ok()));
        } else {
            dms.ownerUnregistersHolder(pid, a -> ok.add(a.ok()));
        }
        assertTrue(dms.settleKernelThread(2_000));
        assertEquals(List.of(true), ok, (in ? "REGISTER " : "UNREGISTER ") + pid + " refused where the spec took it");
    }

    private static dev.dazai.kernel.port.in.Presence.Session session(String modelValue) {
        long n = Long.parseLong(modelValue.replaceAll("\\D", ""));
        return new dev.dazai.kernel.port.in.Presence.Session(200 + n, 1, "", "bash", 0);
    }

    private void consumer(long pid) {
        List<Boolean> ok = new CopyOnWriteArrayList<>();
        dms.consumerStarts(Pin.of(pid, OptionalLong.empty()), "default", new SecretSink() { }, a -> ok.add(a.ok()));
        assertTrue(dms.settleKernelThread(2_000));
        assertEquals(List.of(true), ok, "ConsumerStarts " + pid + " refused where the spec took it");
    }

    private Line line(String id) {
        Line line = lines.get(Integer.parseInt(id));
        assertTrue(line != null, "no connection " + id);
        return line;
    }

    private Line holder() {
        long pid = dms.status().heartbeatPid().orElseThrow(() -> new AssertionError("nobody holds the slot"));
        return lines.get((int) (pid - 100));
    }

    private void drive(Runnable call) {
        Thread t = new Thread(call, "trace-driver");
        t.setDaemon(true);
        driver = t;
        t.start();
    }

    /** Waits until the kernel is stopped at a step of its sequence, or has nothing left to do. */
    void quiesce() {
        Thread d0 = driver;
        if (d0 != null) {
            try {
                d0.join(5_000); // what it posts must be posted before the kernel is asked to settle
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            Thread blocked = stepper.who;
            if (blocked != null) {
                // The sequence is held in a port; let the steps it posted run, not the sequence.
                assertTrue(dms.settleKernelThread(2_000));
                return;
            }
            Thread d = driver;
            if ((d == null || !d.isAlive()) && dms.settle(20) && stepper.who == null) {
                return;
            }
            Thread.onSpinWait();
        }
        fail("kernel did not come to rest after\n  " + where());
    }

    // ---- what the test compares --------------------------------------------------------------

    /** "None" while running, else how: "Die", "Exit0", "Exit3"; more than one ending fails. */
    String ended() {
        assertTrue(ends.size() <= 1, "the process ended twice: " + ends);
        return ends.isEmpty() ? "None" : ends.get(0);
    }

    long slotConn() {
        OptionalLong pid = dms.status().heartbeatPid();
        return pid.isPresent() ? pid.getAsLong() - 100 : 0;
    }

    /** told[c] for c in 1..conns, as the spec prints it. */
    List<String> told(int conns) {
        List<String> out = new ArrayList<>();
        for (int c = 1; c <= conns; c++) {
            Line line = lines.get(c);
            out.add(line == null ? "None" : line.told);
        }
        return out;
    }

    Set<String> open() {
        Set<String> out = new TreeSet<>();
        lines.forEach((c, line) -> {
            if (line.open()) {
                out.add(Integer.toString(c));
            }
        });
        return out;
    }

    /** Every cancel the kernel journalled, as "how/window". */
    Set<String> cancels() {
        Set<String> out = new TreeSet<>();
        for (JournalEntry e : journal) {
            if (e.kind() == JournalEntry.Kind.CANCELLED) {
                String how = e.detail().startsWith("by reconnect") ? "Reconnect"
                        : e.detail().startsWith("by session") ? "Session" : "Cancel";
                String window = e.detail().contains("window opened by Panic") ? "Panic" : "Loss";
                out.add(how + "/" + window);
            }
        }
        return out;
    }

    /** The model values of the live sessions, as the spec prints them (s1, …). */
    Set<String> sessions() {
        Set<String> out = new TreeSet<>();
        dms.status().sessions().forEach(x -> out.add("s" + (x.pid() - 200)));
        return out;
    }

    /** The PIDs registered as consumers (killed with all they started). */
    Set<String> trees() {
        Set<String> out = new TreeSet<>();
        dms.status().holders().stream().filter(h -> h.reach() == Holder.Reach.TREE).forEach(h -> out.add(Long.toString(h.pid())));
        return out;
    }

    @Override
    public void close() {
        stepper.freeRun();
        dms.settle(2_000);
        dms.close();
    }

    /** One heartbeat connection: what the kernel told it, whether it is still open. */
    final class Line implements HeartbeatLine {
        final long pid;
        volatile String told = "None";
        volatile Heartbeat heartbeat;
        volatile boolean closed;
        volatile boolean hungUp;
        volatile boolean saidHello;

        Line(int id) {
            this.pid = 100 + id;
        }

        boolean open() {
            return !closed && !hungUp;
        }

        void hangUp() {
            hungUp = true;
            dms.clientHangsUp(this);
        }

        @Override
        public long peerPid() {
            return pid;
        }

        @Override
        public void admitted() {
        }

        @Override
        public void welcome(Heartbeat granted) {
            heartbeat = granted;
            told = "Welcome";
        }

        @Override
        public void answer(Answer answer) {
            // PONG, CANCELLED, ERR …: the spec records only what changes a connection's standing.
        }

        @Override
        public void answerAndClose(Answer answer, Runnable delivered) {
            told = switch (answer) {
                case BUSY -> "Busy";
                case BYE -> "Bye";
                case PANIC_PENDING -> "PanicPending";
                default -> told;
            };
            closed = true;
            delivered.run();
        }
    }

    /** The kill sequence's ports stop before each step until the replay lets them go on. */
    static final class Stepper {
        private final Semaphore go = new Semaphore(0);
        volatile String at;
        volatile Thread who;
        volatile boolean free;

        void arrive(String point) {
            if (free) {
                return;
            }
            who = Thread.currentThread();
            at = point;
            go.acquireUninterruptibly();
        }

        void release() {
            at = null;
            who = null;
            go.release();
        }

        void freeRun() {
            free = true;
            go.release(100);
        }
    }

    /** One secret; the sequence's wipe stops for the spec's DaemonWipesSecret. */
    final class Memory implements SecretMemory {
        volatile boolean wiped;
        volatile boolean firing;

        @Override
        public void load() {
        }

        @Override
        public boolean adopt(Secret secret) {
            return false;
        }

        @Override
        public boolean remove(String name) {
            return false;
        }

        @Override
        public void wipe() {
            if (firing) {
                stepper.arrive("wipe");
            }
            wiped = true;
        }

        @Override
        public List<Secret> secrets() {
            return List.of(new Secret() {
                @Override
                public String name() {
                    return "default";
                }

                @Override
                public long size() {
                    return wiped ? 0 : 32;
                }

                @Override
                public void deliverTo(SecretSink sink) {
                }

                @Override
                public void wipe() {
                    wiped = true;
                }
            });
        }
    }

    /** The spec's process table: PIDs, incarnations, pidfd-style pins. */
    final class Table implements HolderKiller {
        final Map<Long, Integer> gen = new LinkedHashMap<>();
        final Set<Long> alive = new TreeSet<>();
        final Map<Long, Integer> pinned = new TreeMap<>();
        final Map<Long, Holder.Reach> reach = new TreeMap<>();
        /** child incarnation "p/g" → parent incarnation "p/g". */
        final Map<String, String> parent = new LinkedHashMap<>();
        final Set<String> killed = new TreeSet<>();

        synchronized void fork(long parentPid, long childPid) {
            String from = parentPid + "/" + gen.get(parentPid);
            start(childPid);
            parent.put(childPid + "/" + gen.get(childPid), from);
        }

        /** The running incarnations in the tree of p/g: itself and all it started, at any depth. */
        private List<Long> tree(long pid, int g) {
            List<Long> out = new ArrayList<>();
            for (long q : new ArrayList<>(alive)) {
                String at = q + "/" + gen.get(q);
                while (at != null) {
                    if (at.equals(pid + "/" + g)) {
                        out.add(q);
                        break;
                    }
                    at = parent.get(at);
                }
            }
            return out;
        }

        synchronized void start(long pid) {
            gen.put(pid, gen.getOrDefault(pid, 0) + 1);
            alive.add(pid);
        }

        synchronized void exit(long pid) {
            alive.remove(pid);
        }

        @Override
        public synchronized Holder register(Pin pin, Holder.Reach reach) {
            pinned.put(pin.pid(), gen.get(pin.pid()));
            this.reach.put(pin.pid(), reach);
            return new Holder(pin.pid(), gen.get(pin.pid()), reach);
        }

        @Override
        public synchronized boolean unregister(long pid) {
            reach.remove(pid);
            return pinned.remove(pid) != null;
        }

        @Override
        public synchronized List<Holder> holders() {
            List<Holder> out = new ArrayList<>();
            pinned.forEach((p, g) -> out.add(new Holder(p, g, reach.getOrDefault(p, Holder.Reach.PROCESS))));
            return out;
        }

        @Override
        public List<KillOutcome> killAll() {
            return sweep(true);
        }

        @Override
        public List<KillOutcome> rehearseKillAll() {
            return sweep(false);
        }

        private List<KillOutcome> sweep(boolean armed) {
            memory.firing = true;
            List<KillOutcome> out = new ArrayList<>();
            List<Long> order;
            synchronized (this) {
                order = new ArrayList<>(pinned.keySet());
            }
            for (long pid : order) {
                stepper.arrive("kill " + pid);
                synchronized (this) {
                    // A consumer dies whole, as its cgroup's cgroup.kill ends it; a plain holder alone.
                    List<Long> reached = reach.get(pid) == Holder.Reach.TREE
                            ? tree(pid, pinned.get(pid))
                            : alive.contains(pid) && gen.get(pid).equals(pinned.get(pid)) ? List.of(pid) : List.of();
                    if (reached.isEmpty()) {
                        out.add(new KillOutcome(pid, KillOutcome.Kind.GONE));
                    }
                    for (long q : reached) {
                        if (armed) {
                            killed.add("<<" + q + ", " + gen.get(q) + ">>");
                            alive.remove(q);
                            out.add(new KillOutcome(q, KillOutcome.Kind.KILLED));
                        } else {
                            out.add(new KillOutcome(q, KillOutcome.Kind.WOULD_KILL));
                        }
                    }
                }
            }
            stepper.arrive("killed-all");
            return out;
        }
    }
}
