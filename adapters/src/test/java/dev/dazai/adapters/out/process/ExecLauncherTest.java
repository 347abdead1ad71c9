package dev.dazai.adapters.out.process;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dazai.adapters.nativ.Fds;
import dev.dazai.adapters.nativ.Native;
import dev.dazai.adapters.nativ.NativeException;
import dev.dazai.adapters.nativ.Sys;
import dev.dazai.adapters.out.memory.LockedSecretMemory;
import dev.dazai.adapters.out.memory.MemoryOptions;
import dev.dazai.adapters.out.memory.PipeSink;
import dev.dazai.adapters.out.memory.SecretSource;
import dev.dazai.adapters.out.pidfd.PidfdHolderKiller;
import dev.dazai.adapters.testing.ListJournal;
import dev.dazai.adapters.testing.Pipes;
import dev.dazai.kernel.port.out.KillOutcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Real children through posix_spawnp. They inherit this JVM's stdout and stderr, which are
 * surefire's pipes, so each one is killed after its test: a leftover would keep Maven waiting.
 */
class ExecLauncherTest {

    private final ExecLauncher launcher = new ExecLauncher();
    private final List<ExecLauncher.Child> started = new ArrayList<>();
    private final List<PipeSink> sinks = new ArrayList<>();

    /** Started with a fresh secret pipe whose write end the test may hand to a delivery. */
    private ExecLauncher.Child launch(String... command) {
        PipeSink sink = PipeSink.open();
        sinks.add(sink);
        ExecLauncher.Child c = launcher.launch(List.of(command), sink.readEnd(), Optional.empty());
        sink.closeReadEnd();
        started.add(c);
        return c;
    }

    @AfterEach
    void killLeftovers() throws Exception {
        sinks.forEach(PipeSink::close);
        for (ExecLauncher.Child c : started) {
            if (!c.exit().isDone()) {
                Native.libc().kill((int) c.pid(), Sys.SIGKILL);
                c.exit().get(30, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void theChildGetsOnlyStdioAndTheSecretFdAndNoIgnoredSignal() throws Exception {
        // An ignored disposition survives exec unless the spawn resets it: ignore one here to see.
        SignalHandler before = Signal.handle(new Signal("URG"), SignalHandler.SIG_IGN);
        try {
            // A plain program, not sh: dash keeps an fd of its own (10).
            ExecLauncher.Child sleeper = launch("sleep", "1000");
            Path proc = Path.of("/proc", Long.toString(sleeper.pid()));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.readString(proc.resolve("cmdline")).startsWith("sleep") && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            try (Stream<Path> fds = Files.list(proc.resolve("fd"))) {
                assertEquals(List.of("0", "1", "2", "3"), fds.map(f -> f.getFileName().toString()).sorted().toList());
            }
            String status = Files.readString(proc.resolve("status"));
            long ignored = Long.parseUnsignedLong(status.replaceAll("(?s).*SigIgn:\\s*([0-9a-f]+).*", "$1"), 16);
            // glibc's posix_spawn leaves its two internal signals (32, 33) ignored; no program can use them.
            long glibcInternal = (1L << 31) | (1L << 32);
            assertEquals(0, ignored & ~glibcInternal, "no usable signal ignored in the child: " + status);
            assertTrue(Files.readString(proc.resolve("environ")).contains("DAZAI_SECRET_FD=3"));
        } finally {
            Signal.handle(new Signal("URG"), before);
        }
    }

    @Test
    void theChildReadsTheSecretFromItsFd(@TempDir Path dir) throws Exception {
        LockedSecretMemory memory = new LockedSecretMemory(new SecretSource.Generated(48), MemoryOptions.defaults(),
                new ListJournal());
        memory.load();
        try {
            ExecLauncher.Child child = launch("sh", "-c", "cat <&$DAZAI_SECRET_FD > '" + dir.resolve("secret.out") + "'");
            assertTrue(child.pidfd() >= 0);
            assertTrue(launcher.reaps(child.pid()), "its own reaper waits for it");
            memory.secrets().get(0).deliverTo(sinks.get(sinks.size() - 1));
            assertEquals(0, child.exit().get(30, TimeUnit.SECONDS));
            int[] round = Fds.pipe();
            memory.drainTo(round[1]);
            Pipes.close(round[1]);
            assertArrayEquals(Pipes.readAll(round[0]), Files.readAllBytes(dir.resolve("secret.out")));
            Pipes.close(round[0]);
        } finally {
            memory.wipe();
        }
    }

    @Test
    void theChildsPidfdKillsItAndTheReaperReportsTheSignal() throws Exception {
        ExecLauncher.Child child = launch("sleep", "1000");
        try (PidfdHolderKiller killer = new PidfdHolderKiller(new ListJournal())) {
            killer.adopt(child.pid(), child.pidfd());
            assertEquals(List.of(new KillOutcome(child.pid(), KillOutcome.Kind.KILLED)), killer.killAll());
            assertEquals(137, child.exit().get(30, TimeUnit.SECONDS));
            assertEquals(List.of(new KillOutcome(child.pid(), KillOutcome.Kind.GONE)), killer.killAll(),
                    "reaped: its PID is free, and nothing is sent to it");
        }
    }

    @Test
    void aMissingProgramIsReportedBeforeAnythingStarts(@TempDir Path dir) throws Exception {
        Path plain = Files.writeString(dir.resolve("not-a-program"), "data");
        for (Optional<Path> join : List.of(Optional.<Path>empty(), Optional.of(Path.of("/nonexistent/cgroup.procs")))) {
            NativeException e = assertThrows(NativeException.class,
                    () -> launcher.launch(List.of("dazai-no-such-program-here"), 0, join));
            assertEquals("ENOENT", e.errnoName());
            e = assertThrows(NativeException.class, () -> launcher.launch(List.of(plain.toString()), 0, join));
            assertEquals("EACCES", e.errnoName());
        }
    }

    @Test
    void aChildThatJoinsACgroupIsInsideBeforeTheCommandRuns(@TempDir Path dir) throws Exception {
        var probe = dev.dazai.adapters.out.cgroup.CgroupContainment.probe();
        org.junit.jupiter.api.Assumptions.assumeTrue(probe.dir().isPresent(), "no delegated cgroup v2: " + probe.why());
        var containment = new dev.dazai.adapters.out.cgroup.CgroupContainment(probe.dir().get(), new ListJournal(),
                new dev.dazai.adapters.out.pidfd.SubreaperContainment(new ListJournal(), false, pid -> false));
        var room = containment.prepare();
        PipeSink sink = PipeSink.open();
        sinks.add(sink);
        Path out = dir.resolve("cgroup");
        ExecLauncher.Child child = launcher.launch(List.of("sh", "-c", "cat /proc/self/cgroup > " + out
                + "; cat <&$DAZAI_SECRET_FD >/dev/null"), sink.readEnd(), room.joinPath());
        started.add(child);
        sink.closeReadEnd();
        sink.close(); // EOF for the cat
        assertEquals(0, child.exit().get(30, TimeUnit.SECONDS));
        String leaf = room.joinPath().get().getParent().getFileName().toString();
        assertTrue(Files.readString(out).contains("/" + leaf + "\n"), Files.readString(out));
        containment.cleanUp();
    }
}
