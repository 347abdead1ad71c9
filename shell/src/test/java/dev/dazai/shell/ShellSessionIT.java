package dev.dazai.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The cases, each against the real app.jar and a real interactive bash or zsh on a pty.
 * Every test gets its own HOME and XDG_RUNTIME_DIR, so the snippet finds the daemon by the same
 * default rule a user's shell would; nothing is faked. The timeouts only keep a wedged test from
 * hanging the build: nothing here measures speed.
 */
class ShellSessionIT {

    /** Liveness bound for one step on a loaded two-core machine: JVM starts take seconds there. */
    private static final Duration STEP = Duration.ofSeconds(60);
    private static final Pattern JOB_NOISE = Pattern.compile("\\[\\d+\\]\\s+\\d+|\\bDone\\b|\\bdone\\b");

    @TempDir
    Path base;

    private Path home;
    private Path socketDir;
    private Map<String, String> env;

    @BeforeEach
    void freshSession() throws IOException {
        home = Files.createDirectory(base.resolve("home"));
        Path run = Files.createDirectory(base.resolve("run"));
        Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwx------"));
        socketDir = run.resolve("dazai");
        env = new LinkedHashMap<>();
        env.put("PATH", Path.of(Daemon.javaBinary()).getParent() + ":/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin");
        env.put("HOME", home.toString());
        env.put("TERM", "xterm");
        env.put("LANG", "C.UTF-8");
        env.put("XDG_RUNTIME_DIR", run.toString());
        env.put("DAZAI_HEARTBEAT_LOG", base.resolve("heartbeat.log").toString());
    }

    @AfterEach
    void killLeftovers() {
        Leftovers.kill(base);
    }

    @ParameterizedTest
    @EnumSource(Shell.class)
    void heartbeatAttachesAndExitingTheShellRehearsesThePanic(Shell shell) throws Exception {
        shell.assumeInstalled();
        try (Daemon daemon = startDaemon(); PtyShell pty = startShell(shell, rc(shell, "", source(shell)))) {
            long heartbeat = daemon.awaitAttached(STEP);
            assertEquals(Optional.of(shellPid()), ProcessHandle.of(heartbeat).flatMap(ProcessHandle::parent).map(ProcessHandle::pid),
                    "the heartbeat attached is the one this shell started");

            // The exported socket directory is what lets a bare `status` find the daemon.
            pty.type("printf 'dir=%s\\n' \"$DAZAI_SOCKET_DIR\"; " + javaJar() + " status --json; echo STATUS-$((1+1))");
            pty.await("STATUS-2", STEP);
            String screen = PtyShell.readable(pty.screen());
            assertTrue(screen.contains("dir=" + socketDir), screen);
            assertTrue(screen.contains("\"state\":\"Attached\""), screen);
            assertTrue(screen.contains("\"heartbeat_pid\":" + heartbeat), screen);
            assertFalse(screen.contains("dazai:"), "a guarded session prints nothing:\n" + screen);
            assertFalse(JOB_NOISE.matcher(screen).find(), "no job-control noise:\n" + screen);

            pty.type("exit");
            assertEquals(0, pty.awaitExit(STEP));
            assertRehearsed(daemon);
        }
    }

    @ParameterizedTest
    @EnumSource(Shell.class)
    void evalOfShellInitGuardsTheSession(Shell shell) throws Exception {
        shell.assumeInstalled();
        // No DAZAI_JAR: shell-init names the jar and the java that printed it.
        String line = "eval \"$(" + javaJar() + " shell-init " + shell.binary + ")\"";
        // Under nounset: all that shell-init prints must be as safe as the file it bundles.
        try (Daemon daemon = startDaemon(); PtyShell pty = startShell(shell, rc(shell, shell.nounset, line))) {
            long heartbeat = daemon.awaitAttached(STEP);
            assertEquals(Optional.of(shellPid()), ProcessHandle.of(heartbeat).flatMap(ProcessHandle::parent).map(ProcessHandle::pid));
            pty.sync(STEP);
            String screen = PtyShell.readable(pty.screen());
            assertFalse(screen.contains("dazai:") || screen.contains("unbound variable") || screen.contains("parameter not set"),
                    "the eval'd snippet prints nothing:\n" + screen);
            pty.type("exit");
            assertEquals(0, pty.awaitExit(STEP));
            assertRehearsed(daemon);
        }
    }

