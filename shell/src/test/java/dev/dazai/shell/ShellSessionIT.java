package dev.dazai.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * Presence end to end: the real app.jar (dry-run, a small --grace) and real interactive bash and
 * zsh on ptys, each test with its own HOME and XDG_RUNTIME_DIR, so the rc line finds the daemon
 * by the same rule a user's shell does. What the daemon sees is read from its STATUS and journal.
 * The timeouts only keep a wedged test from hanging the build: nothing here measures speed.
 */
class ShellSessionIT {

    /** Liveness bound for one step on a loaded two-core machine: JVM starts take seconds there. */
    private static final Duration STEP = Duration.ofSeconds(60);
    private static final int GRACE_SECONDS = 2;
    private static final Pattern JOB_NOISE = Pattern.compile("\\[\\d+\\]\\s+\\d+|\\bDone\\b|\\bdone\\b");

    @TempDir
    Path base;

    private Path home;
    private Path socketDir;
    private Map<String, String> env;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeEach
    void freshUser() throws IOException {
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
    }

    @AfterEach
    void killLeftovers() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        Leftovers.kill(base);
    }

    // ---- presence: shells, logins, tmux --------------------------------------------------------

    @ParameterizedTest
    @EnumSource(Shell.class)
    void closingOneOfTwoShellsKeepsTheSwitchAttachedClosingTheLastRehearses(Shell shell) throws Exception {
        shell.assumeInstalled();
        Daemon daemon = startDaemon();
        PtyShell first = startShell(shell, "one", rc(shell, "", source(shell)));
        PtyShell second = startShell(shell, "two", rc(shell, "", source(shell)));
        daemon.awaitSessions(STEP, shellPid("one"), shellPid("two"));

        first.type("exit");
        assertEquals(0, first.awaitExit(STEP));
        daemon.awaitSessions(STEP, shellPid("two"));
        Thread.sleep(TimeUnit.SECONDS.toMillis(GRACE_SECONDS + 2));
        String status = daemon.status();
        assertTrue(daemon.isAlive() && status.contains("\"state\":\"Attached\""),
                "the second shell keeps the switch attached past the grace window: " + status + "\n" + daemon.log());
        assertFalse(daemon.log().contains("GRACE_START"), daemon.log());

        second.type("exit");
        assertEquals(0, second.awaitExit(STEP));
        assertRehearsed(daemon);
        assertTrue(daemon.log().contains("LOST presence: the last session pid " + shellPid("two")), daemon.log());
    }

    @ParameterizedTest
    @EnumSource(Shell.class)
    void noDazaiJvmRunsPerShellAndAGuardedShellPrintsNothing(Shell shell) throws Exception {
        shell.assumeInstalled();
        Daemon daemon = startDaemon();
        PtyShell one = startShell(shell, "one", rc(shell, "", source(shell)));
        PtyShell two = startShell(shell, "two", rc(shell, "", source(shell)));
        daemon.awaitSessions(STEP, shellPid("one"), shellPid("two"));
        one.sync(STEP);
        two.sync(STEP);
        List<Long> javas = new ArrayList<>();
        for (long pid : Leftovers.mentioning(base)) {
            if (isJava(pid)) {
                javas.add(pid);
            }
        }
        assertEquals(List.of(daemon.pid()), javas, "the only JVM of this user's session is the daemon");
        for (String tag : List.of("one", "two")) {
            assertEquals(0, ProcessHandle.of(shellPid(tag)).orElseThrow().children().count(), "a child under shell " + tag);
        }
        String screen = PtyShell.readable(one.screen());
        assertFalse(screen.contains("dazai:"), "a guarded session prints nothing:\n" + screen);
        assertFalse(JOB_NOISE.matcher(screen).find(), "no job-control noise:\n" + screen);

        // The exported socket directory lets a bare `dazai status` find the daemon and its sessions.
        one.type("dazai status; echo STATUS-$((1+1))");
        one.await("STATUS-2", STEP);
        screen = PtyShell.readable(one.screen());
        assertTrue(screen.contains("sessions:     2 keep the switch attached"), screen);
        assertTrue(screen.contains("pid " + shellPid("one")) && screen.contains("pid " + shellPid("two")), screen);
        assertTrue(screen.matches("(?s).*pid " + shellPid("one") + " +pts/\\d+ +" + shell.binary + " .*"), screen);
    }

    @ParameterizedTest
    @EnumSource(Shell.class)
    void aShellKilledOutrightEndsItsSession(Shell shell) throws Exception {
        shell.assumeInstalled();
        Daemon daemon = startDaemon();
        PtyShell pty = startShell(shell, "one", rc(shell, "", source(shell)));
        daemon.awaitSessions(STEP, shellPid("one"));
        // No exit hook runs on SIGKILL: the daemon's pidfd sees the end all the same.
        kill("KILL", shellPid("one"));
        pty.awaitExit(STEP);
        assertRehearsed(daemon);
    }

    @Test
    void anSshLikeLoginCountsTheSameWayWhetherItExitsOrItsConnectionDrops() throws Exception {
        Shell.BASH.assumeInstalled();
        Daemon daemon = startDaemon();
        // script's child is a session leader on a fresh pty, as sshd makes a login: bash -l -i.
        PtyShell exits = login("one");
        PtyShell drops = login("two");
        daemon.awaitSessions(STEP, shellPid("one"), shellPid("two"));
        assertEquals(shellPid("one"), sessionOf(shellPid("one")), "the login is its session's leader");
        assertTrue(daemon.status().contains("\"kind\":\"bash login\""), daemon.status());

        exits.type("exit");
        exits.awaitExit(STEP);
        daemon.awaitSessions(STEP, shellPid("two"));
        drops.dropConnection();
        assertRehearsed(daemon);
    }

    @Test
    void sshDropsTmuxKeepsTheShellAndTheWindowOpensAllTheSame() throws Exception {
        Shell.BASH.assumeInstalled();
        Assumptions.assumeTrue(Shell.installed("tmux"), "tmux is not installed (apt-get install -y tmux; .ci/run does)");
        env.put("SHELL", "/bin/bash");
        Path socket = base.resolve("tmux.sock");
        Daemon daemon = startDaemon();
        PtyShell ssh = login("login");
        daemon.awaitSessions(STEP, shellPid("login"));

        // The login runs a tmux client; the shell in tmux's window registers that client, not itself.
        ssh.type("tmux -S " + socket + " -f /dev/null new-session 'PANE=1 exec bash -l'");
        long client = awaitTmux(socket, "list-clients", "#{client_pid}");
        long pane = awaitTmux(socket, "list-panes", "#{pane_pid}");
        String status = daemon.awaitSessions(STEP, shellPid("login"), client);
        assertTrue(status.contains("\"kind\":\"tmux client\""), status);
        assertFalse(Daemon.sessions(status).contains(pane), "the shell inside tmux is no session of its own");

        // The SSH connection drops: the login and its tmux client get SIGHUP; tmux's server and the
        // shell in its window live on, detached, and must not keep the switch attached.
        ssh.dropConnection();
        assertRehearsed(daemon);
        assertTrue(ProcessHandle.of(pane).map(ProcessHandle::isAlive).orElse(false),
                "the shell inside tmux still lives: this is the case the window must open for");
        assertTrue(daemon.log().contains("LOST presence: the last session"), daemon.log());
        tmux(socket, "kill-server");
    }

    @Test
    void insideScreenNothingRegistersTheLoginCounts() throws Exception {
        Shell.BASH.assumeInstalled();
        Daemon daemon = startDaemon();
        env.put("STY", "4242.pts-0.host");
        PtyShell inScreen = startShell(Shell.BASH, "screen", rc(Shell.BASH, "", source(Shell.BASH)));
        env.remove("STY");
        PtyShell login = startShell(Shell.BASH, "login", rc(Shell.BASH, "", source(Shell.BASH)));
        daemon.awaitSessions(STEP, shellPid("login"));
        inScreen.sync(STEP);
        assertEquals(Daemon.sessions(daemon.status()), java.util.Set.of(shellPid("login")));
        assertFalse(Files.exists(socketDir.resolve("sessions/" + shellPid("screen"))));
        assertFalse(PtyShell.readable(inScreen.screen()).contains("dazai:"), inScreen.screen());
        login.type("exit");
        login.awaitExit(STEP);
        assertRehearsed(daemon);
    }

    @ParameterizedTest
    @EnumSource(Shell.class)
    void aShellStartedBeforeTheDaemonCountsOnceItRuns(Shell shell) throws Exception {
        shell.assumeInstalled();
        // A daemon ran here before (its directories stay); this shell starts while none runs.
        Files.createDirectories(socketDir.resolve("sessions"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.setPosixFilePermissions(socketDir, PosixFilePermissions.fromString("rwx------"));
        PtyShell pty = startShell(shell, "one", rc(shell, shell.nounset, source(shell)));
        pty.await("this shell counts once it runs", STEP);
        Daemon daemon = startDaemon();
        daemon.awaitSessions(STEP, shellPid("one"));
        pty.type("exit");
        pty.awaitExit(STEP);
        assertRehearsed(daemon);
    }

    // ---- the rc line itself --------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(Shell.class)
    void sourcingTwiceUnderNounsetChangesNothing(Shell shell) throws Exception {
        shell.assumeInstalled();
        Daemon daemon = startDaemon();
        PtyShell pty = startShell(shell, "one", rc(shell, shell.nounset, source(shell)));
        daemon.awaitSessions(STEP, shellPid("one"));
        pty.type(source(shell));
        pty.type(source(shell));
        pty.type("echo nounset=$((40+2))");
        pty.await("nounset=42", STEP);
        daemon.awaitSessions(STEP, shellPid("one"));
        assertEquals(1, count(daemon.log(), "SESSION_START"), daemon.log());
        String screen = PtyShell.readable(pty.screen());
        assertFalse(screen.contains("unbound variable") || screen.contains("parameter not set") || screen.contains("dazai:"),
                screen);
        pty.type("exit");
        pty.awaitExit(STEP);
        assertRehearsed(daemon);
    }

    @ParameterizedTest
    @EnumSource(Shell.class)
    void theLineShellInitPrintsGuardsTheSession(Shell shell) throws Exception {
        shell.assumeInstalled();
        String line = "eval \"$(" + javaJar() + " shell-init " + shell.binary + ")\"";
        Daemon daemon = startDaemon();
        PtyShell pty = startShell(shell, "one", rc(shell, shell.nounset, line));
        daemon.awaitSessions(STEP, shellPid("one"));
        pty.type("exit");
        pty.awaitExit(STEP);
        assertRehearsed(daemon);
    }

    @ParameterizedTest
    @EnumSource(Shell.class)
    void noDaemonEverIsOneLineNamingWhatToDo(Shell shell) throws Exception {
        shell.assumeInstalled();
        assertUnguarded(shell, "(no daemon: " + socketDir + " missing; start one (setsid -f dazai), then run: . "
                + shell.snippetFile() + ")");
    }

    @ParameterizedTest
    @EnumSource(Shell.class)
    void aDeadDaemonsPidfileIsOneLine(Shell shell) throws Exception {
        shell.assumeInstalled();
        Files.createDirectories(socketDir.resolve("sessions"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.setPosixFilePermissions(socketDir, PosixFilePermissions.fromString("rwx------"));
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor(30, TimeUnit.SECONDS);
        Files.writeString(socketDir.resolve("dazai.pid"), gone.pid() + "\n");
        assertUnguarded(shell, "(no daemon: pid " + gone.pid() + " in " + socketDir.resolve("dazai.pid") + " is gone;");
    }

    @ParameterizedTest
    @EnumSource(Shell.class)
    void aSocketDirectoryThatIsALinkIsOneLine(Shell shell) throws Exception {
        shell.assumeInstalled();
        Path elsewhere = Files.createDirectory(base.resolve("elsewhere"));
        Files.createSymbolicLink(socketDir, elsewhere);
        assertUnguarded(shell, "(" + socketDir + " is not a directory of yours; remove it or set DAZAI_SOCKET_DIR)");
    }

    @ParameterizedTest
    @EnumSource(Shell.class)
    void aNonInteractiveShellIsLeftAlone(Shell shell) throws Exception {
        shell.assumeInstalled();
        Daemon daemon = startDaemon();
        ProcessBuilder pb = new ProcessBuilder(shell.binary, "-c", source(shell) + "; echo sourced-ok");
        pb.environment().clear();
        pb.environment().putAll(env);
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(STEP.toSeconds(), TimeUnit.SECONDS));
        assertEquals("sourced-ok\n", out, "no line and no entry for a script");
        try (var entries = Files.list(socketDir.resolve("sessions"))) {
            assertEquals(0, entries.count());
        }
        assertTrue(daemon.status().contains("\"sessions\":[]"), daemon.status());
    }

    // ---- completion ----------------------------------------------------------------------------

    @Test
    void zshCompletesSubcommandsWithCompinitBeforeTheLineAfterItOrNotAtAll() throws Exception {
        Shell.ZSH.assumeInstalled();
        Map<String, String> rcs = new LinkedHashMap<>();
        rcs.put("before", "autoload -Uz compinit; compinit\n" + source(Shell.ZSH));
        rcs.put("after", source(Shell.ZSH) + "\nautoload -Uz compinit; compinit");
        rcs.put("none", source(Shell.ZSH));
        for (Map.Entry<String, String> c : rcs.entrySet()) {
            Files.deleteIfExists(home.resolve(".zcompdump"));
            PtyShell pty = startShell(Shell.ZSH, c.getKey(), rc(Shell.ZSH, "", c.getValue()));
            pty.sync(STEP);
            pty.typeRaw("dazai \t");
            pty.await("shell-init", STEP);
            String screen = PtyShell.readable(pty.screen());
            assertTrue(screen.contains("heartbeat") && screen.contains("status") && screen.contains("panic"),
                    c.getKey() + ":\n" + screen);
            assertFalse(screen.contains("command not found") || screen.contains("compopt"), c.getKey() + ":\n" + screen);
            pty.dropConnection();
        }
    }

    @Test
    void bashCompletesASubcommandWithoutAProcess() throws Exception {
        Shell.BASH.assumeInstalled();
        PtyShell pty = startShell(Shell.BASH, "one", rc(Shell.BASH, "", source(Shell.BASH)));
        pty.sync(STEP);
        // "sta" + TAB becomes "status"; the command then shows status's own help.
        pty.typeRaw("dazai sta\t --help\n");
        pty.await("Print the daemon's STATUS line", STEP);
    }

    // ---- helpers -------------------------------------------------------------------------------

    private void assertUnguarded(Shell shell, String reason) throws Exception {
        PtyShell pty = startShell(shell, "one", rc(shell, shell.nounset, source(shell)));
        pty.type("echo usable=$((6*7))");
        pty.await("usable=42", STEP);
        pty.type("exit");
        assertEquals(0, pty.awaitExit(STEP));
        String screen = PtyShell.readable(pty.screen());
        String line = "dazai: session UNGUARDED " + reason;
        assertEquals(1, count(screen, "dazai: session UNGUARDED ("), "one line:\n" + screen);
        assertTrue(screen.contains(line), "expected \"" + line + "\" in:\n" + screen);
    }

    private static void assertRehearsed(Daemon daemon) throws InterruptedException {
        assertEquals(0, daemon.awaitExit(STEP), "a dry-run daemon exits 0 after its rehearsal:\n" + daemon.log());
        assertTrue(daemon.log().contains("WIPED") && daemon.log().contains("WOULD SIGKILL self"),
                "the rehearsal ran to its end:\n" + daemon.log());
    }

    private Daemon startDaemon() throws IOException, InterruptedException {
        Daemon d = Daemon.start(jar(), env, socketDir, base.resolve("daemon.log"), GRACE_SECONDS, STEP);
        open.add(d);
        return d;
    }

    /** An interactive shell on its own pty; {@code tag} names it in the test (its PID lands in $HOME/pid.TAG). */
    private PtyShell startShell(Shell shell, String tag, String rcText) throws IOException {
        Files.writeString(home.resolve(shell.rcFile), rcText);
        Map<String, String> own = new LinkedHashMap<>(env);
        own.put("TAG", tag);
        PtyShell pty = PtyShell.start(shell, own, home);
        open.add(pty);
        return pty;
    }

    /** A bash login on its own pty: ~/.bash_profile sources ~/.bashrc, as Debian's does. */
    private PtyShell login(String tag) throws IOException {
        Files.writeString(home.resolve(".bashrc"), rc(Shell.BASH, "", source(Shell.BASH)));
        Files.writeString(home.resolve(".bash_profile"), "[ -z \"${PANE-}\" ] || TAG=pane\n. \"$HOME/.bashrc\"\n");
        Map<String, String> own = new LinkedHashMap<>(env);
        own.put("TAG", tag);
        PtyShell pty = PtyShell.run("exec bash -l -i", own, home);
        open.add(pty);
        return pty;
    }

    /** A user's rc file: a plain prompt, lines before ours, our line. The shell notes its PID for the test. */
    private static String rc(Shell shell, String before, String ours) {
        return "PS1='$ '\n"
                + "echo $$ > \"$HOME/pid.$TAG\"\n"
                + before + "\n"
                + ours + "\n";
    }

    private static String source(Shell shell) {
        return ". '" + shell.snippetFile() + "'";
    }

    private static Path jar() {
        Path jar = Path.of(System.getProperty("dazai.jar", "../app/target/app.jar")).toAbsolutePath().normalize();
        assertTrue(Files.isRegularFile(jar), "no " + jar + ": build it first (mvn -B verify -pl shell -am)");
        return jar;
    }

    private static String javaJar() {
        return "'" + Daemon.javaBinary() + "' -jar '" + jar() + "'";
    }

    private long shellPid(String tag) throws IOException, InterruptedException {
        Path file = home.resolve("pid." + tag);
        long deadline = System.nanoTime() + STEP.toNanos();
        while (!Files.exists(file) || Files.readString(file).isBlank()) {
            assertTrue(System.nanoTime() < deadline, "shell " + tag + " never ran its rc file");
            Thread.sleep(20);
        }
        return Long.parseLong(Files.readString(file).strip());
    }

    /** Field 6 of /proc/PID/stat: the session the process belongs to. */
    private static long sessionOf(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[3]);
    }

    private static boolean isJava(long pid) {
        try {
            return Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "exe")).getFileName().toString().equals("java");
        } catch (IOException e) {
            return false;
        }
    }

    /** Waits until tmux lists one {@code what} and returns its number ({@code format}). */
    private static long awaitTmux(Path socket, String what, String format) throws Exception {
        long deadline = System.nanoTime() + STEP.toNanos();
        while (true) {
            String out = tmux(socket, what, "-F", format).strip();
            if (out.matches("\\d+")) {
                return Long.parseLong(out);
            }
            assertTrue(System.nanoTime() < deadline, "tmux " + what + " never listed one: " + out);
            Thread.sleep(100);
        }
    }

    private static String tmux(Path socket, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("tmux", "-S", socket.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS);
        return out;
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
