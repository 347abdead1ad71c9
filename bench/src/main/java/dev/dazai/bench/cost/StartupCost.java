package dev.dazai.bench.cost;

import dev.dazai.bench.e2e.DaemonProcess;
import dev.dazai.bench.e2e.HeartbeatConnection;
import dev.dazai.bench.e2e.JournalLine;
import dev.dazai.bench.e2e.Jvm;
import dev.dazai.bench.e2e.LineLog;
import dev.dazai.bench.e2e.Signals;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What it costs to run: the daemon's time-to-ready (spawn → Ready line, written right after the
 * pidfile) and resident memory, the heartbeat client's start (spawn → the daemon logging it
 * attached) and resident memory, each as the median of repeated runs, next to a bare
 * {@code java -version} in the same run. Runs of the variants are interleaved, so drifting load
 * from elsewhere on the machine hits every variant alike.
 */
public final class StartupCost {

    /** Memory is read this long after ready/attached, once start-up garbage and JIT work have settled. */
    private static final long SETTLE_MILLIS = 300;
    private static final long TIMEOUT_MILLIS = 120_000;

    /** One variant's medians. */
    public record Row(String name, String flags, double medianMillis, double minMillis, long rssKb, long anonKb,
            String archive, int runs) {
    }

    private record Sample(double millis, long rssKb, long anonKb, boolean archiveMapped) {
    }

    private final Path work;
    private final Signals signals;
    private final int runs;
    private final PrintStream log;
    private int homes;

    public StartupCost(Path work, Signals signals, int runs, PrintStream log) {
        this.work = work;
        this.signals = signals;
        this.runs = runs;
        this.log = log;
    }

    // ---- AppCDS archives ---------------------------------------------------------------------

    /**
     * A dynamic AppCDS archive of the daemon's classes, from a training run that goes all the way
     * through a rehearsed fire (attach, close, WIPED, exit), so the fire path's classes are in it too.
     */
    public Path trainDaemon(Jvm jvm, Path jsa) throws Exception {
        Files.deleteIfExists(jsa);
        // The daemon ends with _exit(2) unless told otherwise, and the JVM writes the archive as it exits.
        Jvm training = jvm.with(jvm.name(), List.of("-XX:ArchiveClassesAtExit=" + jsa, "-Xlog:cds=off", "-Xlog:cds+dynamic=off",
                "-Ddazai.exit.jvm=true"));
        try (DaemonProcess d = DaemonProcess.start(training, home(), List.of("--grace", "0", "--generate", "4096"))) {
            d.awaitReady();
            HeartbeatConnection.attach(d.heartbeatSocket(), ProcessHandle.current().pid(), TIMEOUT_MILLIS).closeNow();
            d.journal().awaitKind("WIPED", 0, TIMEOUT_MILLIS);
            d.awaitExit(TIMEOUT_MILLIS);
        }
        if (!Files.exists(jsa)) {
            throw new IOException("the training run wrote no archive at " + jsa);
        }
        return jsa;
    }

    /** A dynamic AppCDS archive of the heartbeat client's classes: attach, then SIGTERM (a normal exit). */
    public Path trainClient(Jvm daemonJvm, Jvm client, Path jsa) throws Exception {
        Files.deleteIfExists(jsa);
        Jvm training = client.with(client.name(), List.of("-XX:ArchiveClassesAtExit=" + jsa, "-Xlog:cds=off", "-Xlog:cds+dynamic=off"));
        try (DaemonProcess d = DaemonProcess.start(daemonJvm, home(), List.of("--grace", "3600", "--generate", "4096"))) {
            d.awaitReady();
            Process c = startClient(training, d);
            d.journal().awaitKind("ATTACHED", 0, TIMEOUT_MILLIS);
            signals.send(c.pid(), Signals.SIGTERM);
            if (!c.waitFor(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)) {
                c.destroyForcibly();
            }
        }
        if (!Files.exists(jsa)) {
            throw new IOException("the client's training run wrote no archive at " + jsa);
        }
        return jsa;
    }

    // ---- measurements ----------------------------------------------------------------------