    @ParameterizedTest
    @EnumSource(Shell.class)
    void aHangUpDropsTheHeartbeat(Shell shell) throws Exception {
        shell.assumeInstalled();
        try (Daemon daemon = startDaemon(); PtyShell pty = startShell(shell, rc(shell, "", source(shell)))) {
            daemon.awaitAttached(STEP);
            pty.sync(STEP);
            kill("HUP", shellPid());
            pty.awaitExit(STEP);
            assertRehearsed(daemon);
        }
    }

    @ParameterizedTest
    @EnumSource(Shell.class)
    void aShellKilledOutrightStillDropsTheHeartbeat(Shell shell) throws Exception {
        shell.assumeInstalled();
        Assumptions.assumeTrue(Shell.installed("setpriv") && Shell.installed("setsid"),
                "needs util-linux setpriv and setsid, which tie the heartbeat to its shell");
        try (Daemon daemon = startDaemon(); PtyShell pty = startShell(shell, rc(shell, "", source(shell)))) {
            daemon.awaitAttached(STEP);
            pty.sync(STEP);
            // SIGKILL runs no exit hook: only the parent-death signal can stop the heartbeat now.
            kill("KILL", shellPid());
            pty.awaitExit(STEP);
            assertRehearsed(daemon);
        }
    }

    @ParameterizedTest
    @EnumSource(Shell.class)
    void withoutSetprivTheExitHookAloneDropsTheHeartbeat(Shell shell) throws Exception {
        shell.assumeInstalled();
        // As on macOS or util-linux before 2.33: no parent-death signal, so only our exit hook stops it.
        env.put("PATH", Path.of(Daemon.javaBinary()).getParent() + ":" + binWithout("setpriv"));
        try (Daemon daemon = startDaemon(); PtyShell pty = startShell(shell, rc(shell, "", source(shell)))) {
            daemon.awaitAttached(STEP);
            pty.type("exit");
            assertEquals(0, pty.awaitExit(STEP));
            assertRehearsed(daemon);
        }
    }

