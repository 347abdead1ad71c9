package dev.dazai.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * TLC over the whole state space of the main model, the trace model the kernel replays, and every
 * mutant in {@code mutants/}. A mutant passes only if TLC rejects it for the reason its header
 * names ("Breaks KillBeforeWipe."): the expected exit code and the expected invariant.
 */
class ModelCheckTest {

    private static final Path SPEC = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().normalize();
    private static final Path MUTANTS = SPEC.resolve("mutants");
    private static final Pattern BREAKS = Pattern.compile("Breaks (\\w+)\\.");
    private static final Pattern OPERATOR = Pattern.compile("(?m)^(\\w+)(\\([^)]*\\))?\\s*==");
    private static final Pattern EDGE_LABEL = Pattern.compile("-> -?\\d+ \\[label=\"([^\"]*)\"");

    private final Tlc tlc = new Tlc(SPEC, SPEC.resolve("target/tlc"), Duration.ofMinutes(10));

    @Test
    void mainModelHoldsEveryInvariantAndLivenessWithoutDeadlock() throws Exception {
        Tlc.Result run = tlc.check(SPEC.resolve("MCDeadMan.tla"), SPEC.resolve("MCDeadMan.cfg"));
        System.out.println(run.summary());

        assertEquals(Tlc.OK, run.exitCode(), () -> "TLC rejects the spec:\n" + run.errorReport());
        assertTrue(run.output().contains("Model checking completed. No error has been found."), run::errorReport);
    }

    @Test
    void traceModelDumpsItsStateGraphLabelledWithTheSpecsActions() throws Exception {
        Path dot = Files.createDirectories(SPEC.resolve("target/trace")).resolve("DeadMan.dot");
        Files.deleteIfExists(dot);
        Tlc.Result run = tlc.check(SPEC.resolve("MCTrace.tla"), SPEC.resolve("MCTrace.cfg"),
                "-dump", "dot,actionlabels", dot.toString());
        System.out.println(run.summary() + ", graph: " + dot);

        assertEquals(Tlc.OK, run.exitCode(), () -> "TLC rejects the trace model:\n" + run.errorReport());
        Set<String> operators = new TreeSet<>();
        Matcher op = OPERATOR.matcher(Files.readString(SPEC.resolve("DeadMan.tla")));
        while (op.find()) {
            operators.add(op.group(1));
        }
        Set<String> labels = new TreeSet<>();
        Matcher edge = EDGE_LABEL.matcher(Files.readString(dot));
        while (edge.find()) {
            labels.add(edge.group(1));
        }
        assertTrue(labels.size() > 10, () -> "too few distinct action labels in " + dot + ": " + labels);
        assertTrue(operators.containsAll(labels), () -> "labels that are not DeadMan operators: " + labels);
    }

    @Test
    void everyInvariantAndPropertyHasAMutantThatBreaksIt() throws IOException {
        TlcConfig main = TlcConfig.read(SPEC.resolve("MCDeadMan.cfg"));
        TlcConfig judged = TlcConfig.read(MUTANTS.resolve("Mutant.cfg"));
        assertEquals(main, judged, "mutants must be judged on everything the main model checks");

        Set<String> broken = new TreeSet<>();
        for (String mutant : mutants().toList()) {
            broken.add(brokenBy(mutant));
        }
        Set<String> claims = new LinkedHashSet<>(main.invariants());
        claims.remove("TypeOK");
        claims.addAll(main.properties());
        claims.removeAll(broken);
        assertTrue(claims.isEmpty(), () -> "no mutant shows these have teeth: " + claims);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mutants")
    void mutantIsCaughtForItsOwnReason(String mutant) throws Exception {
        String expected = brokenBy(mutant);
        TlcConfig judged = TlcConfig.read(MUTANTS.resolve("Mutant.cfg"));
        Tlc.Result run = tlc.check(MUTANTS.resolve(mutant + ".tla"), MUTANTS.resolve("Mutant.cfg"));
        System.out.println(run.summary() + ", expected to break " + expected);

        if (judged.properties().contains(expected)) {
            // TLC 2.18 does not name the temporal property it found violated: Mutant.cfg checks only one.
            assertEquals(List.of(expected), judged.properties(), "a liveness mutant needs a config with one property");
            assertEquals(Tlc.VIOLATION_LIVENESS, run.exitCode(), () -> wrongReason(mutant, expected, run));
            assertTrue(run.output().contains("Temporal properties were violated."), () -> wrongReason(mutant, expected, run));
        } else {
            assertTrue(judged.invariants().contains(expected), mutant + " names an invariant Mutant.cfg does not check");
            assertEquals(Tlc.VIOLATION_SAFETY, run.exitCode(), () -> wrongReason(mutant, expected, run));
            assertTrue(run.output().contains("Invariant " + expected + " is violated."), () -> wrongReason(mutant, expected, run));
        }
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

    private static String wrongReason(String mutant, String expected, Tlc.Result run) {
        return mutant + " should break " + expected + " but TLC said (exit " + run.exitCode() + "):\n" + run.errorReport();
    }
}