    /** {@code java -version}: spawn → exit. The baseline every ratio is against. */
    public Row javaVersion(Path java, List<String> flags) throws Exception {
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            List<String> cmd = new ArrayList<>();
            cmd.add(java.toString());
            cmd.addAll(flags);
            cmd.add("-version");
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
            long t0 = System.nanoTime();
            Process p = pb.start();
            p.waitFor();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        String name = "java " + String.join(" ", flags) + (flags.isEmpty() ? "" : " ") + "-version";
        return new Row(name, String.join(" ", flags), median(ms), min(ms), 0, 0, "-", runs);
    }

    /** Time-to-ready and memory of the daemon for each variant, runs interleaved. */
    public List<Row> daemon(List<Jvm> variants) throws Exception {
        Map<Jvm, List<Sample>> samples = new LinkedHashMap<>();
        variants.forEach(v -> samples.put(v, new ArrayList<>()));
        for (int i = 0; i < runs; i++) {
            for (Jvm v : variants) {
                try (DaemonProcess d = DaemonProcess.start(v, home(), List.of("--generate", "4096"))) {
                    LineLog.Stamped ready = d.awaitReady();
                    double ms = (ready.nanos() - d.spawnNanos()) / 1e6;
                    Thread.sleep(SETTLE_MILLIS);
                    samples.get(v).add(new Sample(ms, kb(d.pid(), "VmRSS"), kb(d.pid(), "RssAnon"), archiveMapped(d.pid())));
                    signals.send(d.pid(), Signals.SIGTERM);
                    d.awaitExit(TIMEOUT_MILLIS);
                }
            }
        }
        return rows(samples);
    }

    /**
     * The heartbeat client for each variant, against one daemon (dry-run, an hour of grace, so a
     * killed client only opens a window the next client's HELLO cancels).
     */
    public List<Row> client(Jvm daemonJvm, List<Jvm> variants) throws Exception {
        Map<Jvm, List<Sample>> samples = new LinkedHashMap<>();
        variants.forEach(v -> samples.put(v, new ArrayList<>()));
        try (DaemonProcess d = DaemonProcess.start(daemonJvm, home(), List.of("--grace", "3600", "--generate", "4096"))) {
            d.awaitReady();
            for (int i = 0; i < runs; i++) {
                for (Jvm v : variants) {
                    int from = d.journal().size();
                    long t0 = System.nanoTime();
                    Process c = startClient(v, d);
                    try {
                        LineLog.Stamped attached = d.journal().await(t -> JournalLine.parse(t)
                                .map(j -> j.is("ATTACHED") || j.is("RECONNECTED")).orElse(false), from, TIMEOUT_MILLIS);
                        double ms = (attached.nanos() - t0) / 1e6;
                        Thread.sleep(SETTLE_MILLIS);
                        samples.get(v).add(new Sample(ms, kb(c.pid(), "VmRSS"), kb(c.pid(), "RssAnon"), archiveMapped(c.pid())));
                    } finally {
                        c.destroyForcibly();
                        c.waitFor();
                        // The slot is free again only once the daemon has seen this client go.
                        d.journal().awaitKind("LOST", from, TIMEOUT_MILLIS);
                    }
                }
            }
            signals.send(d.pid(), Signals.SIGTERM);
            d.awaitExit(TIMEOUT_MILLIS);
        }
        return rows(samples);
    }

    /**
     * A client command run to its end against one live daemon (dry-run, an hour of grace), for each
     * variant, runs interleaved: spawn → exit, which is what a person waits for. A run that does not
     * exit 0 stops the measurement: a fast failure is not a fast command.
     */
    public List<Row> command(Jvm daemonJvm, List<Jvm> variants, List<String> args) throws Exception {
        Map<Jvm, List<Sample>> samples = new LinkedHashMap<>();
        variants.forEach(v -> samples.put(v, new ArrayList<>()));
        try (DaemonProcess d = DaemonProcess.start(daemonJvm, home(), List.of("--grace", "3600", "--generate", "4096"))) {
            d.awaitReady();
            List<String> all = new ArrayList<>(args);
            all.addAll(List.of("--socket-dir", d.socketDir().toString()));
            for (int i = 0; i < runs; i++) {
                for (Jvm v : variants) {
                    ProcessBuilder pb = new ProcessBuilder(v.command(all))
                            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                            .redirectError(ProcessBuilder.Redirect.DISCARD);
                    long t0 = System.nanoTime();
                    Process c = pb.start();
                    if (!c.waitFor(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)) {
                        c.destroyForcibly();
                        throw new IOException(v.name() + ": " + args + " did not finish");
                    }
                    double ms = (System.nanoTime() - t0) / 1e6;
                    if (c.exitValue() != 0) {
                        throw new IOException(v.name() + ": " + args + " exited " + c.exitValue());
                    }
                    // Gone before anything could be read from /proc: no memory, no maps.
                    samples.get(v).add(new Sample(ms, -1, -1, false));
                }
            }
            signals.send(d.pid(), Signals.SIGTERM);
            d.awaitExit(TIMEOUT_MILLIS);
        }
        return rows(samples);
    }

