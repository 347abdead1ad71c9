package dev.dazai.adapters.in.signal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.dazai.adapters.out.pidfd.ProcStat;
import dev.dazai.adapters.testing.ChildJvm;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every row of DESIGN.md's signal table, checked on a child JVM that is sent the real signal with
 * kill(1). Run under whichever JDK runs the tests (17 and 25 in CI).
 */
class SignalTableTest {

    private static final long WAIT_SECONDS = 30;

    /** DESIGN.md's table, row by row. */
    private static final Map<String, String> DESIGN = new LinkedHashMap<>();

    static {
        for (String s : List.of("HUP", "USR1", "ALRM", "VTALRM", "PROF", "IO", "PWR", "SYS", "TRAP", "ABRT", "BUS",
                "STKFLT", "XCPU", "XFSZ")) {
            DESIGN.put(s, "GRACEFUL_PANIC");
        }
        DESIGN.put("USR2", "HARD_PANIC");
        DESIGN.put("INT", "SHUTDOWN");
        DESIGN.put("TERM", "SHUTDOWN");
        for (String s : List.of("PIPE", "TSTP", "TTIN", "TTOU", "32", "33", "RTMIN", "RTMAX")) {
            DESIGN.put(s, "IGNORED");
        }
        for (String s : List.of("QUIT", "SEGV", "FPE", "ILL")) {
            DESIGN.put(s, "RESERVED_BY_JVM");
        }
        DESIGN.put("KILL", "UNCATCHABLE");
        DESIGN.put("STOP", "UNCATCHABLE");
    }

    private final List<Process> started = new ArrayList<>();

    @org.junit.jupiter.api.BeforeAll
    static void killTool() {
        org.junit.jupiter.api.Assumptions.assumeTrue(ChildJvm.onPath("kill"), "needs kill(1) (procps) to send the signals");
    }

    @AfterEach
    void killLeftovers() throws Exception {
        for (Process p : started) {
            p.destroyForcibly().waitFor();
        }
    }

    /** A running child and the lines it prints. */
    private final class Child {
        final Process process;
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        final Map<String, String[]> rows = new LinkedHashMap<>();
        final List<String> startup = new ArrayList<>();

        Child(List<String> jvmOptions) throws Exception {
            this(List.of(), jvmOptions);
        }

