package dev.dazai.bench.e2e;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * One real daemon, a child of the harness, in a directory of its own ({@code s/} for the sockets,
 * {@code pid} for the pidfile). Its journal (stderr) is read line by line with stamps; its stdout
 * (the banner) is thrown away.
 */
public final class DaemonProcess implements AutoCloseable {

    /** Bound on a start on a loaded two-core machine; a real start takes about a second. */
    public static final long READY_TIMEOUT_MILLIS = 120_000;

    private final Path home;
    private final Process process;
    private final LineLog journal;
    private final long spawnNanos;

    private DaemonProcess(Path home, Process process, long spawnNanos) {
        this.home = home;
        this.process = process;
        this.spawnNanos = spawnNanos;
        this.journal = new LineLog(process.getErrorStream(), "daemon-" + process.pid());
    }

    /** Starts {@code java … -jar app.jar --socket-dir HOME/s --pidfile HOME/pid ARGS}. */
    public static DaemonProcess start(Jvm jvm, Path home, List<String> args) throws IOException {
        Files.createDirectories(home);
        List<String> all = new ArrayList<>(List.of("--socket-dir", home.resolve("s").toString(),
                "--pidfile", home.resolve("pid").toString()));
        all.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(jvm.command(all))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        long t = System.nanoTime();
        Process p = pb.start();
        return new DaemonProcess(home, p, t);
    }

    /** Waits for the Ready line (written right after the pidfile) and checks the pidfile is there. */
    public LineLog.Stamped awaitReady() throws TimeoutException, InterruptedException {
        LineLog.Stamped ready = journal.await(t -> JournalLine.parse(t).map(JournalLine::isReady).orElse(false),
                0, READY_TIMEOUT_MILLIS);
        if (!Files.exists(pidfile())) {
            throw new IllegalStateException("Ready logged but no pidfile at " + pidfile());
        }
        return ready;
    }

    public long pid() {
        return process.pid();
    }

    public Process process() {
        return process;
    }

    public LineLog journal() {
        return journal;
    }

    public long spawnNanos() {
        return spawnNanos;
    }

    public Path socketDir() {
        return home.resolve("s");
    }

    public Path heartbeatSocket() {
        return socketDir().resolve("heartbeat.sock");
    }

    public Path pidfile() {
        return home.resolve("pid");
    }

    /**
     * CPU time (user + system, clock ticks) the daemon has used so far, from /proc/PID/stat; -1 once
     * it is gone. The daemon warms its fire path after ready, so "ready" is not yet "idle".
     */
    public long cpuTicks() {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid() + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14, 15)
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * Waits until none of {@code daemons} used CPU over {@code quietMillis}, bounded by
     * {@code timeoutMillis}: a trial then meets a daemon that has finished its start-up work, and
     * no neighbour still doing its own. Returns the milliseconds waited.
     */
    public static long awaitIdle(List<DaemonProcess> daemons, long quietMillis, long timeoutMillis)
            throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + timeoutMillis * 1_000_000L;
        long[] before = daemons.stream().mapToLong(DaemonProcess::cpuTicks).toArray();
        while (System.nanoTime() < deadline) {
            Thread.sleep(quietMillis);
            long[] now = daemons.stream().mapToLong(DaemonProcess::cpuTicks).toArray();
            if (java.util.Arrays.equals(before, now)) {
                break;
            }
            before = now;
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    /** Waits for the exit and returns its status (128+n for a signal, as Process reports it). */
    public int awaitExit(long timeoutMillis) throws InterruptedException, TimeoutException {
        if (!process.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
            throw new TimeoutException("daemon " + pid() + " still running after " + timeoutMillis + " ms;"
                    + journal.tail(8));
        }
        return process.exitValue();
    }

    /** Kills what is left and removes the directory. */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        deleteTree(home);
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
