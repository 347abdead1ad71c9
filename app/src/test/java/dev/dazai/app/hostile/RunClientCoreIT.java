package dev.dazai.app.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A thief with root takes a core of a {@code dazai run} client: once when it holds the secret's
 * fd and is about to exec (stopped there by a hidden test hook), and once as the command it
 * became. The client never reads the secret, so neither core holds a byte of it; the command
 * here ({@code sleep}) never reads it either. A positive control — a command that does read it
 * ({@code perl}) — must be found holding it, so a scan that sees nothing proves something.
 */
class RunClientCoreIT {

    private static final String[] SMALL_JVM = {
        "-Xmx64m", "-XX:CompressedClassSpaceSize=64m", "-XX:ReservedCodeCacheSize=32m", "-XX:+UseSerialGC"};

    @TempDir
    Path tmp;

    private Lab lab;
    private byte[] secret;

    @BeforeAll
    static void rootAndGdb() {
        assumeTrue(Host.isRoot(), "needs root: gcore of another process needs CAP_SYS_PTRACE");
        assumeTrue(Host.onPath("gcore") && Host.onPath("gdb"), "needs gdb's gcore (apt-get install gdb; .ci/run does)");
    }

    @BeforeEach
    void setUp() throws Exception {
        lab = new Lab(tmp);
        secret = MemoryForensicsIT.uncommonRandom(64);
    }

    @AfterEach
    void tearDown() {
        lab.close();
        // Daemons killed with SIGKILL clean nothing up: their empty consumer cgroups go here.
        dev.dazai.adapters.out.cgroup.CgroupContainment.probe().dir()
                .ifPresent(dev.dazai.adapters.out.cgroup.CgroupContainment::sweepStale);
    }

    private Process run(TargetDaemon d, String... cmd) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("run", "--socket-dir", d.socketDir().toString()));
        args.addAll(List.of(cmd));
        return lab.spawn(lab.javaCommand(List.of(SMALL_JVM), args));
    }

    @Test
    void aCoreOfTheRunClientBeforeAndAfterExecHoldsNoByteOfTheSecret() throws Exception {
        MemoryScan scan = new MemoryScan(secret);
        TargetDaemon d = lab.daemon("d").secretOnStdin(secret).start();

        // Positive control: a consumer that reads the secret into its own memory is found holding it.
        Path read = tmp.resolve("read");
        Process reader = run(d, "--", "perl", "-e", "open(my $f, '<&=', $ENV{DAZAI_SECRET_FD}) or die;"
                + " local $/; my $s = <$f>; open(my $m, '>', '" + read + "'); close $m; sleep 1000");
        Host.eventually("the perl consumer to read the secret", () -> Files.exists(read));
        List<MemoryScan.Hit> control = scan.scanFile(gcore(reader.pid(), "control"));
        assertFalse(scan.wholeCopies(control).isEmpty(), "positive control: the secret is in a core of perl");

        Process client = run(d, "--stop-before-exec", "--", "sleep", "1000");
        Host.eventually("the client to stop before exec", () -> state(client.pid()) == 'T');
        assertTrue(holdsAPipe(client.pid()), "stopped with the secret's pipe in hand");
        List<MemoryScan.Hit> before = scan.scanFile(gcore(client.pid(), "client"));
        assertEquals(List.of(), before, "the run client, holding the fd, holds no byte of the secret");

        Host.run("kill", "-CONT", Long.toString(client.pid()));
        Host.eventually("the client to become sleep", () -> cmdline(client.pid()).startsWith("sleep"));
        List<MemoryScan.Hit> after = scan.scanFile(gcore(client.pid(), "command"));
        assertEquals(List.of(), after, "the command it became holds no byte of it either");
    }

    private Path gcore(long pid, String name) throws Exception {
        Path prefix = tmp.resolve(name);
        Host.Run r = Host.run(Duration.ofMinutes(5), List.of("gcore", "-o", prefix.toString(), Long.toString(pid)));
        Path core = tmp.resolve(name + "." + pid);
        assertTrue(Files.isRegularFile(core) && Files.size(core) > 0, "gcore wrote no core (exit " + r.exit() + "):\n" + r.both());
        return core;
    }

    private static char state(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2);
        } catch (java.io.IOException e) {
            return '?';
        }
    }

    private static String cmdline(long pid) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(pid), "cmdline")).replace('\0', ' ');
        } catch (java.io.IOException e) {
            return "";
        }
    }

    private static boolean holdsAPipe(long pid) throws Exception {
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return fds.anyMatch(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().startsWith("pipe:");
                } catch (java.io.IOException e) {
                    return false;
                }
            });
        }
    }
}
