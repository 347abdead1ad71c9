package dev.dazai.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dazai.adapters.out.cgroup.CgroupContainment;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Consumers on the real app.jar: secrets added by name, handed to {@code dazai run} and
 * {@code --exec} commands, and whatever received one (and everything it started, however it
 * escaped: a double fork, setsid, a daemon that detached from a parent that then exited) dies
 * with it in an armed fire; a rehearsal names each one WOULD SIGKILL and kills none. Both
 * containments: cgroup where this machine allows (root here and in CI), and subreaper, forced.
 */
class ConsumersIT {

    @TempDir
    Path tmp;

    private Dazai dazai;
    /** Each test's sleeps have numbers of their own, so a leftover of another test is never counted. */
    private final int base = 30_000 + 10 * ThreadLocalRandom.current().nextInt(3_000);

    @BeforeEach
    void setUp() throws Exception {
        dazai = new Dazai(tmp);
    }

    @AfterEach
    void tearDown() {
        dazai.close();
        // The escapes were re-parented away from everything the test started: end them by PID.
        for (long pid : sleeps(base, base + 9)) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        // Daemons killed with SIGKILL clean nothing up: their empty consumer cgroups go here.
        dev.dazai.adapters.out.cgroup.CgroupContainment.probe().dir()
                .ifPresent(dev.dazai.adapters.out.cgroup.CgroupContainment::sweepStale);
    }

    private void assumeContainment(String kind) {
        if (kind.equals("cgroup")) {
            CgroupContainment.Probe probe = CgroupContainment.probe();
            assumeTrue(probe.dir().isPresent(), "cgroup containment needs a delegated cgroup v2: " + probe.why());
        }
    }

    // ---- the escapes ---------------------------------------------------------------------------

    /** A `dazai run` consumer that double-forks (base+1), then waits itself (base+2). */
    private String doubleFork() {
        return "(sleep " + (base + 1) + " &); exec sleep " + (base + 2);
    }

    /** One whose child leaves its session with setsid (base+3), then waits (base+4). */
    private String setsid() {
        return "setsid -f sleep " + (base + 3) + " </dev/null >/dev/null 2>&1; exec sleep " + (base + 4);
    }

    /** One that daemonizes a child the classic way (fork, setsid, fork, chdir, close stdio: base+5) and waits (base+6). */
    private String daemonizes() {
        return "(setsid sh -c 'cd /; exec sleep " + (base + 5) + "' </dev/null >/dev/null 2>&1 &); exec sleep " + (base + 6);
    }

    /** The --exec child: reads its secret, daemonizes a child (base+7) and exits: the tree has lost its root. */
    private String execChild() {
        return "cat <&$DAZAI_SECRET_FD >/dev/null; (setsid sh -c 'cd /; exec sleep " + (base + 7)
                + "' </dev/null >/dev/null 2>&1 &); exit 0";
    }

    /** Starts the daemon with "a" added, the three run consumers and the --exec child; returns the seven sleeps. */
    private List<Long> consumersOf(Dazai.Daemon d) throws Exception {
        assertEquals(0, add("a", random(40)).exit());
        for (String script : List.of(doubleFork(), setsid(), daemonizes())) {
            dazai.background(dazai.command(true, List.of("run", "--socket-dir", dazai.socketDir().toString(),
                    "--secret", "a", "--", "sh", "-c", script)));
        }
        Dazai.eventually("seven sleeps", () -> sleeps(base + 1, base + 7).size() == 7);
        return sleeps(base + 1, base + 7);
    }

    @ParameterizedTest
    @ValueSource(strings = {"cgroup", "subreaper"})
    void anArmedHardPanicLeavesNoConsumerAndNothingTheyStartedAlive(String kind) throws Exception {
        assumeContainment(kind);
        Dazai.Daemon d = dazai.start("--arm", "--grace", "3600", "--containment", kind, "--generate", "32",
                "--exec", "--", "sh", "-c", execChild());
        assertEquals(kind, d.statusField("containment"));
        assertTrue(d.stdout().contains("contain:   " + kind), d.stdout());
        List<Long> sleeps = consumersOf(d);

        assertEquals(0, dazai.client("panic", "--hard").exit());

        assertEquals(ArmedIT.SIGKILLED, d.awaitExit(), d.log());
        assertEquals(List.of(), sleeps(base + 1, base + 7), "survivors of an armed fire; journal:\n" + d.log());
        String log = d.log();
        for (long pid : sleeps) {
            assertTrue(log.contains("KILLED " + pid + "\n"), "no KILLED " + pid + ":\n" + log);
        }
        Dazai.assertInOrder(log, "FIRE OwnerPanicsHard", "KILLED ", "WIPED 72 bytes", "UNLINKED", "DIE");
        assertNoConsumerCgroupLeft(d.pid());
    }

