package dev.dazai.app.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code prctl(PR_SET_NO_NEW_PRIVS)}: once set, nothing the daemon or its holders exec gains
 * privileges (setuid bits, file capabilities). Checked where the kernel keeps it,
 * {@code /proc/<pid>/status}, on the real app.jar started as the README starts it, and in what the
 * daemon reports: STATUS, {@code dazai status} (text and JSON) and the start banner.
 */
class NoNewPrivsIT {

    @TempDir
    Path tmp;

    private Lab lab;

    @BeforeEach
    void setUp() throws Exception {
        lab = new Lab(tmp);
    }

    @AfterEach
    void tearDown() {
        lab.close();
    }

    /** NoNewPrivs of /proc/PID/status (the leader thread's): "1" or "0"; empty once the process is gone. */
    static Optional<String> noNewPrivs(long pid) {
        return noNewPrivs(pid, pid);
    }

    /** NoNewPrivs of one thread, /proc/PID/task/TID/status; empty once it is gone. */
    static Optional<String> noNewPrivs(long pid, long tid) {
        try {
            Path status = Path.of("/proc", Long.toString(pid), "task", Long.toString(tid), "status");
            for (String line : Files.readAllLines(status, StandardCharsets.UTF_8)) {
                if (line.startsWith("NoNewPrivs:")) {
                    return Optional.of(line.substring("NoNewPrivs:".length()).strip());
                }
            }
        } catch (java.io.IOException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    private Host.Run client(TargetDaemon d, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--socket-dir", d.socketDir().toString()));
        return Host.run(Duration.ofSeconds(60), lab.javaCommand(List.of(), all));
    }

    @Test
    void theDaemonRunsWithNoNewPrivsAndSaysSo() throws Exception {
        assumeTrue(noNewPrivs(ProcessHandle.current().pid()).isPresent(), "needs a kernel with NoNewPrivs in /proc/PID/status (3.5+)");
        TargetDaemon d = lab.daemon("nnp").start();
        assertEquals(Optional.of("1"), noNewPrivs(d.pid()), "the kernel's word, /proc/" + d.pid() + "/status");
        // The kernel keeps it per thread: every one of the daemon's threads must have it.
        List<String> without = new ArrayList<>();
        int threads = 0;
        try (var tasks = Files.list(Path.of("/proc", Long.toString(d.pid()), "task"))) {
            for (Path task : tasks.toList()) {
                threads++;
                if (!noNewPrivs(d.pid(), Long.parseLong(task.getFileName().toString())).orElse("1").equals("1")) {
                    without.add(task.getFileName().toString());
                }
            }
        }
        assertEquals(List.of(), without, "threads of " + threads + " without NoNewPrivs");
        assertEquals("true", Host.jsonField(d.status(), "no_new_privs"), "STATUS says so");

        Host.Run json = client(d, "status", "--json");
        assertEquals(0, json.exit(), json.both());
        assertEquals("true", Host.jsonField(json.stdout(), "no_new_privs"), json.stdout());
        Host.Run text = client(d, "status");
        assertEquals(0, text.exit(), text.both());
        assertTrue(text.stdout().contains("no_new_privs set"), text.stdout());
        assertTrue(d.stdout().contains("no_new_privs set"), "the banner says so:\n" + d.stdout());
        String cmdline = Files.readString(Path.of("/proc", Long.toString(d.pid()), "cmdline")).replace('\0', ' ');
        assertTrue(cmdline.contains("-Ddazai.reexec=1"), "it re-exec'd itself first (set after the exec): " + cmdline);
        System.out.printf("FIGURE no_new_privs daemon=%s threads=%d all=%b%n", noNewPrivs(d.pid()).orElse("?"), threads,
                without.isEmpty());
    }

    /**
     * no_new_privs does not stop an exec, only privilege gains through it: a daemon started under
     * it (by a hardened supervisor, say) still re-execs itself into its hardening flags.
     */
    @Test
    void startedUnderNoNewPrivsItStillReexecsIntoItsFlags() throws Exception {
        assumeTrue(Host.onPath("setpriv"), "needs setpriv (util-linux) to start the daemon under no_new_privs");
        TargetDaemon d = lab.daemon("under-nnp").wrappedIn(List.of("setpriv", "--no-new-privs")).start();
        String cmdline = Files.readString(Path.of("/proc", Long.toString(d.pid()), "cmdline")).replace('\0', ' ');
        assertTrue(cmdline.contains("-Ddazai.reexec=1") && cmdline.contains("-XX:+DisableAttachMechanism"),
                "re-exec'd with its flags: " + cmdline);
        assertEquals(Optional.of("1"), noNewPrivs(d.pid()));
        assertTrue(!d.log().contains("re-exec"), "no re-exec warning:\n" + d.log());
    }
}
