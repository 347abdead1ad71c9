package dev.dazai.adapters.out.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dazai.adapters.nativ.Fds;
import dev.dazai.adapters.testing.ListJournal;
import dev.dazai.adapters.testing.Pipes;
import dev.dazai.kernel.port.out.SecretLoadException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
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
}
