package dev.dazai.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import jnr.unixsocket.UnixServerSocketChannel;
import jnr.unixsocket.UnixSocketAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Start-up: hardening, and the environment refusals, each one line and exit 3 (usage: exit 2). */
class StartupIT {

    @TempDir
    Path tmp;

    private Dazai dazai;

    @BeforeEach
    void setUp() throws Exception {
        dazai = new Dazai(tmp);
    }

    @AfterEach
    void tearDown() {
        dazai.close();
    }

    @Test
    void theDaemonReexecsInPlaceWithTheHardeningFlags() throws Exception {
        Dazai.Daemon d = dazai.start();
        String cmdline = new String(Files.readAllBytes(Path.of("/proc", Long.toString(d.pid()), "cmdline")))
                .replace('\0', ' ');
        for (String flag : List.of("-XX:+DisableAttachMechanism", "-XX:-UsePerfData", "-XX:-CreateCoredumpOnCrash",
                "-XX:ErrorFile=/dev/null")) {
            assertTrue(cmdline.contains(flag), "same PID, now running with " + flag + ": " + cmdline);
        }
        String limits = Files.readString(Path.of("/proc", Long.toString(d.pid()), "limits"));
        assertTrue(limits.lines().anyMatch(l -> l.startsWith("Max core file size") && l.matches(".*\\s0\\s+0\\s.*")),
                limits);
        Path perf = Path.of(System.getProperty("java.io.tmpdir"), "hsperfdata_" + System.getProperty("user.name"),
                Long.toString(d.pid()));
        assertFalse(Files.exists(perf), "no perf-data file left for jps/jcmd: " + perf);
        assertFalse(d.log().contains("WARNING"), d.log());
        assertTrue(Files.getPosixFilePermissions(dazai.socketDir()).equals(PosixFilePermissions.fromString("rwx------")));
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(dazai.controlSocket()));
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(dazai.heartbeatSocket()));
    }

    @Test
    void aLiveDaemonOnTheSamePathIsRefused() throws Exception {
        Dazai.Daemon first = dazai.start();
        Dazai.Daemon second = dazai.launch();

        assertEquals(3, second.awaitExit(), second.log());
        assertTrue(second.log().strip().endsWith("dazai: a daemon is already listening on " + dazai.heartbeatSocket()
                + "; stop it (dazai signal TERM) or pass another --socket-dir"), second.log());
        assertTrue(first.process.isAlive());
        assertEquals(Long.toString(first.pid()), first.statusField("pid"));
        assertEquals(first.pid(), Dazai.readPid(dazai.pidfile()).orElseThrow());
    }

    @Test
    void aStaleSocketLeftByADeadDaemonIsReplaced() throws Exception {
        Files.createDirectories(dazai.socketDir());
        Files.setPosixFilePermissions(dazai.socketDir(), PosixFilePermissions.fromString("rwx------"));
        // A socket file nobody listens on, as a daemon killed with -9 leaves it.
        for (Path s : List.of(dazai.heartbeatSocket(), dazai.controlSocket())) {
            UnixServerSocketChannel ch = UnixServerSocketChannel.open();
            ch.socket().bind(new UnixSocketAddress(s.toString()));
            ch.close();
            assertTrue(Files.exists(s));
        }
        Files.writeString(dazai.pidfile(), "999999999\n");

        Dazai.Daemon d = dazai.start();

        assertEquals("Waiting", d.statusField("state"));
        assertEquals(d.pid(), Dazai.readPid(dazai.pidfile()).orElseThrow());
    }

    @Test
    void aSocketPathLongerThanSunPathIsRefusedUpFront() throws Exception {
        Path deep = tmp.resolve("d".repeat(60)).resolve("e".repeat(60));
        Dazai.Daemon d = dazai.launchRaw(List.of("--socket-dir", deep.toString()), null);

        assertEquals(3, d.awaitExit(), d.log());
        assertTrue(d.log().contains("a UNIX socket allows; pass a shorter --socket-dir"), d.log());
        assertFalse(d.log().contains("LOADED"), "refused before any secret was read: " + d.log());
        assertFalse(Files.exists(deep));
    }

    @Test
    void environmentProblemsAreOneLineAndExit3() throws Exception {
        Dazai.Daemon missing = dazai.launch("--secret-file", tmp.resolve("nope").toString());
        assertEquals(3, missing.awaitExit(), missing.log());
        assertEquals("dazai: secret file " + tmp.resolve("nope") + " does not exist; check --secret-file",
                lastLine(missing.log()));

        Path empty = tmp.resolve("empty");
        Files.createFile(empty);
        Dazai.Daemon emptyFile = dazai.launch("--secret-file", empty.toString());
        assertEquals(3, emptyFile.awaitExit(), emptyFile.log());
        assertTrue(lastLine(emptyFile.log()).startsWith("dazai: the secret from file " + empty + " is empty;"),
                emptyFile.log());
        assertFalse(Files.exists(dazai.pidfile()), "never ready");

        Dazai.Daemon badFd = dazai.launch("--secret-fd", "57");
        assertEquals(3, badFd.awaitExit(), badFd.log());
        assertTrue(lastLine(badFd.log()).startsWith("dazai: file descriptor 57 is not open;"), badFd.log());

        Dazai.Run noDaemon = dazai.client("status");
        assertEquals(3, noDaemon.exit(), noDaemon.stderr());
        assertTrue(noDaemon.stderr().startsWith("dazai: no daemon: "), noDaemon.stderr());
        assertEquals(1, noDaemon.stderr().strip().lines().count(), noDaemon.stderr());
    }

    /** The daemon's whole answer under JFR; the JVM's own "Picked up JAVA_TOOL_OPTIONS" note may precede it. */
    private static String flightRecorderRefusal(String where) {
        return "dazai: Java Flight Recorder is on (" + where + "); its thread sampler uses SIGUSR2, which is dazai's"
                + " hard panic; start the daemon without it";
    }

    /**
     * HotSpot suspends threads for JFR's execution sampler with SIGUSR2, dazai's hard panic: armed
     * under JFR, the daemon fired on its own sampler within ~50 ms of start. It must refuse first.
     * The second start already has the hardening flags, so it does not re-exec: refused all the same.
     */
    @Test
    void underFlightRecorderOnTheCommandLineTheDaemonRefusesBeforeAnything() throws Exception {
        assertRefusedUnderFlightRecorder(List.of("-XX:StartFlightRecording"), Map.of(),
                flightRecorderRefusal("-XX:StartFlightRecording"));
        List<String> hardened = new java.util.ArrayList<>(dev.dazai.app.daemon.Reexec.FLAGS);
        hardened.add("-XX:StartFlightRecording=settings=profile");
        assertRefusedUnderFlightRecorder(hardened, Map.of(), flightRecorderRefusal("-XX:StartFlightRecording"));
    }

    /** The bare flag in JAVA_TOOL_OPTIONS crashes HotSpot itself (17 and 25) before main; with a value JFR starts. */
    @Test
    void underFlightRecorderFromJavaToolOptionsTheDaemonRefusesBeforeAnything() throws Exception {
        assertRefusedUnderFlightRecorder(List.of(),
                Map.of("JAVA_TOOL_OPTIONS", "-XX:StartFlightRecording=settings=default"),
                flightRecorderRefusal("-XX:StartFlightRecording in JAVA_TOOL_OPTIONS"));
    }

    /** Armed, a registered holder and an --exec child: exit 3, the one line, and nothing done at all. */
    private void assertRefusedUnderFlightRecorder(List<String> jvmOptions, Map<String, String> env, String line)
            throws Exception {
        Process holder = dazai.holder();
        Path execStarted = tmp.resolve("exec-started");
        Dazai.Daemon d = dazai.launchJvm(jvmOptions, env, "--arm", "--grace", "3600", "--generate", "4096",
                "--register", Long.toString(holder.pid()),
                "--exec", "--", "sh", "-c", "touch \"$0\"; exec sleep 300", execStarted.toString());

        assertEquals(3, d.awaitExit(), d.log());
        List<String> ours = d.log().lines().filter(l -> !l.startsWith("Picked up JAVA_TOOL_OPTIONS: ")).toList();
        assertEquals(List.of(line), ours, "one line, and no journal: no handler, no secret, no fire");
        assertTrue(Dazai.alive(holder.pid()), "the registered holder lives");
        assertFalse(Files.exists(execStarted), "no --exec child was started");
        assertFalse(Files.exists(dazai.pidfile()), "no pidfile");
        assertFalse(Files.exists(dazai.heartbeatSocket()) || Files.exists(dazai.controlSocket()), "no socket");
        assertFalse(Files.exists(dazai.socketDir()), "not even the socket directory");
        holder.destroyForcibly().waitFor();
    }

    @Test
    void usageErrorsAreOneLineAndExit2() throws Exception {
        for (List<String> args : List.of(
                List.of("--grace", "soon"),
                List.of("--bogus"),
                List.of("--secret-stdin", "--generate", "8"),
                List.of("stray-argument"),
                List.of("--exec"),
                List.of("shell-init", "fish"))) {
            Dazai.Run r = dazai.run(dazai.command(true, args), null);
            assertEquals(2, r.exit(), args + ": " + r.stderr());
            assertTrue(r.stderr().startsWith("dazai: "), args + ": " + r.stderr());
            assertEquals(1, r.stderr().strip().lines().count(), args + ": " + r.stderr());
        }
    }

    @Test
    void shellInitPrintsTheBundledShellFileWhereNoneIsInstalledAndHelpListsTheExitCodes() throws Exception {
        Dazai.Run bash = dazai.run(dazai.command(true, List.of("shell-init", "bash")), null);
        assertEquals(0, bash.exit(), bash.stderr());
        // The test's private copy of the jar has no dazai.bash beside it: the bundled file, naming the jar.
        assertTrue(bash.stdout().startsWith("__dazai_jar='/") && bash.stdout().contains("__dazai_register"),
                bash.stdout());
        Dazai.Run help = dazai.run(dazai.command(true, List.of("--help")), null);
        assertEquals(0, help.exit());
        for (String s : List.of("--arm", "--grace", "--ping-timeout", "--socket-dir", "--pidfile", "--secret-stdin",
                "--secret-file", "--secret-fd", "--generate", "--register", "--exec", "--require-lock", "--log-format",
                "Exit codes:", "heartbeat", "status", "register", "panic", "cancel", "signal", "shell-init")) {
            assertTrue(help.stdout().contains(s), s + " in --help:\n" + help.stdout());
        }
    }

    @Test
    void jsonLogFormat() throws Exception {
        Dazai.Daemon d = dazai.start("--log-format", "json");
        d.signal("TERM");
        assertEquals(0, d.awaitExit());
        for (String line : d.log().strip().split("\n")) {
            assertTrue(line.matches("\\{\"time\":\"[^\"]+\",\"mono_ms\":\\d+,\"level\":\"(info|warning|error)\","
                    + "\"event\":\"[A-Z_]+\",\"detail\":\".*\"(,\"\\w+\":.*)?}"), line);
        }
        assertTrue(d.log().contains("\"event\":\"EXIT\""), d.log());
        assertTrue(d.log().matches("(?s).*\"event\":\"EXIT\",[^\n]*\"status\":0\\}.*"), "EXIT carries its status: " + d.log());
        assertTrue(d.log().matches("(?s).*\"event\":\"TRIGGER\",[^\n]*\"source\":\"SIGTERM\".*"), "the trigger's signal: " + d.log());
    }

    private static String lastLine(String text) {
        String[] lines = text.strip().split("\n");
        return lines[lines.length - 1];
    }
}
