package dev.dazai.bench;

import dev.dazai.bench.cost.LauncherStartup;
import dev.dazai.bench.cost.StartupCost;
import dev.dazai.bench.cost.StartupGoals;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
    /**
     * The heartbeat client under 48 MiB (found by experiment on a 2-core VM: ~46.8 MiB against the
     * snippet's ~52 MiB; start within noise of the snippet's when the machine is busy, ~0.1 s slower
     * when it is quiet): C1 only with one compiler thread that compiles only what runs ten times as
     * often as usual, a young generation of 1 MiB (the client's live set is about 3 MiB), a small
     * interned-string table, and no CDS (the JDK's archive is ~12 MiB resident). -Xshare:off trades
     * those shared file pages for about 1 MiB more private memory, so {@link #LEAN_CDS_CLIENT} keeps
     * CDS and compiles still less instead.
     */
    static final List<String> LEAN_CLIENT = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:off",
            "-XX:-UsePerfData", "-Xms2m", "-Xmn1m", "-Xmx48m", "-Xss512k", "-XX:CICompilerCount=1",
            "-XX:CompileThresholdScaling=10", "-XX:StringTableSize=4096");
    /** As {@link #LEAN_CLIENT}, with the JDK's CDS archive kept and even fewer compilations. */
    static final List<String> LEAN_CDS_CLIENT = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto",
            "-XX:-UsePerfData", "-Xms2m", "-Xmn1m", "-Xmx48m", "-Xss512k", "-XX:CICompilerCount=1",
            "-XX:CompileThresholdScaling=100", "-XX:StringTableSize=4096");
    static final List<String> C1_SERIAL = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");
    /**
     * Added for the ~1,200 daemons the latency scenarios start, to cut the CPU a start costs by about a
     * sixth on 2 cores (measured: 1.05 against 1.25 CPU-seconds a start): transparent huge pages for the
     * heap (fewer first-touch faults), a 16 MiB young generation (less fresh memory touched), one JIT
     * thread. None of them is on the fire path; the cost section shows this variant's start next to
     * the others.
     */
    static final List<String> CHEAP_START = List.of("-XX:+UseTransparentHugePages", "-Xmn16m", "-XX:CICompilerCount=1");

    private final PrintStream log;

    private Bench(PrintStream log) {
        this.log = log;
    }

    public static void main(String[] args) throws Exception {
        System.exit(new Bench(System.out).run(args));
    }

    private int run(String[] args) throws Exception {
        Path appJar = Path.of("app/target/app.jar");
        Path out = null;
        Path dist = null;
        Path csrc = Path.of("bench/src/main/c");
        int trials = 200;
        int costRuns = 5;
        int jmhIterations = 3;
        Set<String> skip = new HashSet<>();
        Set<String> only = new HashSet<>();
        String command = "bench/run.sh";
        boolean quick = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--app-jar" -> appJar = Path.of(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                case "--dist" -> dist = Path.of(args[++i]);
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
                    quick = true;
                }
                default -> {
                    System.err.println("bench: unknown argument " + args[i]
                            + "; see bench/README.md (--trials N --cost-runs N --skip cost,jmh,latency --quick --out P --dist DIR)");
                    return 2;
                }
            }
        }
        if (!Files.isRegularFile(appJar)) {
            System.err.println("bench: no " + appJar + "; build it first: mvn -B -q -pl app,bench -am package -DskipTests");
            return 2;
        }
        if (out == null) {
            // A quick run is a smoke test of the harness: it publishes nothing unless told where.
            out = quick ? Files.createTempFile("dazai-bench-quick-", ".md") : Path.of("docs/BENCHMARKS.md");
        }
        if (dist == null && !skip.contains("startup")) {
            dist = LauncherStartup.findDist(appJar.toAbsolutePath().getParent());
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

        Parts parts = new Parts(log);
        log.println("bench: building the C programs");
        NativeTools tools = NativeTools.build(csrc, work.resolve("c"));
        if (!tools.staticLoad()) {
            notes.add("the holder program could not be linked statically (no static libc): its forks cost more here");
        }
        Machine machine = Machine.read(java, tools.gccVersion());
        log.println("bench: " + machine.cpus() + " CPUs, " + machine.kernel() + ", load " + loadBefore + ", work " + work);

        Jvm shipped = new Jvm("as started by users (re-exec)", java, List.of(), appJar);
        Jvm hardened = new Jvm("hardening flags given", java, Jvm.HARDENING, appJar);
        Jvm c1 = hardened.with("+ C1 only, Serial GC", C1_SERIAL);
        StartupCost cost = new StartupCost(work, signals, costRuns, log);

        parts.done("C programs");
        log.println("bench: AppCDS training runs");
        Path daemonJsa = cost.trainDaemon(c1, work.resolve("daemon.jsa"));
        Jvm c1Cds = c1.with("+ AppCDS", List.of("-XX:SharedArchiveFile=" + daemonJsa));
        Jvm cheap = c1Cds.with("+ cheaper start (the latency daemons)", CHEAP_START);
        Jvm plainClient = new Jvm("plain `java -jar`", java, List.of(), appJar);
        Jvm snippet = new Jvm("shell snippet's flags", java, SNIPPET_CLIENT, appJar);
        Path clientJsa = cost.trainClient(c1, snippet, work.resolve("client.jsa"));
        Jvm snippetCds = snippet.with("snippet + AppCDS", List.of("-XX:SharedArchiveFile=" + clientJsa));
        Jvm lean = new Jvm("lean: late C1, 1 MiB young gen, no CDS", java, LEAN_CLIENT, appJar);
        Jvm leanCds = new Jvm("lean, JDK's CDS kept", java, LEAN_CDS_CLIENT, appJar);
        parts.done("AppCDS training");

        StartupCost.Row javaVersion = null;
        List<StartupCost.Row> daemonRows = List.of();
        List<StartupCost.Row> clientRows = List.of();
        if (!skip.contains("cost")) {
            log.println("bench: cost, " + costRuns + " runs of each variant");
            javaVersion = cost.javaVersion(java, List.of());
            log.printf("  %-34s %7.1f ms%n", javaVersion.name(), javaVersion.medianMillis());
            daemonRows = cost.daemon(List.of(shipped, hardened, c1, c1Cds, cheap));
            clientRows = cost.client(c1Cds, List.of(plainClient, snippet, snippetCds, lean, leanCds));
            parts.done("cost");
        }

        StartupGoals goals = null;
        if (!skip.contains("startup")) {
            int goalRuns = quick ? 5 : 11;
            log.println("bench: start-up goals through " + dist + ", " + goalRuns + " runs of each variant");
            goals = LauncherStartup.measure(dist, Path.of(System.getProperty("java.home")), work, goalRuns, log);
            parts.done("start-up goals");
        }

        List<JmhRun.Score> jmh = List.of();
        if (!skip.contains("jmh")) {
            log.println("bench: JMH (log in " + work.resolve("jmh.log") + ")");
            jmh = new JmhRun(1, jmhIterations).run(work.resolve("jmh.log"));
            jmh.forEach(s -> log.printf("  %-40s %-10s %12.3f ± %.3f %s%n", s.benchmark(), s.bytes() == null ? "" : s.bytes(),
                    s.score(), s.error(), s.unit()));
            parts.done("JMH");
        }

        Jvm latencyJvm = cheap;
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
                if (want.isEmpty() || want.contains("floor-kill-" + holders)) {
                    latency.add(s.killFloor(holders, Math.min(trials, floorTrials(holders, quick))));
                }
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
            parts.done("latency");
        }

        long seconds = (System.nanoTime() - t0) / 1_000_000_000L;
        String loadAfter = Machine.loadavg();
        String md = new Report().render(new Report.Inputs(machine, command, loadBefore, loadAfter, seconds, parts.seconds(),
                latency, jmh, javaVersion, daemonRows, clientRows, goals, latencyJvm.flagText().replace(work.toString(), "$WORK"),
                trials, notes, skip.isEmpty() && only.isEmpty() && trials >= 200));
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, md.replace(work.toString(), "$WORK"));
        log.println("bench: wrote " + out + " in " + seconds + " s (" + parts.summary() + "); load " + loadBefore + " → "
                + loadAfter);
        deleteQuietly(work);
        return 0;
    }

    /**
     * Trials of a kill floor: forking 1,000 holders for every trial takes about a second on a small VM,
     * so the big floor gets 50 (its p99 is then its second-highest value) and the 100-holder one 100.
     */
    static int floorTrials(int holders, boolean quick) {
        if (quick) {
            return holders >= 1000 ? 5 : 20;
        }
        return holders >= 1000 ? 50 : holders >= 100 ? 100 : 200;
    }

    /** Wall time of each part of the run, for the log and the report. */
    static final class Parts {
        private final PrintStream log;
        private final Map<String, Long> seconds = new LinkedHashMap<>();
        private long mark = System.nanoTime();

        Parts(PrintStream log) {
            this.log = log;
        }

        /** The part that just ended took the time since the previous one ended. */
        void done(String part) {
            long now = System.nanoTime();
            long s = Math.round((now - mark) / 1e9);
            mark = now;
            seconds.put(part, s);
            log.println("bench: " + part + " took " + s + " s");
        }

        Map<String, Long> seconds() {
            return new LinkedHashMap<>(seconds);
        }

        String summary() {
            StringBuilder sb = new StringBuilder();
            seconds().forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ", ").append(k).append(' ').append(v).append(" s"));
            return sb.toString();
        }
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
