package dev.dazai.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * TLC over the whole state space of each model, the trace models the kernel replays, and every
 * mutant in {@code mutants/}. A mutant passes only if TLC rejects it for the reason its header
 * names ("Breaks KillBeforeWipe."): the expected exit code and the expected invariant, on the
 * bounds of the model it extends, judged with that model's claims ({@code mutants/<model>.cfg}).
 */
class ModelCheckTest {

    private static final Path SPEC = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().normalize();
    private static final Path MUTANTS = SPEC.resolve("mutants");
    /** The models checked whole; each has its claims in {@code <model>.cfg}. */
    private static final List<String> MODELS = List.of("MCDeadMan", "MCPresence", "MCConsumers");
    /** The trace models and the graph each dumps; together they take every action of Next. */
    private static final Map<String, String> TRACES = Map.of(
            "MCTrace", "DeadMan.dot",
            "MCTraceHolders", "DeadManHolders.dot");
    private static final Pattern BREAKS = Pattern.compile("Breaks (\\w+)\\.");
    private static final Pattern EXTENDS = Pattern.compile("(?m)^EXTENDS (\\w+)");
    private static final Pattern OPERATOR = Pattern.compile("(?m)^(\\w+)(\\([^)]*\\))?\\s*==");
    private static final Pattern EDGE_LABEL = Pattern.compile("-> -?\\d+ \\[label=\"([^\"]*)\"");
    private static final Pattern NEXT = Pattern.compile("(?ms)^Next ==\\R(.*?)^\\R");
    private static final Pattern NEXT_ACTION = Pattern.compile("\\\\/ (?:\\\\E [\\w, ]+ \\\\in \\w+ : )?(\\w+)");

    private final Tlc tlc = new Tlc(SPEC, SPEC.resolve("target/tlc"), Duration.ofMinutes(10), "auto");
    /** One worker: the first violation TLC reports is then on a shortest path, the same every run. */
    private final Tlc oneWorker = new Tlc(SPEC, SPEC.resolve("target/tlc"), Duration.ofMinutes(10), "1");

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void modelHoldsEveryInvariantAndLivenessWithoutDeadlock(String model) throws Exception {
        Tlc.Result run = tlc.check(SPEC.resolve(model + ".tla"), SPEC.resolve(model + ".cfg"));
        System.out.println(run.summary());

        assertEquals(Tlc.OK, run.exitCode(), () -> "TLC rejects the spec:\n" + run.errorReport());
        assertTrue(run.output().contains("Model checking completed. No error has been found."), run::errorReport);
    }

    @Test
    void traceModelsDumpStateGraphsLabelledWithEveryActionOfTheSpec() throws Exception {
        String spec = Files.readString(SPEC.resolve("DeadMan.tla"));
        Set<String> operators = new TreeSet<>();
        Matcher op = OPERATOR.matcher(spec);
        while (op.find()) {
            operators.add(op.group(1));
        }
        Set<String> actions = new TreeSet<>();
        Matcher next = NEXT.matcher(spec);
        assertTrue(next.find(), "no Next == in DeadMan.tla");
        Matcher action = NEXT_ACTION.matcher(next.group(1));
        while (action.find()) {
            actions.add(action.group(1));
        }

        Set<String> labels = new TreeSet<>();
        for (Map.Entry<String, String> trace : new TreeMap<>(TRACES).entrySet()) {
            Path dot = Files.createDirectories(SPEC.resolve("target/trace")).resolve(trace.getValue());
            Files.deleteIfExists(dot);
            Tlc.Result run = tlc.check(SPEC.resolve(trace.getKey() + ".tla"), SPEC.resolve(trace.getKey() + ".cfg"),
                    "-dump", "dot,actionlabels", dot.toString());
            System.out.println(run.summary() + ", graph: " + dot);

            assertEquals(Tlc.OK, run.exitCode(), () -> "TLC rejects the trace model:\n" + run.errorReport());
            Set<String> these = new TreeSet<>();
            Matcher edge = EDGE_LABEL.matcher(Files.readString(dot));
            while (edge.find()) {
                these.add(edge.group(1));
            }
            assertTrue(operators.containsAll(these), () -> "labels that are not DeadMan operators: " + these);
            labels.addAll(these);
        }
        // Every action of Next takes a step in some graph, so the kernel can be made to replay each one.
        assertEquals(actions, labels, "the actions of Next and the labels of the trace graphs");
    }

