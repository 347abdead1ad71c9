package dev.dazai.app.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A thief with root on the running machine: takes a core of the daemon with gdb's gcore, reads
 * its memory through /proc/PID/mem, asks the JVM for a heap dump. The secret is 64 random bytes
 * fed on stdin; every 16-byte piece of it is looked for, so partial copies count too.
 *
 * <p>Each scan has a positive control: the same secret held by a plain {@code cat}, scanned the
 * same way, must be found, so a scanner that sees nothing cannot pass for a daemon that leaks
 * nothing.
 *
 * <p>The daemon runs with small heap, class-space and malloc-arena reservations: gdb writes every
 * mapping into the core, reserved or not, and a default JVM reserves a quarter of RAM plus 1 GiB,
 * and glibc 64 MiB per thread arena (a 9 GiB core of zeros on this machine). The reservations
 * change no code path the secret takes: it is read from stdin straight into native memory and
 * never enters the Java heap or malloc.
 */
class MemoryForensicsIT {

    private static final String[] SMALL_JVM = {
        "-Xmx96m", "-XX:CompressedClassSpaceSize=64m", "-XX:ReservedCodeCacheSize=48m"};

    @TempDir
    Path tmp;

    private Lab lab;
    private byte[] secret;

    @BeforeAll
    static void rootAndGdb() {
        assumeTrue(Host.isRoot(), "needs root: gcore and /proc/PID/mem of a non-dumpable process need CAP_SYS_PTRACE");
        assumeTrue(Host.onPath("gcore") && Host.onPath("gdb"), "needs gdb's gcore (apt-get install gdb; .ci/run does)");
    }

    @BeforeEach
    void setUp() throws IOException {
        lab = new Lab(tmp);
        secret = uncommonRandom(64);
    }

    @AfterEach
    void tearDown() {
        lab.close();
    }

    /** Random bytes with no piece that is mostly one value, so no hit can be a run of zeros or a pattern. */
    static byte[] uncommonRandom(int n) {
        SecureRandom random = new SecureRandom();
        while (true) {
            byte[] b = new byte[n];
            random.nextBytes(b);
            boolean ok = true;
            for (int i = 0; i < n; i += MemoryScan.PIECE) {
                long distinct = java.util.stream.IntStream.range(i, i + MemoryScan.PIECE).map(j -> b[j]).distinct().count();
                ok &= distinct >= 12;
            }
            if (ok) {
                return b;
            }
        }
    }

    /**
     * Where the daemon can put the secret. On this kernel it gets memfd_secret; with no locked
     * memory allowed at all (RLIMIT_MEMLOCK 0 and no CAP_IPC_LOCK) memfd_secret is refused and it
     * falls back to plain anonymous pages, marked don't-dump: the path older kernels take.
     */
    enum Memory {
        SECRETMEM(List.of()),
        ANONYMOUS(List.of("prlimit", "--memlock=0:0", "setpriv", "--bounding-set=-ipc_lock"));

        final List<String> wrapper;

        Memory(List<String> wrapper) {
            this.wrapper = wrapper;
        }

        String kind() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private TargetDaemon withSecret(Memory memory, TargetDaemon.Builder b) throws IOException {
        if (memory == Memory.ANONYMOUS) {
            assumeTrue(Host.onPath("prlimit") && Host.onPath("setpriv"), "needs prlimit and setpriv (util-linux)");
        }
        TargetDaemon d = b.secretOnStdin(secret).jvm(SMALL_JVM).env("MALLOC_ARENA_MAX", "2")
                .wrappedIn(memory.wrapper).start();
        assertEquals(memory.kind(), d.statusField("kind"), "the memory the daemon really got:\n" + d.status());
        assertEquals("64", d.statusField("secret_bytes"));
        return d;
    }

    private TargetDaemon armedWithSecret(Memory memory) throws IOException {
        return withSecret(memory, lab.daemon("armed").arm().grace(600));
    }

    /** gcore as root: returns the core file, which must exist. */
    private Path gcore(long pid, String name) throws Exception {
        Path prefix = tmp.resolve(name);
        Host.Run r = Host.run(Duration.ofMinutes(5), List.of("gcore", "-o", prefix.toString(), Long.toString(pid)));
        Path core = tmp.resolve(name + "." + pid);
        assertTrue(Files.isRegularFile(core) && Files.size(core) > 0, "gcore wrote no core (exit " + r.exit() + "):\n" + r.both());
        return core;
    }