    @ParameterizedTest
    @ValueSource(strings = {"cgroup", "subreaper"})
    void aRehearsalNamesEveryConsumerWouldSigkillAndKillsNone(String kind) throws Exception {
        assumeContainment(kind);
        Dazai.Daemon d = dazai.start("--grace", "3600", "--containment", kind, "--generate", "32",
                "--exec", "--", "sh", "-c", execChild());
        List<Long> sleeps = consumersOf(d);

        assertEquals(0, dazai.client("panic", "--hard").exit());

        assertEquals(0, d.awaitExit(), d.log());
        assertEquals(sleeps, sleeps(base + 1, base + 7), "a rehearsal kills nobody");
        for (long pid : sleeps) {
            assertTrue(d.log().contains("WOULD SIGKILL " + pid + "\n"), "no WOULD SIGKILL " + pid + ":\n" + d.log());
        }
        assertFalse(d.log().contains("KILLED "), d.log());
        assertNoConsumerCgroupLeft(d.pid());
    }

    @Test
    void twoNamedSecretsGoToTheRightCommandsAndStdinToo() throws Exception {
        Dazai.Daemon d = dazai.start("--no-secret");
        assertTrue(d.stdout().contains("none yet"), d.stdout());
        byte[] a = random(3000);
        byte[] b = random(70);
        assertEquals(0, add("a", a).exit());
        assertEquals(0, add("b", b).exit());
        Dazai.Run again = add("a", random(5));
        assertEquals(1, again.exit(), "a name is held once: " + again);
        assertTrue(again.stderr().contains("held already"), again.stderr());
        String status = d.status();
        assertTrue(status.contains("\"secrets\":[{\"name\":\"a\",\"bytes\":3000},{\"name\":\"b\",\"bytes\":70}]"), status);
        Dazai.Run human = dazai.client("status");
        assertTrue(human.stdout().contains("a (3000 bytes), b (70 bytes)"), human.stdout());

        Path outA = tmp.resolve("outA");
        Path outB = tmp.resolve("outB");
        Path outS = tmp.resolve("outS");
        assertEquals(0, dazai.client("run", "--secret", "a", "--", "sh", "-c", "cat <&$DAZAI_SECRET_FD > " + outA).exit());
        assertEquals(0, dazai.client("run", "--secret", "b", "--", "sh", "-c", "cat <&$DAZAI_SECRET_FD > " + outB).exit());
        assertEquals(0, dazai.client("run", "--secret", "b", "--stdin", "--", "sh", "-c",
                "[ -z \"$DAZAI_SECRET_FD\" ] && cat > " + outS).exit());
        assertArrayEquals(a, Files.readAllBytes(outA));
        assertArrayEquals(b, Files.readAllBytes(outB));
        assertArrayEquals(b, Files.readAllBytes(outS), "--stdin: the secret on standard input");

        assertEquals(0, dazai.client("remove", "a").exit());
        Dazai.Run gone = dazai.client("run", "--secret", "a", "--", "true");
        assertEquals(1, gone.exit());
        assertTrue(gone.stderr().contains("no secret named a"), gone.stderr());
        assertTrue(d.status().contains("\"secrets\":[{\"name\":\"b\",\"bytes\":70}]"), d.status());
    }

    @Test
    void theCommandKeepsItsExitStatusTheSignalsAndThePid() throws Exception {
        dazai.start("--generate", "32");
        assertEquals(42, dazai.client("run", "--", "sh", "-c", "exit 42").exit());
        Dazai.Run missing = dazai.client("run", "--", "dazai-no-such-command");
        assertEquals(127, missing.exit());
        assertEquals(1, missing.stderr().lines().count(), missing.stderr());
        assertTrue(missing.stderr().contains("cannot run dazai-no-such-command"), missing.stderr());
        assertEquals(2, dazai.client("run", "--secret", "no/such", "--", "true").exit(), "a bad name is a usage error");

        // Ctrl-C is SIGINT to the foreground job: the command gets it, as the very process that asked.
        Path ready = tmp.resolve("ready");
        Process run = dazai.background(dazai.command(true, List.of("run", "--socket-dir", dazai.socketDir().toString(),
                "--", "sh", "-c", "trap 'exit 99' INT; echo $$ > " + ready + "; while :; do sleep 0.05; done")));
        Dazai.eventually("the command to start", () -> Files.exists(ready) && !Dazai.read(ready).isBlank());
        assertEquals(Long.toString(run.pid()), Dazai.read(ready).strip(), "same PID: the command replaced the client");
        Dazai.kill("INT", run.pid());
        assertTrue(run.waitFor(30, TimeUnit.SECONDS));
        assertEquals(99, run.exitValue(), "the command's own SIGINT handler ran and its status came back");
    }

