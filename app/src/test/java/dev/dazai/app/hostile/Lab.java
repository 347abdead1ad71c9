package dev.dazai.app.hostile;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One test's world: a private copy of app.jar, a directory per daemon, and every process the test
 * started, all killed in {@link #close()} (called from {@code @AfterEach}). The jar is copied
 * because other builds on the machine may rewrite app/target/app.jar while a daemon still runs
 * from it, and a JVM whose jar changed under it fails to load its next class.
 */
final class Lab implements AutoCloseable {

    private final Path home;
    private final Path jar;
    private final List<Process> started = new ArrayList<>();
    private int counter;

    Lab(Path tempDir) throws IOException {
        this.home = tempDir;
        Path original = Path.of(System.getProperty("dazai.jar", "target/app.jar"));
        assertTrue(Files.isRegularFile(original), "the packaged jar is missing: " + original.toAbsolutePath()
                + " (mvn verify packages it before the integration tests)");
        this.jar = Files.createDirectories(tempDir.resolve("jar")).resolve("app.jar");
        Files.copy(original, jar, StandardCopyOption.REPLACE_EXISTING);
    }

    Path home() {
        return home;
    }

    Path jar() {
        return jar;
    }

    /** A daemon to configure and start; {@code name} names its directory under the test's home. */
    TargetDaemon.Builder daemon(String name) {
        return new TargetDaemon.Builder(this, name);
    }

    /** {@code java [jvm] -jar app.jar ARGS} with the JDK running the tests. */
    List<String> javaCommand(List<String> jvm, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Host.jdkTool("java"));
        cmd.addAll(jvm);
        cmd.add("-jar");
        cmd.add(jar.toString());
        cmd.addAll(args);
        return cmd;
    }

    /** Starts {@code cmd} in the background with output to files in the test's home; stdin from /dev/null. */
    Process spawn(List<String> cmd) throws IOException {
        return spawn(cmd, false);
    }

    /** As {@link #spawn(List)}; with {@code pipeStdin} the caller gets stdin as {@link Process#getOutputStream()}. */
    Process spawn(List<String> cmd, boolean pipeStdin) throws IOException {
        int n = next();
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectOutput(home.resolve("bg" + n + ".out").toFile())
                .redirectError(home.resolve("bg" + n + ".err").toFile());
        if (!pipeStdin) {
            pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        }
        pb.environment().remove("XDG_RUNTIME_DIR");
        pb.environment().remove("DAZAI_SOCKET_DIR");
        return track(pb.start());
    }

    /** A holder process: {@code sleep 1000}. */
    Process holder() throws IOException {
        return spawn(List.of("sleep", "1000"));
    }

    /**
     * A process that keeps {@code bytes} in its own memory: cat reads them into its buffer, writes
     * them back (which is how we know it has them) and blocks reading for more, its buffer intact.
     */
    Process catHolding(byte[] bytes) throws IOException {
        Process cat = track(new ProcessBuilder("cat").redirectError(ProcessBuilder.Redirect.DISCARD).start());
        OutputStream in = cat.getOutputStream();
        in.write(bytes);
        in.flush();
        byte[] echoed = cat.getInputStream().readNBytes(bytes.length);
        if (!java.util.Arrays.equals(bytes, echoed)) {
            throw new IOException("cat did not echo the bytes back");
        }
        return cat;
    }

    Process track(Process p) {
        synchronized (started) {
            started.add(p);
        }
        return p;
    }

    int next() {
        synchronized (started) {
            return ++counter;
        }
    }

    /** Kills everything the test started that still runs, children first. */
    @Override
    public void close() {
        List<Process> all;
        synchronized (started) {
            all = new ArrayList<>(started);
        }
        for (Process p : all) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        for (Process p : all) {
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