    @ParameterizedTest
    @EnumSource(Memory.class)
    void aCoreOfTheArmedDaemonHoldsNoByteOfTheSecret(Memory kind) throws Exception {
        MemoryScan scan = new MemoryScan(secret);
        Process cat = lab.catHolding(secret);
        Path control = gcore(cat.pid(), "control-core");
        List<MemoryScan.Hit> controlHits = scan.scanFile(control);
        assertFalse(scan.wholeCopies(controlHits).isEmpty(), "positive control: the secret is found in a core of cat");
        Files.delete(control);

        TargetDaemon d = armedWithSecret(kind);
        assertEquals("Armed", d.statusField("mode"));
        String memory = d.status();
        Path core = gcore(d.pid(), "daemon-core");
        long size = Files.size(core);
        List<MemoryScan.Hit> hits = scan.scanFile(core);
        Files.delete(core);

        System.out.printf("FIGURE forensics.core kind=%s bytes=%d hits=%d memory=%s%n", kind, size, hits.size(),
                memory.substring(memory.indexOf("\"memory\"")));
        assertEquals(List.of(), hits, "pieces of the secret in a core of the armed daemon");
        assertTrue(d.alive(), "gcore leaves the daemon running");
        assertEquals("Waiting", d.statusField("state"));
    }

    @ParameterizedTest
    @EnumSource(Memory.class)
    void procMemOfTheArmedDaemonShowsTheSecretNowhereButItsOwnBuffer(Memory kind) throws Exception {
        MemoryScan scan = new MemoryScan(secret);
        Process cat = lab.catHolding(secret);
        assertFalse(scan.wholeCopies(scan.scanProcess(cat.pid()).hits()).isEmpty(),
                "positive control: the secret is found in cat's memory");

        TargetDaemon d = armedWithSecret(kind);
        MemoryScan.ProcessScan mem = scan.scanProcess(d.pid());

        System.out.printf("FIGURE forensics.procmem kind=%s read=%d refused=%d hits=%d whole=%d in=%s unreadable=%s%n",
                kind, mem.bytesRead(), mem.bytesUnreadable(), mem.hits().size(), scan.wholeCopies(mem.hits()).size(),
                mem.mappingsWithHits(), mem.unreadable());
        assertTrue(mem.bytesRead() > 16 << 20, "the scan read the JVM's memory, not nothing: " + mem.bytesRead());
        if (kind == Memory.SECRETMEM) {
            // memfd_secret pages are out of the kernel's direct map: /proc/PID/mem cannot read them at all.
            assertEquals(List.of(), mem.hits(), "with memfd_secret the secret is readable nowhere");
            assertTrue(mem.unreadable().stream().anyMatch(u -> u.contains("/secretmem")),
                    "the secret's own mapping is the one /proc/PID/mem refuses: " + mem.unreadable());
        } else {
            // Without it, the one allowed place is the don't-dump buffer itself, and it is there: one whole copy.
            List<MemoryScan.Mapping> where = mem.mappingsWithHits();
            assertEquals(1, where.size(), "exactly one mapping holds the secret: " + where);
            assertTrue(where.get(0).flags().contains("dd"), "and it is the don't-dump buffer: " + where);
            assertEquals(1, scan.wholeCopies(mem.hits()).size(), "one whole copy");
            assertEquals(scan.pieceCount(), mem.hits().size(), "and no stray piece anywhere: " + mem.hits());
        }
    }

    @ParameterizedTest
    @EnumSource(Memory.class)
    void afterADryRunWipeNoByteRemainsAnywhereBeforeExit(Memory kind) throws Exception {
        MemoryScan scan = new MemoryScan(secret);
        TargetDaemon d = withSecret(kind, lab.daemon("rehearsal").grace(0));
        int before = scan.scanProcess(d.pid()).hits().size();
        // In anonymous memory the secret is readable before the wipe: the scan after it is one that could see it.
        assertEquals(kind == Memory.ANONYMOUS ? scan.pieceCount() : 0, before, "pieces readable before the wipe");

        // gdb holds the daemon at the exit_group that ends the rehearsal: the wipe is done, nothing is freed yet.
        Path stopped = tmp.resolve("stopped");
        Path go = tmp.resolve("go");
        Path attached = tmp.resolve("attached");
        Path core = tmp.resolve("exit-core");
        Path script = tmp.resolve("at-exit.gdb");
        Files.writeString(script, String.join("\n",
                "set pagination off",
                "set confirm off",
                "handle all nostop noprint pass",
                "catch syscall exit_group",
                "shell touch " + attached,
                "continue",
                "generate-core-file " + core,
                "shell touch " + stopped,
                "shell while [ ! -e " + go + " ]; do sleep 0.05; done",
                "detach",
                "quit",
                ""));
        Process gdb = lab.spawn(List.of("gdb", "-q", "-batch", "-nx", "-p", Long.toString(d.pid()), "-x", script.toString()));
        Host.eventually("gdb attached to the daemon", () -> Files.exists(attached) || !gdb.isAlive());
        assertTrue(gdb.isAlive(), "gdb could not attach");

        assertEquals("OK", d.request("PANIC").orElseThrow());
        Host.eventually(Duration.ofMinutes(5), "the daemon stopped at exit_group with its core written",
                () -> Files.exists(stopped) || !gdb.isAlive());
        assertTrue(Files.exists(stopped), "gdb ended before the daemon reached exit_group:\n" + d.log());
        String logAtExit = d.log();
        MemoryScan.ProcessScan mem = scan.scanProcess(d.pid());
        List<MemoryScan.Hit> coreHits = scan.scanFile(core);
        long coreSize = Files.size(core);
        Files.delete(core);
        Files.writeString(go, "");

        assertEquals(0, d.awaitExit(), "the rehearsal exits 0 once gdb lets it go:\n" + d.log());
        System.out.printf("FIGURE forensics.after-wipe kind=%s hitsBefore=%d core=%d coreHits=%d memRead=%d memHits=%d%n",
                kind, before, coreSize, coreHits.size(), mem.bytesRead(), mem.hits().size());
        Host.assertInOrder(logAtExit, "WIPED 64 bytes", "EXIT 0 rehearsed");
        assertEquals(List.of(), coreHits, "pieces of the secret in a core taken at exit, after the wipe");
        assertEquals(List.of(), mem.hits(), "pieces of the secret in /proc/PID/mem at exit, after the wipe");
    }