    @Test
    void theDaemonAndItsAncestorsAreRefusedAndUnregisterLeavesAHolderAlone() throws Exception {
        Dazai.Daemon d = dazai.start("--arm", "--grace", "3600");
        Dazai.Run self = dazai.client("register", Long.toString(d.pid()));
        assertEquals(1, self.exit(), self.toString());
        assertTrue(self.stderr().contains("is this daemon"), self.stderr());
        Dazai.Run parent = dazai.client("register", Long.toString(ProcessHandle.current().pid()));
        assertEquals(1, parent.exit(), "the test JVM started the daemon: " + parent);
        assertTrue(parent.stderr().contains("ancestor"), parent.stderr());

        Process holder = dazai.holder();
        assertEquals(0, dazai.client("register", Long.toString(holder.pid())).exit());
        Dazai.Run off = dazai.client("unregister", Long.toString(holder.pid()));
        assertEquals(0, off.exit(), off.toString());
        assertEquals("[]", Dazai.jsonArray(d.status(), "holders"));
        assertEquals(1, dazai.client("unregister", Long.toString(holder.pid())).exit(), "not registered any more");
        assertEquals(0, dazai.client("panic", "--hard").exit());
        assertEquals(ArmedIT.SIGKILLED, d.awaitExit());
        assertTrue(holder.isAlive(), "unregistered: left alone by the fire");
    }

    @Test
    void registeringFromTheShellThatStartedTheDaemonIsRefused() throws Exception {
        // `dazai register $$` typed in the shell that started the daemon: a fire would kill that shell, and
        // the daemon's session with it, before the wipe.
        String java = String.join(" ", dazai.command(false, List.of()).stream().map(a -> "'" + a + "'").toList());
        String client = String.join(" ", dazai.command(true, List.of()).stream().map(a -> "'" + a + "'").toList());
        String dir = "'" + dazai.socketDir() + "'";
        String script = java + " --socket-dir " + dir + " --grace 3600 >/dev/null 2>&1 &\n"
                + "daemon=$!\n"
                + "while [ ! -S " + dir + "/control.sock ] || [ ! -e " + dir + "/dazai.pid ]; do sleep 0.1; done\n"
                + client + " register $$ --socket-dir " + dir + "; echo \"rc=$?\"\n"
                + client + " panic --hard --socket-dir " + dir + " >/dev/null; wait $daemon\n";
        Dazai.Run r = dazai.run(List.of("sh", "-c", script), null);
        assertTrue(r.stdout().contains("rc=1"), r.stdout() + r.stderr());
        assertTrue(r.stderr().contains("ancestor"), r.stderr());
    }

    // ---- helpers -------------------------------------------------------------------------------

    /** {@code dazai add NAME} with {@code bytes} on its stdin (a file). */
    private Dazai.Run add(String name, byte[] bytes) throws IOException, InterruptedException {
        Path in = Files.write(tmp.resolve("in-" + name + "-" + System.nanoTime()), bytes);
        Path out = tmp.resolve(in.getFileName() + ".out");
        Path err = tmp.resolve(in.getFileName() + ".err");
        ProcessBuilder pb = new ProcessBuilder(dazai.command(true, List.of("add", name, "--socket-dir",
                dazai.socketDir().toString()))).redirectInput(in.toFile()).redirectOutput(out.toFile())
                .redirectError(err.toFile());
        pb.environment().remove("XDG_RUNTIME_DIR");
        Process p = pb.start();
        assertTrue(p.waitFor(Dazai.LIVENESS.toSeconds(), TimeUnit.SECONDS), "dazai add " + name);
        Files.delete(in);
        return new Dazai.Run(p.exitValue(), Dazai.read(out), Dazai.read(err));
    }

    static byte[] random(int n) {
        byte[] b = new byte[n];
        new SecureRandom().nextBytes(b);
        return b;
    }

    /** Neither the daemon's consumer cgroups nor its probe outlive it. */
    private static void assertNoConsumerCgroupLeft(long daemon) throws IOException {
        CgroupContainment.Probe probe = CgroupContainment.probe();
        if (probe.dir().isEmpty()) {
            return;
        }
        try (Stream<Path> dirs = Files.list(probe.dir().get())) {
            List<String> left = dirs.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith("dazai-" + daemon + "-")).toList();
            assertEquals(List.of(), left, "consumer cgroups left behind");
        }
    }

    /** Live `sleep N` processes for N in [from, to], by PID. */
    static List<Long> sleeps(int from, int to) {
        List<Long> found = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.collect(Collectors.toList())) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    String[] argv = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8).split("\0");
                    if (argv.length == 2 && argv[0].endsWith("sleep")) {
                        int n = Integer.parseInt(argv[1]);
                        long pid = Long.parseLong(name);
                        if (n >= from && n <= to && Dazai.alive(pid)) {
                            found.add(pid);
                        }
                    }
                } catch (IOException | NumberFormatException ignored) {
                    // gone meanwhile, or not a sleep of ours
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        found.sort(null);
        return found;
    }
}
