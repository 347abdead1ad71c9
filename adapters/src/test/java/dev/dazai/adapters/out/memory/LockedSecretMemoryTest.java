package dev.dazai.adapters.out.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dazai.adapters.nativ.Fds;
import dev.dazai.adapters.testing.ListJournal;
import dev.dazai.adapters.testing.Pipes;
import dev.dazai.kernel.port.out.Secret;
import dev.dazai.kernel.port.out.SecretLoadException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LockedSecretMemoryTest {

    private final ListJournal journal = new ListJournal();

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new SecureRandom().nextBytes(b);
        return b;
    }

    private static byte[] drain(LockedSecretMemory m) {
        int[] out = Fds.pipe();
        try {
            m.drainTo(out[1]);
            Pipes.close(out[1]);
            return Pipes.readAll(out[0]);
        } finally {
            Pipes.close(out[0]);
        }
    }

    /**
     * A FIFO whose writer has already left: the load reads through a non-blocking view of the fd,
     * and on Linux a FIFO reader opened after the last writer left never sees the hang-up, so a
     * load that polled the view waited for ever (seen as a hung HeapDumpTest under load).
     */
    @Test
    void aFifoWhoseWriterLeftBeforeTheLoadStillEnds(@TempDir Path dir) throws Exception {
        Path fifo = dir.resolve("secret.fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        int fd = dev.dazai.adapters.nativ.Native.libc().open(fifo.toString(),
                dev.dazai.adapters.nativ.Sys.O_RDONLY | dev.dazai.adapters.nativ.Sys.O_NONBLOCK | dev.dazai.adapters.nativ.Sys.O_CLOEXEC, 0);
        assertTrue(fd >= 0, "open the FIFO's read end");
        try {
            Files.write(fifo, new byte[] {1, 2, 3, 4, 5, 6, 7, 8}); // the writer comes, writes and leaves
            LockedSecretMemory memory = new LockedSecretMemory(new SecretSource.FromFd(fd), MemoryOptions.defaults(),
                    new ListJournal());
            CompletableFuture<Void> load = CompletableFuture.runAsync(memory::load);
            load.get(10, TimeUnit.SECONDS);
            assertEquals(8, memory.secrets().get(0).size());
            memory.wipe();
        } finally {
            Fds.closeQuietly(fd);
        }
    }

    @Test
    void generatedSecretIsHeldInProtectedMemory() {
        LockedSecretMemory m = new LockedSecretMemory(new SecretSource.Generated(32), MemoryOptions.defaults(), journal);
        assertEquals("none", m.kind());
        m.load();
        assertEquals(32, m.size());
        Protections p = m.protections();
        assertTrue(p.locked() && p.dontDump() && p.guardPages() && p.forkSafe(), p.toString());
        assertEquals(32, drain(m).length);
        m.wipe();
        assertEquals(0, m.size());
        assertTrue(journal.entries.isEmpty(), "no warning when locked: " + journal.entries);
    }

    @Test
    void loadsFromAPipeAndGrowsPastTheFirstPages() {
        for (MemoryOptions opts : new MemoryOptions[] {MemoryOptions.defaults(), MemoryOptions.defaults().anonymousOnly()}) {
            byte[] sample = random(20_000);
            int[] p = Fds.pipe();
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                Pipes.writeAll(p[1], sample);
                Pipes.close(p[1]);
            });
            LockedSecretMemory m = new LockedSecretMemory(new SecretSource.FromFd(p[0]), opts, journal);
            m.load();
            writer.join();
            assertEquals(sample.length, m.size());
            assertArrayEquals(sample, drain(m), m.kind());
            m.wipe();
            Pipes.close(p[0]);
        }
    }

    @Test
    void loadsFromAFile(@TempDir Path dir) throws Exception {
        byte[] sample = random(100);
        Path f = dir.resolve("secret");
        Files.write(f, sample);
        LockedSecretMemory m = new LockedSecretMemory(new SecretSource.FromFile(f), MemoryOptions.defaults(), journal);
        m.load();
        assertArrayEquals(sample, drain(m));
        m.wipe();
        assertEquals(1, journal.entries.size(), journal.entries.toString());
        assertEquals(dev.dazai.kernel.port.out.JournalEntry.Kind.WARNING, journal.entries.get(0).kind());
        assertTrue(journal.entries.get(0).detail().contains(f + " stays on disk"), journal.entries.get(0).detail());
    }

    @Test
    void refusesAMissingFileInOneLineNamingTheFix(@TempDir Path dir) {
        LockedSecretMemory m = new LockedSecretMemory(new SecretSource.FromFile(dir.resolve("nope")),
                MemoryOptions.defaults(), journal);
        SecretLoadException e = assertThrows(SecretLoadException.class, m::load);
        assertTrue(e.getMessage().contains("does not exist") && e.getMessage().contains("--secret-file"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void refusesAnEmptySecret() {
        int[] p = Fds.pipe();
        Pipes.close(p[1]);
        LockedSecretMemory m = new LockedSecretMemory(new SecretSource.FromFd(p[0]), MemoryOptions.defaults(), journal);
        SecretLoadException e = assertThrows(SecretLoadException.class, m::load);
        assertTrue(e.getMessage().contains("is empty"), e.getMessage());
        assertEquals(0, m.size());
        Pipes.close(p[0]);
    }

    @Test
    void refusesASecretOverTheLimitAndKeepsNothing() {
        int[] p = Fds.pipe();
        Pipes.writeAll(p[1], random(9000));
        Pipes.close(p[1]);
        LockedSecretMemory m = new LockedSecretMemory(new SecretSource.FromFd(p[0]), new MemoryOptions(false, 8192), journal);
        SecretLoadException e = assertThrows(SecretLoadException.class, m::load);
        assertTrue(e.getMessage().contains("8192-byte limit"), e.getMessage());
        assertEquals(0, m.size());
        Pipes.close(p[0]);
    }

    @Test
    void aWipeDuringALoadAbortsItAndLeavesNothing() throws Exception {
        int[] p = Fds.pipe();
        Pipes.writeAll(p[1], random(5000));
        LockedSecretMemory m = new LockedSecretMemory(new SecretSource.FromFd(p[0]), MemoryOptions.defaults(), journal);
        CompletableFuture<Void> load = CompletableFuture.runAsync(m::load);
        // The writer never closes: without the wipe, the load would wait for EOF forever.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (m.size() < 5000 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(5000, m.size(), "the load has read what was there and waits for more");
        m.wipe();
        load.get(30, TimeUnit.SECONDS);
        assertEquals(0, m.size());
        m.wipe();
        m.load();
        assertEquals(0, m.size(), "a wiped memory stays empty");
        Pipes.close(p[1]);
        Pipes.close(p[0]);
    }

    // ---- named secrets and delivery ---------------------------------------------------------

    private static int[] pipeWith(byte[] bytes) {
        int[] p = Fds.pipe();
        CompletableFuture.runAsync(() -> {
            Pipes.writeAll(p[1], bytes);
            Pipes.close(p[1]);
        });
        return p;
    }

    /** What a consumer reads from a sink the secret was delivered to, to EOF. */
    private static byte[] deliver(Secret s) {
        try (PipeSink sink = PipeSink.open()) {
            int read = sink.takeReadEnd();
            s.deliverTo(sink);
            try {
                return Pipes.readAll(read);
            } finally {
                Pipes.close(read);
            }
        }
    }

    @Test
    void namedSecretsLiveInTheirOwnBuffersBesideTheDefault() {
        LockedSecretMemory m = new LockedSecretMemory(new SecretSource.Generated(32), MemoryOptions.defaults(), journal);
        m.load();
        byte[] db = random(3000);
        byte[] api = random(70);
        int[] p1 = pipeWith(db);
        int[] p2 = pipeWith(api);
        Secret a = m.read("db", p1[0]);
        Secret b = m.read("api", p2[0]);
        Pipes.close(p1[0]);
        Pipes.close(p2[0]);
        assertEquals(List.of("default"), m.secrets().stream().map(Secret::name).toList(), "read is not yet held");
        assertTrue(m.adopt(a));
        assertTrue(m.adopt(b));
        assertEquals(List.of("default", "db", "api"), m.secrets().stream().map(Secret::name).toList());
        assertEquals(List.of(32L, 3000L, 70L), m.secrets().stream().map(Secret::size).toList());
        assertArrayEquals(db, deliver(a));
        assertArrayEquals(api, deliver(b));
        assertArrayEquals(db, deliver(a), "a secret can be delivered again, to the next consumer");
        assertEquals(32, deliver(m.secrets().get(0)).length);
        m.wipe();
    }

    @Test
    void aNameIsHeldOnceRemoveWipesItAndTheWipeTakesEveryOne() {
        LockedSecretMemory m = new LockedSecretMemory(new SecretSource.Nothing(), MemoryOptions.defaults(), journal);
        m.load();
        assertEquals(List.of(), m.secrets(), "--no-secret: nothing held");
        int[] p1 = pipeWith(random(10));
        int[] p2 = pipeWith(random(20));
        int[] p3 = pipeWith(random(30));
        Secret first = m.read("k", p1[0]);
        Secret twin = m.read("k", p2[0]);
        Secret other = m.read("other", p3[0]);
        assertTrue(m.adopt(first));
        assertFalse(m.adopt(twin), "the name is taken");
        twin.wipe();
        assertEquals(0, twin.size());
        assertTrue(m.adopt(other));
        assertTrue(m.remove("k"));
        assertEquals(0, first.size(), "removed means wiped");
        assertFalse(m.remove("k"));
        m.wipe();
        assertEquals(0, other.size(), "the sequence's wipe takes every named secret");
        assertEquals(List.of(), m.secrets());
        int[] late = pipeWith(random(8));
        assertThrows(SecretLoadException.class, () -> m.read("late", late[0]), "the wipe is final");
        for (int fd : new int[] {p1[0], p2[0], p3[0], late[0]}) {
            Pipes.close(fd);
        }
    }

    @Test
    void aNamedSecretThatIsEmptyOrTooLargeIsRefusedInOneLine() {
        LockedSecretMemory m = new LockedSecretMemory(new SecretSource.Nothing(), new MemoryOptions(false, 8192), journal);
        int[] empty = pipeWith(new byte[0]);
        SecretLoadException e = assertThrows(SecretLoadException.class, () -> m.read("db", empty[0]));
        assertTrue(e.getMessage().contains("empty") && e.getMessage().contains("db"), e.getMessage());
        int[] big = pipeWith(random(9000));
        e = assertThrows(SecretLoadException.class, () -> m.read("db", big[0]));
        assertTrue(e.getMessage().contains("8192-byte limit"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        Pipes.close(empty[0]);
        Pipes.close(big[0]);
    }

    @Test
    void deliveryReturnsAtOnceAndAReaderThatNeverReadsCannotHoldUpTheWipe() throws Exception {
        LockedSecretMemory m = new LockedSecretMemory(new SecretSource.Nothing(), MemoryOptions.defaults(), journal);
        byte[] large = random(300_000); // far more than a pipe holds (64 KiB): the writer must wait
        int[] p = pipeWith(large);
        Secret s = m.read("large", p[0]);
        Pipes.close(p[0]);
        assertTrue(m.adopt(s));
        PipeSink sink = PipeSink.open();
        int read = sink.takeReadEnd();
        long before = System.nanoTime();
        s.deliverTo(sink);
        assertTrue(System.nanoTime() - before < TimeUnit.SECONDS.toNanos(5), "deliverTo returned at once");

        // The consumer never reads (a stopped process): the pipe is full, the writer waits for room.
        Thread.sleep(200);
        CompletableFuture<Void> wipe = CompletableFuture.runAsync(m::wipe);
        wipe.get(5, TimeUnit.SECONDS);
        assertEquals(0, s.size());
        byte[] got = Pipes.readAll(read); // EOF comes: the writer stopped and closed its end
        assertTrue(got.length < large.length, "delivery stopped at the wipe: " + got.length);
        Pipes.close(read);
    }

    @Test
    void aConsumerThatGoesAwayEndsTheDeliveryQuietly() throws Exception {
        LockedSecretMemory m = new LockedSecretMemory(new SecretSource.Nothing(), MemoryOptions.defaults(), journal);
        int[] p = pipeWith(random(200_000));
        Secret s = m.read("x", p[0]);
        Pipes.close(p[0]);
        m.adopt(s);
        PipeSink sink = PipeSink.open();
        Pipes.close(sink.takeReadEnd());
        s.deliverTo(sink); // EPIPE at once, no SIGPIPE death, nothing thrown
        assertEquals(200_000, s.size(), "the secret itself is untouched");
        assertEquals(200_000, deliver(s).length, "and the next consumer gets all of it");
        m.wipe();
    }
}
