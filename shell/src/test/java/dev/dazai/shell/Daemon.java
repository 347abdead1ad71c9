package dev.dazai.shell;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The real daemon, {@code java -jar app.jar}, as a child process with its journal in a file. */
final class Daemon implements AutoCloseable {

    private static final Pattern SESSION_PID = Pattern.compile("\\{\"pid\":(\\d+)");

    private final Process process;
    private final Path socketDir;
    private final Path log;

    private Daemon(Process process, Path socketDir, Path log) {
        this.process = process;
        this.socketDir = socketDir;
        this.log = log;
    }

    /**
     * Starts a dry-run daemon with {@code env} (which decides its socket directory, as it would for
     * a user) and {@code --grace graceSeconds}, and waits until it is ready (its pidfile exists).
     */
    static Daemon start(Path jar, Map<String, String> env, Path socketDir, Path log, int graceSeconds, Duration timeout)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(javaBinary(), "-jar", jar.toString(), "--grace",
                Integer.toString(graceSeconds)));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().clear();
        pb.environment().putAll(env);
        pb.redirectErrorStream(true);
        pb.redirectOutput(log.toFile());
        pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        Daemon d = new Daemon(pb.start(), socketDir, log);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!Files.exists(socketDir.resolve("dazai.pid"))) {
            if (!d.process.isAlive()) {
                fail("the daemon exited with " + d.process.exitValue() + " before it was ready:\n" + d.log());
            }
            if (System.nanoTime() > deadline) {
                d.close();
                fail("the daemon's pidfile did not appear in " + socketDir + " within " + timeout.toSeconds() + " s:\n" + d.log());
            }
            Thread.sleep(50);
        }
        return d;
    }

    /** The JVM running the tests runs the app too, so a Temurin 25 run tests the app on 25. */
    static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** One STATUS line from control.sock. */
    String status() throws IOException, InterruptedException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socketDir.resolve("control.sock")));
            ch.write(ByteBuffer.wrap("STATUS\n".getBytes(StandardCharsets.US_ASCII)));
            CompletableFuture<String> reply = CompletableFuture.supplyAsync(() -> readLine(ch));
            try {
                return reply.get(30, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                throw new IOException("no STATUS reply from " + socketDir, e);
            }
        }
    }

    private static String readLine(SocketChannel ch) {
        StringBuilder sb = new StringBuilder();
        ByteBuffer buf = ByteBuffer.allocate(4096);
        try {
            while (ch.read(buf) > 0) {
                buf.flip();
                sb.append(StandardCharsets.US_ASCII.decode(buf));
                buf.clear();
                int nl = sb.indexOf("\n");
                if (nl >= 0) {
                    return sb.substring(0, nl);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return sb.toString();
    }

    /**
     * Waits until STATUS lists exactly the sessions {@code pids} (in any order) and returns that
     * STATUS line.
     */
    String awaitSessions(Duration timeout, long... pids) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Set<Long> want = new TreeSet<>();
        for (long p : pids) {
            want.add(p);
        }
        String last = "";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                fail("the daemon exited with " + process.exitValue() + " while waiting for sessions " + want + ":\n" + log());
            }
            last = status();
            if (sessions(last).equals(want)) {
                return last;
            }
            Thread.sleep(100);
        }
        fail("STATUS did not list sessions " + want + " within " + timeout.toSeconds() + " s; last STATUS: " + last
                + "\njournal:\n" + log());
        return last;
    }

    /** The PIDs of the "sessions" array of a STATUS line. */
    static Set<Long> sessions(String status) {
        Set<Long> pids = new TreeSet<>();
        int at = status.indexOf("\"sessions\":[");
        if (at < 0) {
            return pids;
        }
        String array = status.substring(at, status.indexOf(']', at));
        Matcher m = SESSION_PID.matcher(array);
        while (m.find()) {
            pids.add(Long.parseLong(m.group(1)));
        }
        return pids;
    }

    /** The daemon's exit code, or a failure (with its journal) if it is still running. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            fail("the daemon did not exit within " + timeout.toSeconds() + " s:\n" + log());
        }
        return process.exitValue();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no journal: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }
}