    @ParameterizedTest
    @EnumSource(Shell.class)
    void keysThatSignalTheForegroundDoNotReachTheHeartbeat(Shell shell) throws Exception {
        shell.assumeInstalled();
        try (Daemon daemon = startDaemon(); PtyShell pty = startShell(shell, rc(shell, "", source(shell)))) {
            long heartbeat = daemon.awaitAttached(STEP);
            pty.sync(STEP);
            // ^C, ^Z and ^\ at the prompt: SIGINT, SIGTSTP and SIGQUIT to the terminal's foreground group.
            pty.typeRaw("\u0003\u001a\u001c");
            pty.type("");
            pty.sync(STEP);
            // And ^C to a foreground command, once it runs: the signal a person sends most often.
            pty.type("sleep 600");
            awaitChild(shellPid(), "sleep");
            pty.typeRaw("\u0003");
            pty.sync(STEP);
            assertEquals(heartbeat, daemon.awaitAttached(STEP), "the same heartbeat still holds the slot");
            assertTrue(daemon.isAlive());
            String stat = Files.readString(Path.of("/proc", Long.toString(heartbeat), "stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            assertTrue(state != 'T' && state != 't', "the heartbeat is not stopped: " + stat);
            pty.type("exit");
            assertEquals(0, pty.awaitExit(STEP));
            assertRehearsed(daemon);
        }
    }

    @ParameterizedTest
    @EnumSource(Shell.class)
    void aJavaThatNeverAnswersDoesNotHoldUpThePrompt(Shell shell) throws Exception {
        shell.assumeInstalled();
        // Nothing here is timed: if starting the client waited on it, the prompt would never come.
        Path java = Files.writeString(base.resolve("stuck-java"), "#!/bin/sh\nexec sleep 600\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwx------"));
        env.put("DAZAI_JAVA", java.toString());
        Files.createDirectory(socketDir);
        try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            s.bind(UnixDomainSocketAddress.of(socketDir.resolve("heartbeat.sock")));
            try (PtyShell pty = startShell(shell, rc(shell, "", source(shell)))) {
                pty.type("echo prompt=$((6*7))");
                pty.await("prompt=42", STEP);
                pty.type("exit");
                assertEquals(0, pty.awaitExit(STEP));
                assertFalse(PtyShell.readable(pty.screen()).contains("dazai:"), pty.screen());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Shell.class)
    void sourcingTwiceStartsNoSecondClient(Shell shell) throws Exception {
        shell.assumeInstalled();
        try (Daemon daemon = startDaemon(); PtyShell pty = startShell(shell, rc(shell, "", source(shell)))) {
            long heartbeat = daemon.awaitAttached(STEP);
            pty.type(source(shell));
            pty.type(source(shell));
            pty.sync(STEP);
            // Sourcing forks the client before it returns, so after the sync any second one would be a child now.
            assertEquals(1, heartbeatChildren(shellPid()), "heartbeat clients under the shell");
            assertEquals(heartbeat, daemon.awaitAttached(STEP));
            String screen = PtyShell.readable(pty.screen());
            assertFalse(screen.contains("dazai:"), screen);
            pty.type("exit");
            assertEquals(0, pty.awaitExit(STEP));
            assertRehearsed(daemon);
        }
    }

    @ParameterizedTest
    @EnumSource(Shell.class)
    void nounsetShellsDoNotError(Shell shell) throws Exception {
        shell.assumeInstalled();
        try (Daemon daemon = startDaemon(); PtyShell pty = startShell(shell, rc(shell, shell.nounset, source(shell)))) {
            daemon.awaitAttached(STEP);
            pty.type(source(shell));
            pty.type("echo nounset=$((40+2))");
            pty.await("nounset=42", STEP);
            pty.type("exit");
            assertEquals(0, pty.awaitExit(STEP));
            assertRehearsed(daemon);
            String screen = PtyShell.readable(pty.screen());
            assertFalse(screen.contains("unbound variable") || screen.contains("parameter not set"), screen);
        }
    }

    @ParameterizedTest
    @EnumSource(Shell.class)
    void noDaemonIsOneVisibleLineAndAUsableShell(Shell shell) throws Exception {
        shell.assumeInstalled();
        assertUnguarded(shell, "(no daemon: " + socketDir.resolve("heartbeat.sock") + " missing");
    }

    @ParameterizedTest
    @EnumSource(Shell.class)
    void noJarIsOneVisibleLineAndAUsableShell(Shell shell) throws Exception {
        shell.assumeInstalled();
        env.put("DAZAI_JAR", base.resolve("nowhere/app.jar").toString());
        assertUnguarded(shell, "(no app.jar at '" + base.resolve("nowhere/app.jar") + "'");
    }

    @ParameterizedTest
    @EnumSource(Shell.class)
    void noJavaIsOneVisibleLineAndAUsableShell(Shell shell) throws Exception {
        shell.assumeInstalled();
        env.put("DAZAI_JAVA", "no-such-java");
        assertUnguarded(shell, "(no java: 'no-such-java' not found");
    }

    @ParameterizedTest
    @EnumSource(Shell.class)
    void aDeadDaemonsLeftoversAreOneVisibleLine(Shell shell) throws Exception {
        shell.assumeInstalled();
        // What kill -9 leaves behind: a bound socket file and a pidfile naming a process that is gone.
        Files.createDirectory(socketDir);
        try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            s.bind(UnixDomainSocketAddress.of(socketDir.resolve("heartbeat.sock")));
        }
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor(30, TimeUnit.SECONDS);
        Files.writeString(socketDir.resolve("dazai.pid"), gone.pid() + "\n");
        assertUnguarded(shell, "(no daemon: pid " + gone.pid() + " in " + socketDir.resolve("dazai.pid") + " is gone");
    }

    @Test
    void anEarlierBashExitTrapStillRunsAfterOurs() throws Exception {
        Shell.BASH.assumeInstalled();
        String before = "trap 'echo \"earlier trap saw $?\" > \"$HOME/trap.out\"' EXIT";
        try (Daemon daemon = startDaemon(); PtyShell pty = startShell(Shell.BASH, rc(Shell.BASH, before, source(Shell.BASH)))) {
            daemon.awaitAttached(STEP);
            pty.type("exit 7");
            assertEquals(7, pty.awaitExit(STEP), "the shell's exit status survives both traps");
            assertRehearsed(daemon);
            assertEquals("earlier trap saw 7\n", Files.readString(home.resolve("trap.out")));
        }
    }

    @Test
    void zshExitHooksAndTrapsStillRun() throws Exception {
        Shell.ZSH.assumeInstalled();
        String before = "zshexit() { print own-zshexit >> $HOME/hooks.out }\n"
                + "trap 'print exit-trap >> $HOME/hooks.out' EXIT";
        try (Daemon daemon = startDaemon(); PtyShell pty = startShell(Shell.ZSH, rc(Shell.ZSH, before, source(Shell.ZSH)))) {
            daemon.awaitAttached(STEP);
            pty.type("exit");
            assertEquals(0, pty.awaitExit(STEP));
            assertRehearsed(daemon);
            String hooks = Files.readString(home.resolve("hooks.out"));
            assertTrue(hooks.contains("own-zshexit") && hooks.contains("exit-trap"), hooks);
        }
    }

    @ParameterizedTest
    @EnumSource(Shell.class)
    void aNonInteractiveShellIsLeftAlone(Shell shell) throws Exception {
        shell.assumeInstalled();
        ProcessBuilder pb = new ProcessBuilder(shell.binary, "-c", source(shell) + "; echo sourced-ok");
        pb.environment().clear();
        pb.environment().putAll(env);
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(STEP.toSeconds(), TimeUnit.SECONDS));
        assertEquals("sourced-ok\n", out, "no line and no heartbeat for a script");
        assertEquals(0, p.exitValue());
    }