        Child(List<String> prefix, List<String> jvmOptions) throws Exception {
            process = ChildJvm.command(prefix, jvmOptions, SignalChild.class).redirectErrorStream(true).start();
            started.add(process);
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        lines.add(line);
                    }
                } catch (java.io.IOException ignored) {
                    // the child died; the test sees it
                }
                lines.add("<EOF>");
            });
            reader.setDaemon(true);
            reader.start();
            for (String line = next(); !line.equals("READY"); line = next()) {
                startup.add(line);
                if (line.startsWith("ROW ")) {
                    String[] f = line.split(" ");
                    rows.put(f[1], f);
                }
            }
        }

        String next() throws InterruptedException {
            String line = lines.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            if (line == null) {
                fail("child printed nothing for " + WAIT_SECONDS + " s");
            }
            return line;
        }

        /** Lines up to and including the first that starts with {@code prefix}. */
        List<String> until(String prefix) throws InterruptedException {
            List<String> seen = new ArrayList<>();
            while (true) {
                String line = next();
                seen.add(line);
                if (line.startsWith(prefix)) {
                    return seen;
                }
                if (line.equals("<EOF>")) {
                    fail("child ended before '" + prefix + "': " + seen);
                }
            }
        }

        void kill(String signal) throws Exception {
            Process k = new ProcessBuilder("kill", "-s", signal, Long.toString(process.pid())).inheritIO().start();
            assertEquals(0, k.waitFor(), "kill -s " + signal);
        }

        char state() {
            return ProcStat.state(process.pid());
        }

        /** USR1 as a marker: no trigger line before its own, and the child is running. */
        List<String> sentinel() throws Exception {
            kill("USR1");
            List<String> seen = until("graceful SIGUSR1");
            for (String line : seen.subList(0, seen.size() - 1)) {
                assertFalse(line.matches("(graceful|hard|shutdown) .*"), "an ignored signal triggered: " + seen);
            }
            assertTrue(process.isAlive());
            return seen;
        }
    }

    private static void awaitState(Child c, boolean stopped) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while ((c.state() == 'T') != stopped && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(stopped, c.state() == 'T', "state " + c.state());
    }

    @Test
    void everyRowTakesItsAction() throws Exception {
        List<String> defaults = ChildJvm.defaultDispositions().orElse(List.of());
        org.junit.jupiter.api.Assumptions.assumeFalse(defaults.isEmpty(),
                "needs perl on x86_64 or aarch64 to start the child with 32 and 33 at SIG_DFL, as a shell would");
        Child c = new Child(defaults, List.of());
        for (Map.Entry<String, String> row : DESIGN.entrySet()) {
            assertTrue(c.rows.containsKey(row.getKey()), "row for " + row.getKey() + " in " + c.rows.keySet());
            assertEquals(row.getValue(), c.rows.get(row.getKey())[3], row.getKey());
        }
        long realTime = c.rows.values().stream().filter(f -> f[2].matches("3[2-9]|[4-6]\\d")).count();
        assertEquals(33, realTime, "every kernel real-time signal, 32 to 64, has a row: " + c.rows.keySet());

        for (Map.Entry<String, String[]> row : c.rows.entrySet()) {
            String name = row.getKey();
            switch (row.getValue()[3]) {
                case "GRACEFUL_PANIC" -> {
                    c.kill(name);
                    c.until("graceful SIG" + name);
                }
                case "HARD_PANIC" -> {
                    c.kill(name);
                    c.until("hard SIG" + name);
                }
                case "SHUTDOWN" -> {
                    c.kill(name);
                    c.until("shutdown SIG" + name);
                }
                case "IGNORED" -> {
                    // By number: procps kill does not parse every RTMAX-n name, and 32 and 33 have none.
                    c.kill(row.getValue()[2]);
                    c.sentinel();
                    assertNotEquals('T', c.state(), name + " did not stop the child");
                }
                default -> {
                    // RESERVED_BY_JVM and UNCATCHABLE are checked below and in their own test.
                }
            }
        }

        c.kill("QUIT");
        List<String> seen = c.sentinel();
        assertTrue(seen.stream().anyMatch(l -> l.startsWith("Full thread dump")), "QUIT: the JVM's thread dump: " + seen);

        c.kill("STOP");
        awaitState(c, true);
        c.kill("CONT");
        awaitState(c, false);
        c.sentinel();

        c.kill("KILL");
        assertTrue(c.process.waitFor(WAIT_SECONDS, TimeUnit.SECONDS));
        assertEquals(137, c.process.exitValue(), "KILL: the honest limitation");
    }

    /**
     * nohup ignores HUP, and {@code cmd &} in a script ignores INT; the child JVM inherits SIG_IGN
     * through exec. HotSpot then installs no handler for HUP, INT or TERM unless they are reset.
     */
    @Test
    void signalsIgnoredAtStartStillTakeTheirAction() throws Exception {
        Child c = new Child(List.of("sh", "-c", "trap '' HUP INT TERM; exec \"$@\"", "sh"), List.of());
        for (String name : List.of("HUP", "INT", "TERM")) {
            c.kill(name);
            c.until((name.equals("HUP") ? "graceful SIG" : "shutdown SIG") + name);
        }
        c.sentinel();
        for (String name : List.of("HUP", "INT", "TERM")) {
            String row = String.join(" ", c.rows.get(name));
            assertTrue(row.endsWith("sun.misc.Signal handler; SIG_IGN at start, reset to SIG_DFL"), row);
        }
        assertTrue(String.join(" ", c.rows.get("USR1")).endsWith("sun.misc.Signal handler"), "USR1 was not ignored");
        assertTrue(c.startup.stream().anyMatch(l -> l.matches(".*WARNING SIGHUP was ignored at start .*")), "journal: " + c.startup);
    }

    @Test
    void segvFpeIllBelongToTheJvmsCrashHandler(@TempDir Path dir) throws Exception {
        for (String name : List.of("SEGV", "FPE", "ILL")) {
            Child c = new Child(List.of("-XX:ErrorFile=" + dir.resolve("hs_err_%p.log"), "-XX:-CreateCoredumpOnCrash"));
            c.kill(name);
            List<String> seen = c.until("<EOF>");
            assertTrue(c.process.waitFor(WAIT_SECONDS, TimeUnit.SECONDS));
            assertNotEquals(0, c.process.exitValue(), name);
            assertTrue(seen.stream().anyMatch(l -> l.contains("A fatal error has been detected")), name + ": " + seen);
            assertTrue(seen.stream().noneMatch(l -> l.matches("(graceful|hard|shutdown) .*")), name + ": " + seen);
        }
    }
}
