package dev.dazai.app.hostile;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The daemon under attack: the real {@code java -jar app.jar} as a child process, its journal
 * (stderr) and banner (stdout) in files, its sockets and pidfile in a directory of its own. The
 * daemon re-execs itself in place, so {@link Process#pid()} is its PID throughout.
 */
final class TargetDaemon {

    /** How a daemon is started; every option maps to one command-line flag of DESIGN.md's CLI. */
    static final class Builder {
        private final Lab lab;
        private final Path dir;
        private final List<String> wrapper = new ArrayList<>();
        private final List<String> jvm = new ArrayList<>();
        private final List<String> args = new ArrayList<>();
        private final java.util.Map<String, String> env = new java.util.HashMap<>();
        private byte[] stdin;
        private Path socketDir;
        private Path pidfile;

        Builder(Lab lab, String name) {
            this.lab = lab;
            this.dir = lab.home().resolve(name);
            this.socketDir = dir.resolve("s");
        }

        Builder arm() {
            args.add("--arm");
            return this;
        }

        Builder grace(long seconds) {
            args.addAll(List.of("--grace", Long.toString(seconds)));
            return this;
        }

        Builder register(long pid) {
            args.addAll(List.of("--register", Long.toString(pid)));
            return this;
        }

        /** The secret, fed on a pipe to stdin and closed: {@code --secret-stdin}. */
        Builder secretOnStdin(byte[] secret) {
            args.add("--secret-stdin");
            this.stdin = secret.clone();
            return this;
        }

        Builder socketDir(Path dir) {
            this.socketDir = dir;
            return this;
        }

        Builder pidfile(Path file) {
            this.pidfile = file;
            return this;
        }

        Builder jvm(String... options) {
            jvm.addAll(List.of(options));
            return this;
        }

        /** A command that execs the JVM in its own place (prlimit, setpriv): the PID stays the daemon's. */
        Builder wrappedIn(List<String> command) {
            wrapper.addAll(command);
            return this;
        }

        Builder env(String name, String value) {
            env.put(name, value);
            return this;
        }

        Builder args(String... more) {
            args.addAll(List.of(more));
            return this;
        }

        /** Starts the daemon and waits for it to be ready (its pidfile names it). */
        TargetDaemon start() throws IOException {
            TargetDaemon d = launch();
            d.awaitReady();
            return d;
        }

        /** Starts the daemon without waiting for anything. */
        TargetDaemon launch() throws IOException {
            Files.createDirectories(dir);
            List<String> all = new ArrayList<>(List.of("--socket-dir", socketDir.toString()));
            if (pidfile != null) {
                all.addAll(List.of("--pidfile", pidfile.toString()));
            }
            all.addAll(args);
            Path out = dir.resolve("daemon.out");
            Path err = dir.resolve("daemon.err");
            List<String> cmd = new ArrayList<>(wrapper);
            cmd.addAll(lab.javaCommand(jvm, all));
            ProcessBuilder pb = new ProcessBuilder(cmd)
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            if (stdin == null) {
                pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            }
            pb.environment().remove("XDG_RUNTIME_DIR");
            pb.environment().remove("DAZAI_SOCKET_DIR");
            pb.environment().putAll(env);
            Process p = lab.track(pb.start());
            if (stdin != null) {
                try (OutputStream in = p.getOutputStream()) {
                    in.write(stdin);
                }
            }
            return new TargetDaemon(p, socketDir, pidfile != null ? pidfile : socketDir.resolve("dazai.pid"), out, err);
        }
    }

    private final Process process;
    private final Path socketDir;
    private final Path pidfile;
    private final Path out;
    private final Path err;

    private TargetDaemon(Process process, Path socketDir, Path pidfile, Path out, Path err) {
        this.process = process;
        this.socketDir = socketDir;
        this.pidfile = pidfile;
        this.out = out;
        this.err = err;
    }

    long pid() {
        return process.pid();
    }

    Process process() {
        return process;
    }

    Path socketDir() {
        return socketDir;
    }

    Path pidfile() {
        return pidfile;
    }

    Path heartbeatSocket() {
        return socketDir.resolve("heartbeat.sock");
    }

    Path controlSocket() {
        return socketDir.resolve("control.sock");
    }

    /** The journal so far (stderr). */
    String log() {
        return Host.read(err);
    }

    /** What the daemon printed on stdout: its banner, and the JVM's thread dumps and crash reports. */
    String stdout() {
        return Host.read(out);
    }

    boolean alive() {
        return process.isAlive() && Host.alive(pid());
    }

    /** Waits for the pidfile naming this daemon: handlers live, sockets listening. */
    void awaitReady() {
        Host.eventually("daemon pid " + pid() + " ready (pidfile " + pidfile + ")", () -> {
            if (!process.isAlive()) {
                fail("the daemon exited with " + process.exitValue() + " before it was ready:\n" + log() + stdout());
            }
            try {
                return Files.readString(pidfile).strip().equals(Long.toString(pid()));
            } catch (IOException e) {
                return false;
            }
        });
    }

    /** Waits for a journal line matching {@code regex}; returns the whole journal. */
    String awaitLog(String regex) {
        Pattern p = Pattern.compile(regex, Pattern.MULTILINE);
        Host.eventually("journal line /" + regex + "/ from daemon pid " + pid(), () -> p.matcher(log()).find());
        return log();
    }

    /** Waits for the process to end and returns its exit status (128+n for a signal, as Process reports it). */
    int awaitExit() throws InterruptedException {
        if (!process.waitFor(Host.LIVENESS.toMillis(), TimeUnit.MILLISECONDS)) {
            fail("daemon pid " + pid() + " did not exit within " + Host.LIVENESS + ":\n" + log());
        }
        return process.exitValue();
    }

    void signal(String name) throws IOException, InterruptedException {
        Host.kill(name, pid());
    }

    /** One control.sock request; empty if the daemon closed without a reply. */
    Optional<String> request(String line) throws IOException {
        return UnixLine.request(controlSocket(), line, Duration.ofSeconds(30));
    }

    /** STATUS, which must be answered. */
    String status() throws IOException {
        return request("STATUS").orElseThrow(() -> new AssertionError("no reply to STATUS:\n" + log()));
    }

    String statusField(String field) throws IOException {
        return Host.jsonField(status(), field);
    }

    /** Ends the daemon for good if it still runs (SIGKILL): cleanup, not a test step. */
    void destroy() throws InterruptedException {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }
}
