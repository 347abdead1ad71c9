package dev.dazai.app.hostile;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the hostile suite asks of the machine: who we are, which tools exist, what /proc says about
 * a process, and a way to run a command to completion. Stateless; every method reads the machine
 * afresh.
 */
final class Host {

    /** Liveness of the tests only: far above any start-up or fire on a loaded two-core machine. */
    static final Duration LIVENESS = Duration.ofSeconds(90);

    private Host() {
    }

    /** A command run to completion: exit status and its output. */
    record Run(int exit, String stdout, String stderr) {
        String both() {
            return stdout + stderr;
        }
    }

    static boolean isRoot() {
        return uid(ProcessHandle.current().pid()).equals(OptionalLong.of(0));
    }

    static boolean onPath(String tool) {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")));
        dirs.addAll(List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin"));
        return dirs.stream().anyMatch(d -> Files.isExecutable(Path.of(d, tool)));
    }

    /** The JDK running the tests: the daemon runs on the same one (17 or 25), and jcmd comes from it. */
    static String jdkTool(String tool) {
        return Path.of(System.getProperty("java.home"), "bin", tool).toString();
    }

    /** Runs {@code cmd} with stdin from /dev/null; fails the test if it outlives {@code timeout}. */
    static Run run(Duration timeout, List<String> cmd) throws IOException, InterruptedException {
        Path out = Files.createTempFile("dazai-hostile-", ".out");
        Path err = Files.createTempFile("dazai-hostile-", ".err");
        try {
            Process p = new ProcessBuilder(cmd)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                fail(cmd + " did not finish within " + timeout + ":\n" + read(out) + read(err));
            }
            return new Run(p.exitValue(), read(out), read(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    static Run run(String... cmd) throws IOException, InterruptedException {
        return run(LIVENESS, List.of(cmd));
    }

    /** kill(1) through bash, whose builtin knows every name this kernel has, RTMIN+n included. */
    static void kill(String signal, long pid) throws IOException, InterruptedException {
        Run r = run("bash", "-c", "kill -s " + signal + " " + pid);
        if (r.exit() != 0) {
            fail("kill -s " + signal + " " + pid + " failed: " + r.both());
        }
    }

    /** The signal's number as bash's kill -l gives it; empty if this kernel has no such name. */
    static Optional<Integer> signalNumber(String name) throws IOException, InterruptedException {
        Run r = run("bash", "-c", "kill -l " + name);
        return r.exit() == 0 ? Optional.of(Integer.parseInt(r.stdout().strip())) : Optional.empty();
    }

    /** The signal's name (no SIG prefix) as bash's kill -l gives it. */
    static String signalName(int number) throws IOException, InterruptedException {
        Run r = run("bash", "-c", "kill -l " + number);
        if (r.exit() != 0) {
            fail("kill -l " + number + ": " + r.both());
        }
        return r.stdout().strip();
    }

    /** The one-letter state of /proc/PID/stat (R, S, T, Z …); empty once the process is reaped. */
    static Optional<Character> state(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return Optional.of(stat.charAt(stat.lastIndexOf(')') + 2));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Alive and not a zombie: a killed child the test JVM has not reaped yet counts as dead. */
    static boolean alive(long pid) {
        return state(pid).map(s -> s != 'Z' && s != 'X').orElse(false);
    }

    /** A field of /proc/PID/status in kB (VmRSS, VmHWM …). */
    static OptionalLong statusKb(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith(field + ":")) {
                    return OptionalLong.of(Long.parseLong(line.substring(field.length() + 1).replace("kB", "").strip()));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
        return OptionalLong.empty();
    }

    static OptionalLong uid(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("Uid:")) {
                    return OptionalLong.of(Long.parseLong(line.substring(4).strip().split("\\s+")[0]));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
        return OptionalLong.empty();
    }

    /** Polls {@code condition} every 20 ms until true; fails after {@code timeout} saying what it waited for. */
    static void eventually(Duration timeout, String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("timed out after " + timeout + " waiting for " + what);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted waiting for " + what);
            }
        }
    }

    static void eventually(String what, BooleanSupplier condition) {
        eventually(LIVENESS, what, condition);
    }

    /** A scalar field of a flat JSON line (STATUS): the text of a string, or the literal (null, 12, true). */
    static String jsonField(String json, String field) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(field) + "\":(\"([^\"]*)\"|[^,}\\]]*)").matcher(json);
        if (!m.find()) {
            throw new AssertionError("no field " + field + " in " + json);
        }
        return m.group(2) != null ? m.group(2) : m.group(1);
    }

    /** Asserts the regexes match {@code text} in this order; returns the offset after the last. */
    static int assertInOrder(String text, String... regexes) {
        int from = 0;
        for (String r : regexes) {
            Matcher m = Pattern.compile(r, Pattern.MULTILINE).matcher(text);
            if (!m.find(from)) {
                fail("expected /" + r + "/ after offset " + from + " in:\n" + text);
            }
            from = m.end();
        }
        return from;
    }

    static String read(Path p) {
        try {
            return new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "";
        }
    }
}
