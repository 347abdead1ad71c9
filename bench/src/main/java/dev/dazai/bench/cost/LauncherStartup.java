package dev.dazai.bench.cost;

import dev.dazai.bench.e2e.DaemonProcess;
import dev.dazai.bench.e2e.Jvm;
import dev.dazai.bench.e2e.Signals;
import dev.dazai.bench.report.Machine;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Start-up through the distribution's launcher against {@code java -jar} (issue #20), side by side
 * with {@code java -version} in the same run, every variant's runs interleaved: a daemon from spawn
 * to its Ready line, and a client command ({@code status} against a live daemon) from spawn to
 * exit. Prints a Markdown table of medians and their ratios to {@code java -version}, with the
 * machine's load before and after. Goals: daemon ≤ 3×, client ≤ 2.5×.
 *
 * <pre>
 * mvn -B -q -pl app,bench -am package -DskipTests
 * java -cp bench/target/benchmarks.jar dev.dazai.bench.cost.LauncherStartup [--runs N] [--dist DIR]
 *      [--java-home JDK]
 * </pre>
 *
 * With {@code --java-home} the launcher runs on that JDK (JAVA_HOME) and {@code java -version} and
 * {@code java -jar} use its java too; the launcher dumps that JDK's archive on first use, so one
 * untimed warm-up run of each variant comes first.
 */
public final class LauncherStartup {

    private LauncherStartup() {
    }

    public static void main(String[] args) throws Exception {
        int runs = 11;
        Path dist = null;
        Path javaHome = Path.of(System.getProperty("java.home"));
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--dist" -> dist = Path.of(args[++i]);
                case "--java-home" -> javaHome = Path.of(args[++i]);
                default -> {
                    System.err.println("LauncherStartup: unknown argument " + args[i]
                            + "; use --runs N --dist DIR --java-home JDK");
                    System.exit(2);
                }
            }
        }
        if (dist == null) {
            dist = findDist(Path.of("app/target"));
        }
        System.exit(new LauncherStartup().run(dist, javaHome, runs, System.out));
    }

    private int run(Path dist, Path javaHome, int runs, PrintStream out) throws Exception {
        if (!Files.isExecutable(dist.resolve("bin/dazai")) || !Files.isRegularFile(dist.resolve("lib/dazai/app.jar"))) {
            System.err.println("LauncherStartup: no distribution at " + dist + "; build it: mvn -B -q -pl app -am package -DskipTests");
            return 2;
        }
        String uptimeBefore = uptime();
        Path work = Files.createTempDirectory("dazai-launcher-bench-");
        try {
            StartupGoals goals = measure(dist, javaHome, work, runs, out);
            out.println();
            out.println("Measured with `java -cp bench/target/benchmarks.jar dev.dazai.bench.cost.LauncherStartup --runs "
                    + runs + "` on " + Runtime.getRuntime().availableProcessors() + " CPUs, JDK " + javaHome
                    + "; uptime before: " + uptimeBefore + "; load after: " + Machine.loadavg() + ".");
            out.println();
            goals.table().forEach(out::println);
            return 0;
        } finally {
            deleteTree(work);
        }
    }

    /**
     * The three goals, every variant's runs interleaved: the daemon through the launcher (with and
     * without its class-data archive) and by {@code java -jar}; {@code status} the same three ways;
     * EOF → gone through the launcher and by {@code java -jar}.
     */
    public static StartupGoals measure(Path dist, Path javaHome, Path work, int runs, PrintStream out) throws Exception {
        Path launcher = dist.resolve("bin/dazai");
        Path jar = dist.resolve("lib/dazai/app.jar");
        Path java = javaHome.resolve("bin/java");
        List<String> env = List.of("/usr/bin/env", "JAVA_HOME=" + javaHome);
        List<String> envNoCds = List.of("/usr/bin/env", "JAVA_HOME=" + javaHome, "DAZAI_CDS=off");
        Jvm viaLauncher = Jvm.launcher("bin/dazai", launcher, env);
        Jvm viaLauncherNoCds = Jvm.launcher("bin/dazai, DAZAI_CDS=off", launcher, envNoCds);
        Jvm plainJar = new Jvm("java -jar app.jar", java, List.of(), jar);

        StartupCost warm = new StartupCost(work, new Signals(), 1, new PrintStream(PrintStream.nullOutputStream()));
        // Untimed: the launcher dumps an archive for a JDK it has none for, in the background, on first use.
        warm.command(viaLauncher, List.of(viaLauncher), List.of("status"));
        waitForDumps(dist.resolve("lib/dazai/cds"));

        StartupCost cost = new StartupCost(work, new Signals(), runs, out);
        out.println("java -version, " + runs + " runs");
        StartupCost.Row version = cost.javaVersion(java, List.of());
        out.println("daemon: spawn -> Ready, " + runs + " runs of each, interleaved");
        List<StartupCost.Row> daemon = cost.daemon(List.of(viaLauncher, viaLauncherNoCds, plainJar));
        out.println("client: dazai status against a live daemon, spawn -> exit, " + runs + " runs of each, interleaved");
        List<StartupCost.Row> client = cost.command(viaLauncher, List.of(viaLauncher, viaLauncherNoCds, plainJar),
                List.of("status"));
        out.println("dry-run heartbeat EOF -> daemon gone, " + runs + " runs of each, interleaved");
        List<StartupCost.Row> gone = cost.gone(List.of(viaLauncher, plainJar));
        return new StartupGoals(version, daemon, client, gone);
    }

    /** The unpacked distribution under {@code target} (app/target/dazai-VERSION). */
    public static Path findDist(Path target) throws IOException {
        try (Stream<Path> dirs = Files.list(target)) {
            return dirs.filter(d -> d.getFileName().toString().startsWith("dazai-") && Files.isDirectory(d))
                    .findFirst().orElseThrow(() -> new IOException("no dazai-VERSION directory in " + target
                            + "; build it: mvn -B -q -pl app -am package -DskipTests"));
        }
    }

    private static void waitForDumps(Path cds) throws InterruptedException, IOException {
        long deadline = System.nanoTime() + 300_000_000_000L;
        while (System.nanoTime() < deadline) {
            try (Stream<Path> files = Files.list(cds)) {
                if (files.noneMatch(p -> p.toString().endsWith(".lock"))) {
                    return;
                }
            }
            Thread.sleep(200);
        }
    }

    private static String uptime() {
        try {
            Process p = new ProcessBuilder("uptime").redirectErrorStream(true).start();
            String s = new String(p.getInputStream().readAllBytes()).strip();
            p.waitFor();
            return s;
        } catch (IOException e) {
            return "load " + Machine.loadavg();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "load " + Machine.loadavg();
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
