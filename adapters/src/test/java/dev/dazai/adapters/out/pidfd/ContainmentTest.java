package dev.dazai.adapters.out.pidfd;

import dev.dazai.adapters.nativ.Pidfds;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dazai.adapters.out.cgroup.CgroupContainment;
import dev.dazai.adapters.testing.ChildJvm;
import dev.dazai.adapters.testing.ListJournal;
import dev.dazai.kernel.port.out.Holder;
import dev.dazai.kernel.port.out.KillOutcome;
import dev.dazai.kernel.port.out.Pin;
import dev.dazai.kernel.port.out.RegistrationException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A consumer that escapes every way a process can (a double fork, setsid, a daemon that detaches
 * from its terminal and its parent) dies whole in a fire, with real processes, in both kinds of
 * containment; a rehearsal names every one of them and kills none.
 *
 * <p>The subreaper variant's root makes itself a child subreaper before exec (as {@code dazai run}
 * does), with perl's syscall(), so the test JVM need not become one.
 */
class ContainmentTest {

    private final ListJournal journal = new ListJournal();
    private final List<Process> started = new ArrayList<>();
    private final int base = 20_000 + ThreadLocalRandom.current().nextInt(40_000);
    private Containment containment;

    @BeforeAll
    static void pidfds() {
        assumeTrue(PidfdHolderKiller.supported(), "needs pidfd_open (Linux >= 5.3)");
    }

    @AfterEach
    void killLeftovers() throws Exception {
        for (long pid : sleeps(base, base + 10)) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        for (Process p : started) {
            p.destroyForcibly().waitFor();
        }
        if (containment != null) {
            containment.cleanUp();
        }
    }

    private Containment containment(String kind) {
        if (kind.equals(CgroupContainment.NAME)) {
            CgroupContainment.Probe probe = CgroupContainment.probe();
            assumeTrue(probe.dir().isPresent(), "no delegated cgroup v2 here: " + probe.why());
            containment = new CgroupContainment(probe.dir().get(), journal,
                    new SubreaperContainment(journal, false, pid -> false));
        } else {
            assumeTrue(prctlSyscall() > 0, "perl's syscall() with a known prctl number (x86_64, aarch64) is needed");
            containment = new SubreaperContainment(journal, false, pid -> false);
        }
        return containment;
    }