    /**
     * The thief without root: another process of the owner's own uid (a hijacked shell, a
     * compromised tool). PR_SET_DUMPABLE 0 makes /proc/PID/mem root's and refuses ptrace to the
     * same uid, so gcore, /proc/PID/mem and /proc/PID/environ all fail. The daemon runs as nobody
     * here, and so does the thief.
     */
    @Test
    void anotherProcessOfTheSameUidCannotReadItsMemory() throws Exception {
        assumeTrue(Host.onPath("setpriv"), "needs setpriv (util-linux)");
        List<String> asNobody = List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups");
        for (Path p : List.of(tmp, lab.jar().getParent())) {
            Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Path socketDir = Files.createDirectories(tmp.resolve("same-uid").resolve("s"));
        Files.setPosixFilePermissions(tmp.resolve("same-uid"), java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(socketDir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        Files.setOwner(socketDir, socketDir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
        Path out = Files.createDirectory(tmp.resolve("thief"));
        Files.setPosixFilePermissions(out, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));

        TargetDaemon d = lab.daemon("same-uid").arm().grace(600).secretOnStdin(secret).jvm(SMALL_JVM)
                .wrappedIn(asNobody).start();
        assertEquals(65534L, Host.uid(d.pid()).orElseThrow(), "the daemon runs as nobody");
        String pid = Long.toString(d.pid());

        Host.Run gcore = Host.run(Duration.ofMinutes(2), concat(asNobody, "gcore", "-o", out.resolve("core").toString(), pid));
        Host.Run mem = Host.run(Duration.ofMinutes(1), concat(asNobody, "dd", "if=/proc/" + pid + "/mem", "bs=4096", "count=1",
                "of=/dev/null"));
        Host.Run environ = Host.run(Duration.ofMinutes(1), concat(asNobody, "cat", "/proc/" + pid + "/environ"));

        long cores;
        try (var files = Files.list(out)) {
            cores = files.count();
        }
        System.out.printf("FIGURE forensics.same-uid gcore=%d mem=%d environ=%d cores=%d%n",
                gcore.exit(), mem.exit(), environ.exit(), cores);
        assertEquals(0, cores, "gcore as the same uid wrote a core:\n" + gcore.both());
        assertNotEquals(0, mem.exit(), "/proc/PID/mem readable by the same uid");
        assertTrue(mem.both().contains("Permission denied"), mem.both());
        assertNotEquals(0, environ.exit(), "/proc/PID/environ readable by the same uid");
        assertTrue(d.alive(), "the daemon shrugged it off:\n" + d.log());
    }

    private static List<String> concat(List<String> prefix, String... more) {
        List<String> all = new java.util.ArrayList<>(prefix);
        all.addAll(List.of(more));
        return all;
    }

    @Test
    void aHeapDumpCannotBeTakenBecauseAttachIsDisabled() throws Exception {
        TargetDaemon d = armedWithSecret(Memory.SECRETMEM);
        Path dump = tmp.resolve("heap.hprof");
        Host.Run r = Host.run(Duration.ofMinutes(2),
                List.of(Host.jdkTool("jcmd"), Long.toString(d.pid()), "GC.heap_dump", dump.toString()));

        System.out.printf("FIGURE forensics.jcmd exit=%d dump=%s%n", r.exit(), Files.exists(dump));
        assertNotEquals(0, r.exit(), "jcmd GC.heap_dump must fail:\n" + r.both());
        assertTrue(r.both().contains("AttachNotSupportedException"), r.both());
        assertFalse(Files.exists(dump), "no heap dump written");
        assertTrue(d.alive(), "the attach attempt (a SIGQUIT) leaves the daemon running:\n" + d.log());
        assertEquals("Waiting", d.statusField("state"));
        String cmdline = Files.readString(Path.of("/proc", Long.toString(d.pid()), "cmdline")).replace('\0', ' ');
        assertTrue(cmdline.contains("-XX:+DisableAttachMechanism"), cmdline);
    }
}
