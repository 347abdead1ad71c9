package dev.dazai.app;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.dazai.app.client.LineClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One test's world: a private copy of the real app.jar, a fresh socket directory, and every
 * process the test started, killed in {@link #close()}. The jar is copied because other builds on
 * the machine may rewrite app/target/app.jar while a daemon from it still runs, which makes its
 * JVM fail to load classes it has not loaded yet.
 *
 * <p>Timeouts here are for liveness only (a hung daemon must not hang the build); nothing asserts
 * on how fast anything is.
 */
final class Dazai implements AutoCloseable {

    /** Far above any start-up or fire on a loaded two-core machine. */
    static final Duration LIVENESS = Duration.ofSeconds(90);

    private final Path home;
    private final Path jar;
    private final Path socketDir;
    private final List<Process> started = new ArrayList<>();
    private int counter;

    Dazai(Path tempDir) throws IOException {
        this.home = tempDir;
        Path original = Path.of(System.getProperty("dazai.jar", "target/app.jar"));
        assertTrue(Files.isRegularFile(original), "the packaged jar is missing: " + original.toAbsolutePath()
                + " (run mvn verify, which packages before the integration tests)");
        Path jarDir = Files.createDirectories(tempDir.resolve("jar"));
        this.jar = jarDir.resolve("app.jar");
        Files.copy(original, jar, StandardCopyOption.REPLACE_EXISTING);
        this.socketDir = tempDir.resolve("s");
    }

    Path home() {
        return home;
    }

    Path jar() {
        return jar;
    }

    Path socketDir() {
        return socketDir;
    }

    Path heartbeatSocket() {
        return socketDir.resolve("heartbeat.sock");
    }

    Path controlSocket() {
        return socketDir.resolve("control.sock");
    }

    Path pidfile() {
        return socketDir.resolve("dazai.pid");
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** The command line of {@code java -jar app.jar ARGS}, with client-friendly JVM flags when {@code client}. */
    List<String> command(boolean client, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(java());
        if (client) {
            cmd.add("-XX:TieredStopAtLevel=1");
            cmd.add("-XX:+UseSerialGC");
        }
        cmd.add("-jar");
        cmd.add(jar.toString());
        cmd.addAll(args);
        return cmd;
    }

    // ---- the daemon --------------------------------------------------------------------------

    /** Starts {@code java -jar app.jar --socket-dir DIR ARGS} and waits for its pidfile (ready). */
    Daemon start(String... args) throws IOException {
        Daemon d = launch(args);
        d.awaitReady();
        return d;
    }

    /** As {@link #start}, run through {@code wrapper} (nohup, sh -c 'trap …; exec "$@"' sh), which must exec java. */
    Daemon startUnder(List<String> wrapper, String... args) throws IOException {
        Daemon d = launchRaw(wrapper, List.of(), inSocketDir(args), null, java.util.Map.of());
        d.awaitReady();
        return d;
    }

    /** Starts the daemon without waiting for anything. */
    Daemon launch(String... args) throws IOException {
        return launchRaw(inSocketDir(args), null);
    }

    /** {@code --socket-dir DIR ARGS}: the test's own socket directory first. */
    private List<String> inSocketDir(String... args) {
        List<String> all = new ArrayList<>(List.of("--socket-dir", socketDir.toString()));
        all.addAll(List.of(args));
        return all;
    }

    /** Starts {@code java -jar app.jar ARGS} exactly as given; stdin from {@code stdin} if not null. */
    Daemon launchRaw(List<String> args, Path stdin) throws IOException {
        return launchRaw(args, stdin, java.util.Map.of());
    }

    /** As {@link #launchRaw(List, Path)}, with extra environment variables. */
    Daemon launchRaw(List<String> args, Path stdin, java.util.Map<String, String> env) throws IOException {
        return launchRaw(List.of(), List.of(), args, stdin, env);
    }

    /** Starts {@code java JVM_OPTIONS -jar app.jar --socket-dir DIR ARGS}, with extra environment, without waiting. */
    Daemon launchJvm(List<String> jvmOptions, java.util.Map<String, String> env, String... args) throws IOException {
        return launchRaw(List.of(), jvmOptions, inSocketDir(args), null, env);
    }

    private Daemon launchRaw(List<String> wrapper, List<String> jvmOptions, List<String> args, Path stdin,
            java.util.Map<String, String> env) throws IOException {
        int n = ++counter;
        List<String> cmd = new ArrayList<>(wrapper);
        List<String> java = command(false, args);
        java.addAll(1, jvmOptions);
        cmd.addAll(java);
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectOutput(home.resolve("daemon" + n + ".out").toFile())
                .redirectError(home.resolve("daemon" + n + ".err").toFile());
        pb.environment().put("DAZAI_SOCKET_DIR", socketDir.toString());
        pb.environment().remove("XDG_RUNTIME_DIR");
        pb.environment().putAll(env);
        if (stdin != null) {
            pb.redirectInput(stdin.toFile());
        }
        Process p = pb.start();
        started.add(p);
        return new Daemon(p, home.resolve("daemon" + n + ".out"), home.resolve("daemon" + n + ".err"));
    }

    /** A running daemon and its output. */
    final class Daemon {
        final Process process;
        private final Path out;
        private final Path err;

        Daemon(Process process, Path out, Path err) {
            this.process = process;
            this.out = out;
            this.err = err;
        }

        long pid() {
            return process.pid();
        }

        /** The journal (stderr) so far. */
        String log() {
            return read(err);
        }

        /** The banner (stdout) so far. */
        String stdout() {
            return read(out);
        }

        /** Waits for the pidfile with this daemon's PID: handlers live, sockets listening. */
        void awaitReady() {
            eventually("daemon pid " + pid() + " ready (pidfile " + pidfile() + ")", () -> {
                if (!process.isAlive()) {
                    fail("the daemon exited with " + process.exitValue() + " before it was ready:\n" + log());
                }
                return readPid(pidfile()).equals(Optional.of(pid())) && stdout().contains("ready");
            });
        }

        /** Waits for a journal line matching {@code regex}; returns the whole log. */
        String awaitLog(String regex) {
            Pattern p = Pattern.compile(regex, Pattern.MULTILINE);
            eventually("log line /" + regex + "/ from pid " + pid(), () -> p.matcher(log()).find());
            return log();
        }

        /** Waits for the process to end; its exit status (137 for SIGKILL). */
        int awaitExit() throws InterruptedException {
            if (!process.waitFor(LIVENESS.toSeconds(), TimeUnit.SECONDS)) {
                fail("daemon pid " + pid() + " did not exit within " + LIVENESS + ":\n" + log());
            }
            return process.exitValue();
        }

        /** Sends a real signal with kill(1). */
        void signal(String name) throws IOException, InterruptedException {
            Dazai.kill(name, pid());
        }

        /** STATUS over a real socket, as a JSON line. */
        String status() throws IOException {
            return request(controlSocket(), "STATUS").orElseThrow(() -> new AssertionError("no STATUS reply"));
        }

        /** The value of a JSON field of STATUS, as text ("null" for null). */
        String statusField(String field) throws IOException {
            return jsonField(status(), field);
        }
    }

    // ---- clients -----------------------------------------------------------------------------

    /** A client command run to completion. */
    record Run(int exit, String stdout, String stderr) {
    }

    /** Runs {@code java -jar app.jar ARGS} (with --socket-dir appended) to completion. */
    Run client(String... args) throws IOException, InterruptedException {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--socket-dir");
        all.add(socketDir.toString());
        return run(command(true, all), null);
    }

    /** Runs {@code cmd} to completion, optionally as another user through {@code runuser}. */
    Run run(List<String> cmd, String asUser) throws IOException, InterruptedException {
        int n = ++counter;
        List<String> full = new ArrayList<>();
        if (asUser != null) {
            full.addAll(List.of("runuser", "-u", asUser, "--"));
        }
        full.addAll(cmd);
        Path out = home.resolve("client" + n + ".out");
        Path err = home.resolve("client" + n + ".err");
        ProcessBuilder pb = new ProcessBuilder(full).redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().remove("XDG_RUNTIME_DIR");
        pb.environment().put("DAZAI_SOCKET_DIR", socketDir.toString());
        Process p = pb.start();
        started.add(p);
        if (!p.waitFor(LIVENESS.toSeconds(), TimeUnit.SECONDS)) {
            fail("client " + cmd + " did not finish within " + LIVENESS);
        }
        return new Run(p.exitValue(), read(out), read(err));
    }

    /** Starts the real {@code heartbeat} client in the background; returns once the daemon reports it attached. */
    Process heartbeat(Daemon daemon) throws IOException {
        Process hb = background(command(true, List.of("heartbeat", "--interval", "1", "--socket-dir", socketDir.toString())));
        daemon.awaitLog("(ATTACHED|RECONNECTED) pid " + hb.pid() + "$");
        return hb;
    }

    /** Starts any command in the background, output to files in the test's directory. */
    Process background(List<String> cmd) throws IOException {
        int n = ++counter;
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectOutput(home.resolve("bg" + n + ".out").toFile())
                .redirectError(home.resolve("bg" + n + ".err").toFile());
        pb.environment().remove("XDG_RUNTIME_DIR");
        pb.environment().put("DAZAI_SOCKET_DIR", socketDir.toString());
        Process p = pb.start();
        started.add(p);
        return p;
    }

    /** A real holder: {@code sleep 1000}, killed at the end of the test if the daemon did not. */
    Process holder() throws IOException {
        return background(List.of("sleep", "1000"));
    }

    // ---- plumbing ----------------------------------------------------------------------------

    /** One request, one reply, over a real socket. */
    static Optional<String> request(Path socket, String line) throws IOException {
        return LineClient.request(socket, line, Duration.ofSeconds(30));
    }

    static void kill(String signal, long pid) throws IOException, InterruptedException {
        Process k = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
        assertTrue(k.waitFor(30, TimeUnit.SECONDS) && k.exitValue() == 0, "kill -" + signal + " " + pid + " failed");
    }

    static boolean alive(long pid) {
        // A zombie (killed, not yet reaped by its parent, the test JVM) is dead for our purposes.
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException e) {
            return false;
        }
    }

    static Optional<Long> readPid(Path pidfile) {
        try {
            return Optional.of(Long.parseLong(Files.readString(pidfile).strip()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** A field of a flat JSON line; enough for STATUS's scalar fields. */
    static String jsonField(String json, String field) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(field) + "\":(\"([^\"]*)\"|[^,}\\]]*)").matcher(json);
        if (!m.find()) {
            throw new AssertionError("no field " + field + " in " + json);
        }
        return m.group(2) != null ? m.group(2) : m.group(1);
    }

    /** A JSON array field of a line whose arrays hold no nested arrays. */
    static String jsonArray(String json, String field) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(field) + "\":(\\[[^\\]]*\\])").matcher(json);
        if (!m.find()) {
            throw new AssertionError("no array " + field + " in " + json);
        }
        return m.group(1);
    }

    /** Polls {@code condition} until true, failing after {@link #LIVENESS}. */
    static void eventually(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + LIVENESS.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out after " + LIVENESS + " waiting for " + what);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted waiting for " + what);
            }
        }
    }

    /** Order of first occurrences in the log: asserts each regex matches after the previous one. */
    static void assertInOrder(String log, String... regexes) {
        int from = 0;
        for (String r : regexes) {
            Matcher m = Pattern.compile(r, Pattern.MULTILINE).matcher(log);
            if (!m.find(from)) {
                fail("expected /" + r + "/ after offset " + from + " in:\n" + log);
            }
            from = m.end();
        }
    }

    static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** Makes {@code dir} and the jar readable by other users (for runuser tests). */
    void shareJarWithOthers() throws IOException {
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(jar.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--r--"));
    }

    /** Kills everything the test started that is still running (daemons, clients, holders). */
    @Override
    public void close() {
        for (Process p : started) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        for (Process p : started) {
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
