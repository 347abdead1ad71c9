package dev.dazai.app.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fake daemon, and the clients that must not believe it. With XDG_RUNTIME_DIR unset the socket
 * directory is the predictable {@code /tmp/dazai-UID}: another user can make it first and listen
 * there. Before the clients checked, {@code status} printed the fake's forged ARMED state,
 * {@code heartbeat} attached to it (so the shell never said UNGUARDED), and {@code signal KILL}
 * killed a process of the user's own whose PID the fake named in its pidfile and STATUS.
 *
 * <p>The fake is socat as {@code nobody} (uid 65534), answering every request with a forged
 * reply and writing down every line it receives. Three traps, each set at {@code --socket-dir}
 * (the default path is not used: other daemons on this machine may live there):
 * <ul>
 *   <li>the fake's own directory (owned by 65534, mode 0755): refused before connecting;</li>
 *   <li>the user's own 0700 directory, the fake bound in it with CAP_DAC_OVERRIDE: the directory
 *       passes, the server's SO_PEERCRED uid does not, and nothing is sent;</li>
 *   <li>the user's own directory at mode 0755, and a symbolic link to a good one: refused.</li>
 * </ul>
 * Every client command must end with exit 3 and one line, send nothing, and kill nothing.
 */
class ImpostorIT {

    private static final int NOBODY = 65534;

    /** Every client that talks to a socket, with the victim's PID filled in where one is asked for. */
    private static List<List<String>> clients(long victim) {
        return List.of(
                List.of("status"),
                List.of("status", "--json"),
                List.of("panic"),
                List.of("panic", "--hard"),
                List.of("register", Long.toString(victim)),
                List.of("cancel"),
                List.of("signal", "KILL"),
                List.of("signal", "HUP"),
                List.of("heartbeat"));
    }

    /** Answers as a daemon would, but forged; writes down connections and every line received. */
    private static final String SERVE = String.join("\n",
            "#!/bin/sh",
            "dir=$(dirname \"$0\"); kind=$1",
            "echo connect >> \"$dir/connections.$kind\"",
            "while IFS= read -r line; do",
            "  printf '%s\\n' \"$line\" >> \"$dir/received.$kind\"",
            "  case \"$line\" in",
            "    STATUS*) cat \"$dir/status.json\" ;;",
            "    SIGNALS*) cat \"$dir/signals.json\" ;;",
            "    HELLO*) echo WELCOME ;;",
            "    PING*) echo PONG ;;",
            "    CANCEL*) echo CANCELLED ;;",
            "    QUIT*) echo BYE; exit 0 ;;",
            "    *) echo OK ;;",
            "  esac",
            "done",
            "");

    @TempDir
    Path tmp;

    private Lab lab;
    private Process victim;

    @BeforeAll
    static void rootAndTools() {
        assumeTrue(Host.isRoot(), "needs root: to run the fake daemon as another uid and to chown its directory");
        assumeTrue(Host.onPath("socat"), "needs socat (apt-get install socat; .ci/run does)");
        assumeTrue(Host.onPath("setpriv"), "needs setpriv (util-linux) to run the fake as uid " + NOBODY);
    }

    @BeforeEach
    void setUp() throws IOException {
        lab = new Lab(tmp);
        // Traversable by nobody, so the fake can live below it; the traps are the directories inside.
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        victim = lab.holder();
    }

    @AfterEach
    void tearDown() {
        lab.close();
    }

