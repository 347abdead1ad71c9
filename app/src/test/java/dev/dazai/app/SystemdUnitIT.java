package dev.dazai.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The systemd user unit of the distribution (lib/systemd/user/dazai.service), as install.sh writes
 * it: systemd's own verifier and security score, the syscall filter against the calls the daemon
 * makes, and (as root) a real start under an unprivileged user's own systemd user manager, sandbox
 * and all, down to an armed fire that kills a holder outside the sandbox.
 */
class SystemdUnitIT {

    private static final Path TREE = DistIT.TREE;

    @TempDir
    Path tmp;

    /** Installs into tmp/prefix with HOME tmp/home; returns the unit file written. */
    private Path install() throws Exception {
        Path home = Files.createDirectories(tmp.resolve("home"));
        Run r = run(Map.of("HOME", home.toString()), "sh", TREE.resolve("install.sh").toString(), "--prefix",
                tmp.resolve("prefix").toString());
        assertEquals(0, r.exit, r.out);
        return home.resolve(".config/systemd/user/dazai.service");
    }

    @Test
    void theInstalledUnitPassesSystemdAnalyzeVerify() throws Exception {
        assumeTool("systemd-analyze");
        Path unit = install();
        Path runtime = Files.createDirectories(tmp.resolve("rt"));
        Files.setPosixFilePermissions(runtime, PosixFilePermissions.fromString("rwx------"));
        Map<String, String> env = Map.of("HOME", tmp.resolve("home").toString(), "XDG_RUNTIME_DIR", runtime.toString(),
                "MANPATH", tmp.resolve("prefix/share/man").toString());

        Run verify = run(env, "systemd-analyze", "--user", "verify", unit.toString());

        // It checks ExecStart= names an executable and Documentation=man:dazai(1) a page man finds.
        assertEquals(0, verify.exit, verify.out);
        assertEquals("", verify.out.strip());
        String text = Files.readString(unit);
        assertTrue(text.contains("\nDocumentation=man:dazai(1)\n"), text);
        assertTrue(text.contains("\nStandardInput=file:%h/.config/dazai/secret\n") && text.contains("--secret-stdin"), text);
    }

    @Test
    void theExposureScoreIsAtMostSeven() throws Exception {
        assumeTool("systemd-analyze");
        Path unit = TREE.resolve("lib/systemd/user/dazai.service");
        Run security = run(Map.of(), "systemd-analyze", "security", "--offline=true", unit.toString());
        Matcher m = Pattern.compile("Overall exposure level for dazai\\.service: (\\d+\\.\\d+)").matcher(security.out);
        assertTrue(m.find(), security.out);
        double exposure = Double.parseDouble(m.group(1));
        assertTrue(exposure <= 7.0, "exposure " + exposure + " (8.9 before wave 2):\n" + security.out);
    }

    /** The filter is an allow list minus a deny list, of groups that contain groups: expanded by systemd itself. */
    @Test
    void theSyscallFilterAllowsEveryCallTheDaemonNeeds() throws Exception {
        assumeTool("systemd-analyze");
        Set<String> allowed = new HashSet<>();
        Set<String> denied = new HashSet<>();
        for (String line : Files.readAllLines(TREE.resolve("lib/systemd/user/dazai.service"))) {
            if (line.startsWith("SystemCallFilter=")) {
                String value = line.substring("SystemCallFilter=".length()).strip();
                boolean deny = value.startsWith("~");
                for (String item : (deny ? value.substring(1) : value).split("\\s+")) {
                    (deny ? denied : allowed).addAll(expand(item, new HashMap<>()));
                }
            }
        }
        allowed.removeAll(denied);
        for (String call : List.of("memfd_secret", "pidfd_open", "pidfd_send_signal", "mlock", "madvise", "mprotect",
                "mmap", "prctl", "setrlimit", "prlimit64", "rt_sigaction", "kill", "clone3", "getrandom", "socket",
                "bind", "listen", "accept4", "sendmsg", "recvmsg", "execve", "membarrier", "sched_getaffinity")) {
            assertTrue(allowed.contains(call), call + " is not allowed by the unit's SystemCallFilter=");
        }
        for (String call : List.of("ptrace", "mount", "setuid", "init_module", "kexec_load")) {
            assertFalse(allowed.contains(call), call + " should stay filtered");
        }
    }

    private Set<String> expand(String item, Map<String, Set<String>> seen) throws Exception {
        if (!item.startsWith("@")) {
            return Set.of(item);
        }
        if (seen.containsKey(item)) {
            return seen.get(item);
        }
        Set<String> calls = new HashSet<>();
        seen.put(item, calls);
        Run r = run(Map.of(), "systemd-analyze", "syscall-filter", item);
        assertEquals(0, r.exit, r.out);
        for (String line : r.out.lines().skip(1).toList()) {
            String name = line.strip();
            if (!name.isEmpty() && !name.startsWith("#")) {
                calls.addAll(expand(name, seen));
            }
        }
        return calls;
    }