    private static int prctlSyscall() {
        if (!ChildJvm.onPath("perl")) {
            return -1;
        }
        return switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> 157;
            case "aarch64" -> 167;
            default -> -1;
        };
    }

    /** The escapes, then the root itself waits: base+1 double-forked, +2 setsid -f, +3 daemonized, +4 the root. */
    private String escapes() {
        return "(sleep " + (base + 1) + " &); "
                + "setsid -f sleep " + (base + 2) + " </dev/null >/dev/null 2>&1; "
                + "(setsid sh -c 'cd /; exec sleep " + (base + 3) + "' </dev/null >/dev/null 2>&1 &); "
                + "exec sleep " + (base + 4);
    }

    /** Starts the consumer the way the daemon would: inside its cgroup, or as a subreaper, before its first fork. */
    private Process startConsumer(Containment.Prepared prepared) throws IOException {
        List<String> cmd = new ArrayList<>();
        if (prepared.joinPath().isPresent()) {
            cmd.addAll(List.of("sh", "-c", "echo 0 > \"$0\" && exec \"$@\"", prepared.joinPath().get().toString()));
        } else {
            cmd.addAll(List.of("perl", "-e", "syscall(" + prctlSyscall() + ", "
                    + SubreaperContainment.PR_SET_CHILD_SUBREAPER + ", 1, 0, 0, 0) == 0 or die; exec @ARGV"));
        }
        cmd.addAll(List.of("sh", "-c", escapes()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        started.add(p);
        return p;
    }

    @ParameterizedTest
    @ValueSource(strings = {CgroupContainment.NAME, SubreaperContainment.NAME})
    void aConsumerThatDoubleForksCallsSetsidAndDaemonizesDiesWhole(String kind) throws Exception {
        Containment c = containment(kind);
        PidfdHolderKiller killer = new PidfdHolderKiller(journal, c);
        Containment.Prepared prepared = c.prepare();
        Process root = startConsumer(prepared);
        awaitSleeps(4);
        int fd = Pidfds.open(root.pid());
        try (PidfdPin pin = PidfdPin.of(root.pid(), fd, prepared)) {
            Holder h = killer.register(pin, Holder.Reach.TREE);
            assertEquals(Holder.Reach.TREE, h.reach());
            assertEquals(kind, pin.containedAs());
        } finally {
            dev.dazai.adapters.nativ.Fds.closeQuietly(fd);
        }
        List<Long> members = sleeps(base + 1, base + 4);
        assertEquals(4, members.size(), "four sleeps: " + members);

        List<KillOutcome> rehearsal = killer.rehearseKillAll();
        for (long pid : members) {
            assertTrue(rehearsal.contains(new KillOutcome(pid, KillOutcome.Kind.WOULD_KILL)), pid + " in " + rehearsal);
        }
        assertTrue(rehearsal.stream().allMatch(o -> o.kind() == KillOutcome.Kind.WOULD_KILL), rehearsal.toString());
        assertEquals(members, sleeps(base + 1, base + 4), "a rehearsal kills nobody");

        List<KillOutcome> outcomes = killer.killAll();
        for (long pid : members) {
            assertTrue(outcomes.contains(new KillOutcome(pid, KillOutcome.Kind.KILLED)), pid + " in " + outcomes);
        }
        assertEquals(List.of(), sleeps(base + 1, base + 4), "none survives: " + outcomes);
    }

    @Test
    void aCgroupConsumerIsInItsOwnCgroupAndItIsRemovedAfterTheKill() throws Exception {
        Containment c = containment(CgroupContainment.NAME);
        PidfdHolderKiller killer = new PidfdHolderKiller(journal, c);
        Containment.Prepared prepared = c.prepare();
        Path leaf = prepared.joinPath().orElseThrow().getParent();
        Process root = startConsumer(prepared);
        awaitSleeps(4);
        int fd = Pidfds.open(root.pid());
        try (PidfdPin pin = PidfdPin.of(root.pid(), fd, prepared)) {
            killer.register(pin, Holder.Reach.TREE);
        } finally {
            dev.dazai.adapters.nativ.Fds.closeQuietly(fd);
        }
        for (long pid : sleeps(base + 1, base + 4)) {
            assertTrue(Files.readString(Path.of("/proc/" + pid + "/cgroup")).contains("/" + leaf.getFileName() + "\n"),
                    pid + " is in " + leaf);
        }
        killer.killAll();
        assertFalse(Files.exists(leaf), "the consumer's cgroup is removed once empty");
    }

    @Test
    void aClientMovedInAfterItStartedIsContainedToo() throws Exception {
        // dazai run: the client is moved into its cgroup by the daemon, while it waits and has started nothing.
        Containment c = containment(CgroupContainment.NAME);
        PidfdHolderKiller killer = new PidfdHolderKiller(journal, c);
        Path go = Files.createTempFile("dazai-go", "");
        Files.delete(go);
        Process root = new ProcessBuilder("sh", "-c", "while [ ! -e " + go + " ]; do sleep 0.05; done; " + escapes())
                .start();
        started.add(root);
        killer.register(Pin.of(root.pid(), OptionalLong.empty()), Holder.Reach.TREE);
        Files.writeString(go, "");
        awaitSleeps(4);
        List<Long> members = sleeps(base + 1, base + 4);
        List<KillOutcome> outcomes = killer.killAll();
        for (long pid : members) {
            assertTrue(outcomes.contains(new KillOutcome(pid, KillOutcome.Kind.KILLED)), pid + " in " + outcomes);
        }
        assertEquals(List.of(), sleeps(base + 1, base + 4));
        Files.deleteIfExists(go);
    }

    @ParameterizedTest
    @ValueSource(strings = {CgroupContainment.NAME, SubreaperContainment.NAME})
    void aConsumerWhoseTreeHasEndedIsForgottenWhenTheNextOneComes(String kind) throws Exception {
        Containment c = containment(kind);
        PidfdHolderKiller killer = new PidfdHolderKiller(journal, c);
        Containment.Prepared first = c.prepare();
        Process done = startConsumer(first);
        int fd = Pidfds.open(done.pid());
        try (PidfdPin pin = PidfdPin.of(done.pid(), fd, first)) {
            killer.register(pin, Holder.Reach.TREE);
        } finally {
            dev.dazai.adapters.nativ.Fds.closeQuietly(fd);
        }
        awaitSleeps(4);
        for (long pid : sleeps(base + 1, base + 4)) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        done.waitFor();
        Wait.eventually(() -> sleeps(base + 1, base + 4).isEmpty());
        Process next = new ProcessBuilder("sleep", "1000").start();
        started.add(next);
        killer.register(Pin.of(next.pid(), OptionalLong.empty()), Holder.Reach.TREE);
        assertEquals(List.of(next.pid()), killer.holders().stream().map(Holder::pid).toList(),
                "a long-lived daemon does not keep every finished run");
        first.joinPath().ifPresent(procs -> assertFalse(Files.exists(procs.getParent()), "its cgroup went with it"));
    }

    @Test
    void emptyCgroupsOfADaemonThatWasKilledAreSweptAtTheNextStart() throws Exception {
        CgroupContainment.Probe probe = CgroupContainment.probe();
        assumeTrue(probe.dir().isPresent(), "no delegated cgroup v2 here: " + probe.why());
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Path stale = Files.createDirectory(probe.dir().get().resolve("dazai-" + gone.pid() + "-1"));
        Path live = Files.createDirectory(probe.dir().get().resolve("dazai-" + ProcessHandle.current().pid() + "-999"));
        try {
            containment(CgroupContainment.NAME);
            assertFalse(Files.exists(stale), "kill -9 leaves a daemon's empty cgroups; the next one removes them");
            assertTrue(Files.exists(live), "a live daemon's cgroups are its own");
        } finally {
            Files.deleteIfExists(stale);
            Files.deleteIfExists(live);
        }
    }

    @Test
    void theDaemonAndItsAncestorsAreRefusedByBothKillers() {
        long self = ProcessHandle.current().pid();
        long parent = ProcessHandle.current().parent().orElseThrow().pid();
        for (var killer : List.of(new PidfdHolderKiller(journal), new StartTimeHolderKiller(journal))) {
            RegistrationException e = assertThrows(RegistrationException.class,
                    () -> killer.register(Pin.of(self, OptionalLong.empty()), Holder.Reach.PROCESS));
            assertTrue(e.getMessage().contains("this daemon"), e.getMessage());
            e = assertThrows(RegistrationException.class,
                    () -> killer.register(Pin.of(parent, OptionalLong.empty()), Holder.Reach.PROCESS));
            assertTrue(e.getMessage().contains("ancestor"), e.getMessage());
            assertThrows(RegistrationException.class, () -> killer.register(Pin.of(1, OptionalLong.empty()), Holder.Reach.PROCESS));
            assertEquals(List.of(), killer.holders());
        }
    }

    // ---- the processes -----------------------------------------------------------------------

    /** Polls for up to 30 s. */
    private static final class Wait {
        static void eventually(java.util.function.BooleanSupplier condition) throws InterruptedException {
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (!condition.getAsBoolean()) {
                assertTrue(System.nanoTime() < deadline, "timed out");
                Thread.sleep(20);
            }
        }
    }

    private void awaitSleeps(int n) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (sleeps(base + 1, base + 4).size() < n) {
            assertTrue(System.nanoTime() < deadline, "the consumer's sleeps did not all start: "
                    + sleeps(base + 1, base + 4) + " " + started.stream().map(Process::isAlive).toList());
            Thread.sleep(20);
        }
    }

    /** Live `sleep N` processes for N in [from, to]. */
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
                        if (n >= from && n <= to && ProcStat.state(pid) != 'Z') {
                            found.add(pid);
                        }
                    }
                } catch (IOException | NumberFormatException ignored) {
                    // gone, or not ours
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        found.sort(null);
        return found;
    }
}
