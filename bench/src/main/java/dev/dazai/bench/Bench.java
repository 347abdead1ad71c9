package dev.dazai.bench;

import dev.dazai.bench.cost.StartupCost;
import dev.dazai.bench.e2e.Jvm;
import dev.dazai.bench.e2e.NativeTools;
import dev.dazai.bench.e2e.Outcome;
import dev.dazai.bench.e2e.Scenarios;
import dev.dazai.bench.e2e.Signals;
import dev.dazai.bench.jmh.JmhRun;
import dev.dazai.bench.report.Machine;
import dev.dazai.bench.report.Report;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The whole benchmark set in one run: cost (start-up, memory), JMH, end-to-end latency, the C
 * floor; then docs/BENCHMARKS.md. Run through {@code bench/run.sh}, which builds the jars first.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar dev.dazai.bench.Bench [--trials N] [--cost-runs N]
 *      [--skip cost,jmh,latency] [--scenarios hb-loss,usr2-1000,…] [--app-jar P] [--out P] [--quick]
 * </pre>
 */
public final class Bench {

    /** The heartbeat client flags the shell snippet (shell/dazai.bash) starts it with. */
    static final List<String> SNIPPET_CLIENT = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto",
            "-XX:-UsePerfData", "-Xms8m", "-Xmx48m", "-Xss512k");
    static final List<String> LEAN_CLIENT = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData",
            "-Xms2m", "-Xmx16m", "-Xss256k", "-XX:ReservedCodeCacheSize=8m", "-XX:CICompilerCount=1");
    static final List<String> C1_SERIAL = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

    private final PrintStream log;

    private Bench(PrintStream log) {
        this.log = log;
    }

    public static void main(String[] args) throws Exception {
        System.exit(new Bench(System.out).run(args));
    }

    private int run(String[] args) throws Exception {
        Path appJar = Path.of("app/target/app.jar");
        Path out = Path.of("docs/BENCHMARKS.md");
        Path csrc = Path.of("bench/src/main/c");
        int trials = 200;
        int costRuns = 7;
        int jmhIterations = 3;
        Set<String> skip = new HashSet<>();
        Set<String> only = new HashSet<>();
        String command = "bench/run.sh";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--app-jar" -> appJar = Path.of(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                case "--c-src" -> csrc = Path.of(args[++i]);
                case "--trials" -> trials = Integer.parseInt(args[++i]);
                case "--cost-runs" -> costRuns = Integer.parseInt(args[++i]);
                case "--skip" -> skip.addAll(List.of(args[++i].split(",")));
                case "--scenarios" -> only.addAll(List.of(args[++i].split(",")));
                case "--command" -> command = args[++i];
                case "--quick" -> {
                    trials = 20;
                    costRuns = 3;
                    jmhIterations = 1;
                }
                default -> {
                    System.err.println("bench: unknown argument " + args[i]
                            + "; see bench/README.md (--trials N --cost-runs N --skip cost,jmh,latency --quick --out P)");
                    return 2;
                }
            }
        }
        if (!Files.isRegularFile(appJar)) {
            System.err.println("bench: no " + appJar + "; build it first: mvn -B -q -pl app,bench -am package -DskipTests");
            return 2;
        }
        long t0 = System.nanoTime();
        String loadBefore = Machine.loadavg();
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path work = Files.createTempDirectory("dazai-bench-");
        // A private copy: a rebuild of app.jar during the run (another build on the machine) must not
        // change the daemon under test halfway, nor invalidate the AppCDS archives made from it.
        Path builtJar = appJar;
        appJar = work.resolve("app.jar");
        Files.copy(builtJar, appJar);
        Signals signals = new Signals();
        List<String> notes = new ArrayList<>();

        log.println("bench: building the C programs");
        NativeTools tools = NativeTools.build(csrc, work.resolve("c"));
        Machine machine = Machine.read(java, tools.gccVersion());
        log.println("bench: " + machine.cpus() + " CPUs, " + machine.kernel() + ", load " + loadBefore + ", work " + work);

        Jvm shipped = new Jvm("as started by users (re-exec)", java, List.of(), appJar);
        Jvm hardened = new Jvm("hardening flags given", java, Jvm.HARDENING, appJar);
        Jvm c1 = hardened.with("+ C1 only, Serial GC", C1_SERIAL);
        StartupCost cost = new StartupCost(work, signals, costRuns, log);

        log.println("bench: AppCDS training runs");
        Path daemonJsa = cost.trainDaemon(c1, work.resolve("daemon.jsa"));
        Jvm c1Cds = c1.with("+ AppCDS", List.of("-XX:SharedArchiveFile=" + daemonJsa));
        Jvm small = c1Cds.with("+ -Xmx64m -Xss512k", List.of("-Xmx64m", "-Xss512k"));
        Jvm plainClient = new Jvm("plain `java -jar`", java, List.of(), appJar);
        Jvm snippet = new Jvm("shell snippet's flags", java, SNIPPET_CLIENT, appJar);
        Path clientJsa = cost.trainClient(c1, snippet, work.resolve("client.jsa"));
        Jvm snippetCds = snippet.with("snippet + AppCDS", List.of("-XX:SharedArchiveFile=" + clientJsa));
        Jvm lean = new Jvm("lean", java, LEAN_CLIENT, appJar);
        Jvm leanInt = new Jvm("lean, interpreter only", java, swap(LEAN_CLIENT), appJar);

        StartupCost.Row javaVersion = null;
        List<StartupCost.Row> daemonRows = List.of();
        List<StartupCost.Row> clientRows = List.of();
        if (!skip.contains("cost")) {
            log.println("bench: cost, " + costRuns + " runs of each variant");
            javaVersion = cost.javaVersion(java, List.of());
            log.printf("  %-34s %7.1f ms%n", javaVersion.name(), javaVersion.medianMillis());
            daemonRows = cost.daemon(List.of(shipped, hardened, c1, c1Cds, small));
            clientRows = cost.client(c1Cds, List.of(plainClient, snippet, snippetCds, lean, leanInt));
        }

        List<JmhRun.Score> jmh = List.of();
        if (!skip.contains("jmh")) {
            log.println("bench: JMH (log in " + work.resolve("jmh.log") + ")");
            jmh = new JmhRun(1, jmhIterations).run(work.resolve("jmh.log"));
            jmh.forEach(s -> log.printf("  %-40s %-10s %12.3f ± %.3f %s%n", s.benchmark(), s.bytes() == null ? "" : s.bytes(),
                    s.score(), s.error(), s.unit()));
        }

        Jvm latencyJvm = c1Cds;
        List<Outcome> latency = new ArrayList<>();
        if (!skip.contains("latency")) {
            log.println("bench: end-to-end latency, " + trials + " trials each, daemon flags " + latencyJvm.flagText());
            Scenarios s = new Scenarios(latencyJvm, tools, signals, work, trials, 2, 1000, log);
            Set<String> want = only;
            if (want.isEmpty() || want.contains("floor-c")) {
                latency.add(s.floor());
            }
            if (want.isEmpty() || want.contains("hb-loss")) {
                latency.add(s.heartbeatLoss(false));
            }
            for (int holders : new int[] {0, 100, 1000}) {
                if (want.isEmpty() || want.contains("usr2-" + holders)) {
                    latency.add(s.hardPanic(holders, false));
                }
            }
            if (want.isEmpty() || want.contains("ping-late")) {
                latency.add(s.pingLateness());
            }
            if (want.isEmpty() || want.contains("hb-loss+junk")) {
                latency.add(s.heartbeatLoss(true));
            }
            if (want.isEmpty() || want.contains("usr2-0+junk")) {
                latency.add(s.hardPanic(0, true));
            }
        }

        long seconds = (System.nanoTime() - t0) / 1_000_000_000L;
        String loadAfter = Machine.loadavg();
        String md = new Report().render(new Report.Inputs(machine, command, loadBefore, loadAfter, seconds, latency, jmh,
                javaVersion, daemonRows, clientRows, latencyJvm.flagText().replace(work.toString(), "$WORK"), trials, notes));
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, md.replace(work.toString(), "$WORK"));
        log.println("bench: wrote " + out + " in " + seconds + " s; load " + loadBefore + " → " + loadAfter);
        deleteQuietly(work);
        return 0;
    }

    /** The lean flags with the interpreter in place of C1. */
    private static List<String> swap(List<String> flags) {
        List<String> out = new ArrayList<>();
        out.add("-Xint");
        for (String f : flags) {
            if (!f.startsWith("-XX:TieredStopAtLevel") && !f.startsWith("-XX:CICompilerCount")
                    && !f.startsWith("-XX:ReservedCodeCacheSize")) {
                out.add(f);
            }
        }
        return out;
    }

    private static void deleteQuietly(Path work) {
        try (var all = Files.walk(work)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // A leftover temp directory is harmless.
        }
    }
}