    @Test
    void everyInvariantAndPropertyHasAMutantThatBreaksIt() throws IOException {
        Set<String> claims = new LinkedHashSet<>();
        for (String model : MODELS) {
            TlcConfig checked = TlcConfig.read(SPEC.resolve(model + ".cfg"));
            TlcConfig judged = TlcConfig.read(MUTANTS.resolve(model + ".cfg"));
            assertEquals(checked, judged, "mutants of " + model + " must be judged on everything it checks");
            claims.addAll(checked.invariants());
            claims.addAll(checked.properties());
        }
        claims.remove("TypeOK");

        Set<String> broken = new TreeSet<>();
        for (String mutant : mutants().toList()) {
            broken.add(brokenBy(mutant));
        }
        claims.removeAll(broken);
        assertTrue(claims.isEmpty(), () -> "no mutant shows these have teeth: " + claims);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mutants")
    void mutantIsCaughtForItsOwnReason(String mutant) throws Exception {
        String expected = brokenBy(mutant);
        String model = modelOf(mutant);
        assertTrue(MODELS.contains(model), mutant + " extends " + model + ", which is not one of " + MODELS);
        Path cfg = MUTANTS.resolve(model + ".cfg");
        TlcConfig judged = TlcConfig.read(cfg);

        if (judged.properties().contains(expected)) {
            // TLC 2.18 does not name the temporal property it found violated: check only this one.
            Path own = Files.createDirectories(SPEC.resolve("target/tlc")).resolve(mutant + ".cfg");
            Files.writeString(own, TlcConfig.keepingOnlyProperty(cfg, expected));
            assertEquals(List.of(expected), TlcConfig.read(own).properties(), "the derived config checks one property");
            Tlc.Result run = tlc.check(MUTANTS.resolve(mutant + ".tla"), own);
            System.out.println(run.summary() + ", expected to break " + expected);
            assertEquals(Tlc.VIOLATION_LIVENESS, run.exitCode(), () -> wrongReason(mutant, expected, run));
            assertTrue(run.output().contains("Temporal properties were violated."), () -> wrongReason(mutant, expected, run));
        } else {
            assertTrue(judged.invariants().contains(expected), mutant + " names a claim " + cfg.getFileName() + " does not check");
            Tlc.Result run = oneWorker.check(MUTANTS.resolve(mutant + ".tla"), cfg);
            System.out.println(run.summary() + ", expected to break " + expected);
            assertEquals(Tlc.VIOLATION_SAFETY, run.exitCode(), () -> wrongReason(mutant, expected, run));
            assertTrue(run.output().contains("Invariant " + expected + " is violated."), () -> wrongReason(mutant, expected, run));
        }
    }

    static Stream<String> models() {
        return MODELS.stream();
    }

    static Stream<String> mutants() throws IOException {
        try (Stream<Path> files = Files.list(MUTANTS)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(f -> f.endsWith(".tla"))
                    .map(f -> f.substring(0, f.length() - ".tla".length()))
                    .sorted()
                    .toList()
                    .stream();
        }
    }

    private static String brokenBy(String mutant) throws IOException {
        Matcher m = BREAKS.matcher(Files.readString(MUTANTS.resolve(mutant + ".tla")));
        if (!m.find()) {
            throw new AssertionError(mutant + ".tla must say which claim it breaks: \"Breaks <Name>.\" in its header");
        }
        return m.group(1);
    }

    private static String modelOf(String mutant) throws IOException {
        Matcher m = EXTENDS.matcher(Files.readString(MUTANTS.resolve(mutant + ".tla")));
        if (!m.find()) {
            throw new AssertionError(mutant + ".tla must extend the model whose bounds it is checked on");
        }
        return m.group(1);
    }

    private static String wrongReason(String mutant, String expected, Tlc.Result run) {
        return mutant + " should break " + expected + " but TLC said (exit " + run.exitCode() + "):\n" + run.errorReport();
    }
}