    /** A directory with the fake's script, its forged replies and a pidfile naming the victim. */
    private Path fakeDaemonDir(String name, String mode) throws IOException {
        Path dir = Files.createDirectory(tmp.resolve(name));
        Files.writeString(dir.resolve("serve.sh"), SERVE);
        Files.setPosixFilePermissions(dir.resolve("serve.sh"), PosixFilePermissions.fromString("rwxr-xr-x"));
        long v = victim.pid();
        Files.writeString(dir.resolve("status.json"), "{\"pid\":" + v + ",\"state\":\"Grace\",\"mode\":\"Armed\","
                + "\"grace_ms\":600000,\"ping_timeout_ms\":0,\"grace_left_ms\":500000,\"heartbeat_pid\":null,"
                + "\"last_ping_ms_ago\":null,\"holders\":[],\"secret_bytes\":32,\"memory\":{\"kind\":\"secretmem\","
                + "\"locked\":true,\"dontdump\":true,\"secretmem\":true,\"guard_pages\":true,\"fork_safe\":true,"
                + "\"locked_kb\":4},\"no_new_privs\":true}\n");
        Files.writeString(dir.resolve("signals.json"), "{\"pid\":" + v + ",\"signals\":["
                + "{\"signal\":\"KILL\",\"number\":9,\"action\":\"graceful panic\",\"how\":\"forged\"},"
                + "{\"signal\":\"HUP\",\"number\":1,\"action\":\"graceful panic\",\"how\":\"forged\"}]}\n");
        Files.writeString(dir.resolve("dazai.pid"), v + "\n");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString(mode));
        return dir;
    }

    /** socat on both sockets of {@code dir}, as {@code prefix} says (a uid, capabilities), until the test ends. */
    private void listen(Path dir, List<String> prefix) throws Exception {
        for (String kind : List.of("control", "heartbeat")) {
            List<String> cmd = new ArrayList<>(prefix);
            cmd.addAll(List.of("socat", "UNIX-LISTEN:" + dir.resolve(kind + ".sock") + ",fork,mode=666",
                    "EXEC:/bin/sh " + dir.resolve("serve.sh") + " " + kind));
            lab.spawn(cmd);
        }
        Host.eventually("the fake's sockets", () -> Files.exists(dir.resolve("control.sock"))
                && Files.exists(dir.resolve("heartbeat.sock")));
    }

    private static List<String> asNobody(boolean pastFileModes) {
        List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups"));
        if (pastFileModes) {
            cmd.addAll(List.of("--inh-caps=+dac_override", "--ambient-caps=+dac_override"));
        }
        return cmd;
    }

    /** One client's end: its exit (-1 if it was still running after the wait: attached, or hung) and output. */
    record Ran(List<String> args, int exit, String stdout, String stderr) {
        @Override
        public String toString() {
            return String.join(" ", args) + " → exit " + exit + "\n  stdout: " + stdout.strip() + "\n  stderr: " + stderr.strip();
        }
    }

    private Ran client(List<String> args, Path socketDir) throws Exception {
        List<String> all = new ArrayList<>(args);
        all.addAll(List.of("--socket-dir", socketDir.toString()));
        int n = lab.next();
        Path out = tmp.resolve("client" + n + ".out");
        Path err = tmp.resolve("client" + n + ".err");
        ProcessBuilder pb = new ProcessBuilder(lab.javaCommand(List.of(), all))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        pb.environment().remove("XDG_RUNTIME_DIR");
        pb.environment().remove("DAZAI_SOCKET_DIR");
        Process p = lab.track(pb.start());
        int exit = -1;
        if (p.waitFor(30, TimeUnit.SECONDS)) {
            exit = p.exitValue();
        } else {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        return new Ran(args, exit, Host.read(out), Host.read(err));
    }

    /** Every client: exit 3, one line saying what to do, no forged state believed; the victim lives. */
    private List<Ran> assertEveryClientRefuses(Path socketDir, List<List<String>> which, String why) throws Exception {
        List<Ran> runs = new ArrayList<>();
        List<String> wrong = new ArrayList<>();
        for (List<String> args : which) {
            Ran r = client(args, socketDir);
            runs.add(r);
            List<String> lines = r.stderr().strip().lines().toList();
            boolean ok = r.exit() == 3
                    && lines.size() == 1 && lines.get(0).startsWith("dazai: ") && lines.get(0).contains(why)
                    && !r.stdout().contains("ARMED") && !r.stdout().contains("Grace")
                    && victim.isAlive();
            if (!ok) {
                wrong.add(r.toString() + (victim.isAlive() ? "" : "\n  AND THE VICTIM (pid " + victim.pid() + ") IS DEAD"));
            }
        }
        assertEquals(List.of(), wrong, "clients that did not refuse with exit 3 and one line containing '" + why + "'");
        assertTrue(victim.isAlive(), "the user's own process, named by the fake, still lives");
        return runs;
    }

    private static String received(Path dir) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (String kind : List.of("control", "heartbeat")) {
            Path f = dir.resolve("received." + kind);
            if (Files.exists(f)) {
                sb.append(kind).append(": ").append(Files.readString(f));
            }
        }
        return sb.toString();
    }

    private static boolean connected(Path dir) {
        return Files.exists(dir.resolve("connections.control")) || Files.exists(dir.resolve("connections.heartbeat"));
    }

    @Test
    void aDirectoryAnotherUserOwnsIsRefusedBeforeAnyConnection() throws Exception {
        Path dir = fakeDaemonDir("theirs", "rwxr-xr-x");
        Host.run("chown", "-R", NOBODY + ":" + NOBODY, dir.toString());
        listen(dir, asNobody(false));

        List<Ran> runs = assertEveryClientRefuses(dir, clients(victim.pid()), "owned by uid " + NOBODY);
        assertEquals("", received(dir), "the fake received nothing");
        assertTrue(!connected(dir), "no client even connected");
        System.out.printf("FIGURE impostor.foreign_directory clients=%d refused=%d received=0 connected=0%n%s%n",
                runs.size(), runs.size(), runs.get(0));
    }

    @Test
    void aServerOfAnotherUidInYourOwnDirectoryIsRefusedBeforeAnythingIsSent() throws Exception {
        Path dir = fakeDaemonDir("yours", "rwx------");
        listen(dir, asNobody(true));
        assertEquals(NOBODY, (Integer) Files.getAttribute(dir.resolve("control.sock"), "unix:uid"), "the fake bound it");

        List<Ran> runs = assertEveryClientRefuses(dir, clients(victim.pid()), "uid " + NOBODY);
        assertEquals("", received(dir), "the fake received nothing");
        System.out.printf("FIGURE impostor.foreign_server clients=%d refused=%d received=0%n%s%n",
                runs.size(), runs.size(), runs.get(0));
    }

    /**
     * Even a server that passes every check (your uid, your 0700 directory) cannot name the PID
     * that {@code signal} sends to: only the kernel's word counts, the PID of the process that
     * listens (SO_PEERCRED), and here that is socat, not the process the pidfile and STATUS name.
     */
    @Test
    void aServerThatPassesStillCannotNameThePidToSignal() throws Exception {
        Path dir = fakeDaemonDir("own", "rwx------");
        listen(dir, List.of());
        Ran r = client(List.of("signal", "KILL"), dir);
        assertEquals(3, r.exit(), r.toString());
        assertTrue(r.stderr().contains("but the process listening on " + dir.resolve("control.sock") + " is pid"), r.toString());
        assertTrue(victim.isAlive(), "the process the pidfile and STATUS named still lives");
        System.out.printf("FIGURE impostor.pid_from_kernel refused=1 victim_alive=%b%n", victim.isAlive());
    }

    @Test
    void yourOwnDirectoryOpenToOthersOrBehindALinkIsRefused() throws Exception {
        List<List<String>> some = List.of(List.of("status"), List.of("heartbeat"), List.of("signal", "KILL"));

        Path open = fakeDaemonDir("open", "rwxr-xr-x");
        listen(open, List.of());
        assertEveryClientRefuses(open, some, "mode 0755");
        assertEquals("", received(open), "nothing sent through an open directory");

        Path real = fakeDaemonDir("real", "rwx------");
        listen(real, List.of());
        Path link = Files.createSymbolicLink(tmp.resolve("link"), real);
        assertEveryClientRefuses(link, some, "symbolic link");
        assertEquals("", received(real), "nothing sent through a link");
        System.out.printf("FIGURE impostor.own_directory open=refused link=refused clients=%d%n", 2 * some.size());
    }
}