    /**
     * The unit as installed, started for real: an unprivileged user's own `systemd --user` (PID 1
     * here is not systemd; the script gives the manager a private /run/systemd, /home and
     * /run/user and a delegated cgroup, as user@.service would). Proves the hardening works in a
     * user manager: the JVM runs under the seccomp filter and in its own user and network
     * namespaces, sends READY=1, answers a client from outside, stops cleanly, and armed kills a
     * holder outside the sandbox by pidfd before it SIGKILLs itself.
     */
    @Test
    void aRealStartUnderAnUnprivilegedUsersOwnUserManager() throws Exception {
        Assumptions.assumeTrue(uid() == 0, "needs root: it mounts private tmpfs and runs a user manager as uid 65534");
        // Where systemd runs, systemctl --user starts the unit without any of this; the script fakes only
        // what a user manager needs from a booted systemd, and must not meet the real one's cgroups.
        Assumptions.assumeFalse(Files.isDirectory(Path.of("/run/systemd/system")),
                "systemd is running here: start the unit with systemctl --user instead");
        for (String tool : List.of("/lib/systemd/systemd", "/usr/bin/setpriv", "/usr/bin/unshare", "/usr/bin/systemctl")) {
            Assumptions.assumeTrue(Files.isExecutable(Path.of(tool)), tool + " is missing");
        }
        // uid 65534 must be able to read the tree it installs from.
        Path tree = tmp.resolve("tree");
        assertEquals(0, run(Map.of(), "cp", "-a", TREE.toString(), tree.toString()).exit);
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createDirectories(tmp.resolve("run-systemd"));
        Path script = tmp.resolve("user-manager.sh");
        try (InputStream in = SystemdUnitIT.class.getResourceAsStream("user-manager.sh")) {
            Files.copy(in, script);
        }
        String cgroup = "dazai-unit-it-" + ProcessHandle.current().pid();
        Map<String, String> got;
        try {
            Run r = run(Map.of(), "timeout", "300", "unshare", "-m", "--propagation", "private", "sh", script.toString(),
                    tree.toString(), tmp.toString(), cgroup);
            got = keys(r.out);
            assertEquals("yes", got.get("DONE"), r.out + "\njournal:\n" + Dazai.read(tmp.resolve("daemon.err")));
        } finally {
            removeCgroups(cgroup);
        }
        String journal = Dazai.read(tmp.resolve("daemon.err"));
        assertEquals("0", got.get("INSTALL_RC"));
        assertEquals("0", got.get("START_RC"), "Type=notify: READY=1 arrived\n" + journal);
        assertEquals("active", got.get("ACTIVE"));
        assertTrue(got.get("STATUS_TEXT").startsWith("holding the secret"), got.toString());
        assertEquals("1", got.get("NO_NEW_PRIVS"));
        assertEquals("2", got.get("SECCOMP"), "a seccomp filter is in force");
        assertEquals("0000000000000000", got.get("CAP_BOUNDING"));
        assertEquals("yes", got.get("OWN_NET_NS"));
        assertEquals("yes", got.get("OWN_USER_NS"));
        assertTrue(got.get("CMDLINE").contains("/lib/dazai/jvm.options") && !got.get("CMDLINE").contains("dazai.reexec"),
                "started by the installed launcher, no re-exec: " + got.get("CMDLINE"));
        assertTrue(got.get("CLIENT_STATUS").contains("\"pid\":" + got.get("MAIN_PID")), got.get("CLIENT_STATUS"));
        assertTrue(got.get("CLIENT_STATUS").contains("\"secret_bytes\":32"), "the secret came from the file: "
                + got.get("CLIENT_STATUS"));
        assertTrue(got.get("CLIENT_STATUS").contains("\"locked\":true"), got.get("CLIENT_STATUS"));
        assertEquals("inactive success", got.get("STOPPED"), "SIGTERM: a clean stop, exit 0");
        assertEquals("no", got.get("RUNTIME_DIR_LEFT"));
        assertEquals("0", got.get("ARMED_START_RC"));
        assertEquals("yes", got.get("HOLDER_KILLED"), got + "\n" + journal);
        assertEquals("failed signal 2 9", got.get("ARMED_END"), "the armed daemon ended by SIGKILL: " + journal);
        assertTrue(journal.contains("DIE SIGKILL self"), journal);
    }

    private static long uid() {
        return dev.dazai.app.cli.Locations.uid();
    }

    private static Map<String, String> keys(String out) {
        Map<String, String> keys = new LinkedHashMap<>();
        for (String line : out.lines().toList()) {
            int eq = line.indexOf('=');
            if (eq > 0 && line.substring(0, eq).matches("[A-Z_]+")) {
                keys.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return keys;
    }

    /** The test's cgroups, in every hierarchy, deepest first (they are empty once the manager is gone). */
    private static void removeCgroups(String name) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] f = line.split(" ");
            int dash = List.of(f).indexOf("-");
            String type = f[dash + 1];
            if (type.equals("cgroup2") || (type.equals("cgroup") && f[f.length - 1].contains("name=systemd"))) {
                Path dir = Path.of(f[4], name);
                if (Files.isDirectory(dir)) {
                    try (Stream<Path> all = Files.walk(dir)) {
                        for (Path d : all.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList()) {
                            new File(d.toString()).delete();
                        }
                    }
                }
            }
        }
    }

    private static void assumeTool(String tool) {
        boolean found = Stream.of(System.getenv("PATH").split(":")).anyMatch(d -> Files.isExecutable(Path.of(d, tool)));
        Assumptions.assumeTrue(found, tool + " is not installed (it comes with systemd)");
    }

    private record Run(int exit, String out) {
    }

    private Run run(Map<String, String> env, String... cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(List.of(cmd))).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(320, TimeUnit.SECONDS), String.join(" ", cmd) + " did not finish");
        return new Run(p.exitValue(), out);
    }
}