    /**
     * A dry-run daemon (grace 0) with a heartbeat attached, for each variant, runs interleaved: from
     * the heartbeat's close(2) to the daemon's exit status in hand, i.e. the rehearsed sequence plus
     * the process ending. The exit must be 0 (rehearsed); anything else stops the measurement.
     */
    public List<Row> gone(List<Jvm> variants) throws Exception {
        Map<Jvm, List<Sample>> samples = new LinkedHashMap<>();
        variants.forEach(v -> samples.put(v, new ArrayList<>()));
        for (int i = 0; i < runs; i++) {
            for (Jvm v : variants) {
                try (DaemonProcess d = DaemonProcess.start(v, home(), List.of("--grace", "0", "--generate", "4096"))) {
                    d.awaitReady();
                    HeartbeatConnection hb = HeartbeatConnection.attach(d.heartbeatSocket(), ProcessHandle.current().pid(),
                            TIMEOUT_MILLIS);
                    // Past the post-ready warm-up, as a daemon someone relies on would be.
                    DaemonProcess.awaitIdle(List.of(d), 100, TIMEOUT_MILLIS);
                    long t0 = hb.closeNow();
                    int status = d.awaitExit(TIMEOUT_MILLIS);
                    double ms = (System.nanoTime() - t0) / 1e6;
                    if (status != 0) {
                        throw new IOException(v.name() + ": the rehearsal exited " + status + ";" + d.journal().tail(8));
                    }
                    samples.get(v).add(new Sample(ms, -1, -1, false));
                }
            }
        }
        return rows(samples);
    }

    private static Process startClient(Jvm v, DaemonProcess d) throws IOException {
        return new ProcessBuilder(v.command(List.of("heartbeat", "--socket-dir", d.socketDir().toString())))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
    }

    private List<Row> rows(Map<Jvm, List<Sample>> samples) {
        List<Row> rows = new ArrayList<>();
        for (Map.Entry<Jvm, List<Sample>> e : samples.entrySet()) {
            List<Sample> s = e.getValue();
            double[] ms = s.stream().mapToDouble(Sample::millis).toArray();
            double[] rss = s.stream().mapToDouble(Sample::rssKb).toArray();
            double[] anon = s.stream().mapToDouble(Sample::anonKb).toArray();
            long mapped = s.stream().filter(Sample::archiveMapped).count();
            Row row = new Row(e.getKey().name(), e.getKey().flagText(), median(ms), min(ms), (long) median(rss),
                    (long) median(anon), mapped == s.size() ? "yes" : mapped == 0 ? "no" : mapped + "/" + s.size(), s.size());
            log.printf("  %-34s median %7.1f ms (min %6.1f)  RSS %6d KiB  anon %6d KiB  archive %s%n", row.name(),
                    row.medianMillis(), row.minMillis(), row.rssKb(), row.anonKb(), row.archive());
            rows.add(row);
        }
        return rows;
    }

    private Path home() {
        return work.resolve("cost" + (++homes));
    }

    /** A field of /proc/PID/status in KiB. */
    static long kb(long pid, String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.substring(field.length() + 1).replace("kB", "").strip());
            }
        }
        return -1;
    }

    /** True if an AppCDS archive of ours (the harness's or the launcher's, not the JDK's own classes.jsa) is mapped. */
    private boolean archiveMapped(long pid) throws IOException {
        return Files.readAllLines(Path.of("/proc", Long.toString(pid), "maps")).stream()
                .anyMatch(l -> l.endsWith(".jsa") && !l.contains("/lib/server/classes"));
    }

    static double median(double[] xs) {
        if (xs.length == 0) {
            return Double.NaN;
        }
        double[] s = xs.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static double min(double[] xs) {
        return Arrays.stream(xs).min().orElse(Double.NaN);
    }
}