    private void assertUnguarded(Shell shell, String reason) throws Exception {
        try (PtyShell pty = startShell(shell, rc(shell, shell.nounset, source(shell)))) {
            pty.type("echo usable=$((6*7))");
            pty.await("usable=42", STEP);
            pty.type("exit");
            assertEquals(0, pty.awaitExit(STEP));
            String screen = PtyShell.readable(pty.screen());
            String line = "dazai: session UNGUARDED " + reason;
            assertEquals(1, count(screen, "dazai: session UNGUARDED ("), "one line:\n" + screen);
            assertTrue(screen.contains(line), "expected \"" + line + "\" in:\n" + screen);
        }
    }

    private void assertRehearsed(Daemon daemon) throws InterruptedException {
        assertEquals(0, daemon.awaitExit(STEP), "a dry-run daemon exits 0 after its rehearsal:\n" + daemon.log());
        assertTrue(daemon.log().contains("WOULD SIGKILL self"), "the rehearsal ran to its end:\n" + daemon.log());
    }

    private Daemon startDaemon() throws IOException, InterruptedException {
        return Daemon.start(jar(), env, socketDir, base.resolve("daemon.log"), STEP);
    }

    private PtyShell startShell(Shell shell, String rcText) throws IOException {
        Files.writeString(home.resolve(shell.rcFile), rcText);
        return PtyShell.start(shell, env, home);
    }

    /** A user's rc file: a plain prompt, lines before ours, our line. The shell notes its PID for the test. */
    private String rc(Shell shell, String before, String ours) {
        return "PS1='$ '\n"
                + "echo $$ > \"$HOME/shell.pid\"\n"
                + before + "\n"
                + ours + "\n";
    }

    /** A directory of links to every system command but {@code missing}, to stand for a system without it. */
    private String binWithout(String missing) throws IOException {
        Path bin = Files.createDirectories(base.resolve("bin-without-" + missing));
        for (String dir : new String[] {"/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"}) {
            if (!Files.isDirectory(Path.of(dir))) {
                continue;
            }
            try (var entries = Files.list(Path.of(dir))) {
                for (Path e : (Iterable<Path>) entries::iterator) {
                    Path link = bin.resolve(e.getFileName().toString());
                    if (!e.getFileName().toString().equals(missing) && Files.notExists(link, LinkOption.NOFOLLOW_LINKS)) {
                        Files.createSymbolicLink(link, e);
                    }
                }
            }
        }
        return bin.toString();
    }

    private static String source(Shell shell) {
        return "source '" + shell.snippetFile() + "'";
    }

    private static Path jar() {
        Path jar = Path.of(System.getProperty("dazai.jar", "../app/target/app.jar")).toAbsolutePath().normalize();
        assertTrue(Files.isRegularFile(jar), "no " + jar + ": build it first (mvn -B verify -pl shell -am)");
        return jar;
    }

    private static String javaJar() {
        return "'" + Daemon.javaBinary() + "' -jar '" + jar() + "'";
    }

    private long shellPid() throws IOException {
        return Long.parseLong(Files.readString(home.resolve("shell.pid")).strip());
    }

    private static long heartbeatChildren(long shell) {
        return ProcessHandle.of(shell).orElseThrow().children()
                .filter(c -> c.info().arguments().map(a -> List.of(a).contains("heartbeat")).orElse(false))
                .count();
    }

    private static void awaitChild(long parent, String command) throws InterruptedException {
        long deadline = System.nanoTime() + STEP.toNanos();
        while (ProcessHandle.of(parent).orElseThrow().children()
                .noneMatch(c -> c.info().command().map(x -> x.endsWith("/" + command)).orElse(false))) {
            assertTrue(System.nanoTime() < deadline, "no " + command + " under the shell within " + STEP.toSeconds() + " s");
            Thread.sleep(50);
        }
    }

    private static void kill(String signal, long pid) throws IOException, InterruptedException {
        Process k = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
        assertTrue(k.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, k.exitValue(), "kill -" + signal + " " + pid);
    }

    private static int count(String hay, String needle) {
        int n = 0;
        for (int i = hay.indexOf(needle); i >= 0; i = hay.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }
}
