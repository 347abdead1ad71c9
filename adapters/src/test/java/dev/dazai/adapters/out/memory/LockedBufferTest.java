package dev.dazai.adapters.out.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dazai.adapters.nativ.Fds;
import dev.dazai.adapters.testing.Pipes;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

/** The buffer on the real kernel: what smaps says, what reads back, what /proc/self/mem sees. */
class LockedBufferTest {

    private static final MemoryOptions SECRETMEM = MemoryOptions.defaults();
    private static final MemoryOptions ANONYMOUS = MemoryOptions.defaults().anonymousOnly();

    private static LockedBuffer secretMemOrSkip(long bytes) {
        LockedBuffer b = LockedBuffer.allocate(bytes, SECRETMEM);
        if (!b.kind().equals(LockedBuffer.SECRETMEM)) {
            String why = b.secretMemRefusal().orElse("?");
            b.close();
            assumeTrue(false, "memfd_secret unavailable on this kernel: " + why);
        }
        return b;
    }

    @Test
    void secretMemIsLockedDontDumpNotForkedAndGuarded() {
        try (LockedBuffer b = secretMemOrSkip(100)) {
            b.fillRandom();
            Protections p = b.protections();
            assertEquals("secretmem", p.kind());
            assertTrue(p.secretmem(), "mapping named /secretmem");
            assertTrue(p.locked(), "VmFlags lo");
            assertTrue(p.dontDump(), "VmFlags dd");
            assertTrue(p.dontFork(), "VmFlags dc");
            assertTrue(p.guardPages(), "no-access pages on both sides");
            assertTrue(b.lockRefusal().isEmpty());
        }
    }

    @Test
    void anonymousIsLockedDontDumpWipeOnForkAndCountedInVmLck() {
        long before = Smaps.vmLockedKb();
        try (LockedBuffer b = LockedBuffer.allocate(3 * 4096, ANONYMOUS)) {
            b.fillRandom();
            Protections p = b.protections();
            assertEquals("anonymous", p.kind());
            assertFalse(p.secretmem());
            assertTrue(p.locked(), "VmFlags lo");
            assertTrue(p.dontDump(), "VmFlags dd");
            assertTrue(p.wipeOnFork(), "VmFlags wf");
            assertTrue(p.guardPages(), "no-access pages on both sides");
            assertEquals(12, p.lockedKb(), "smaps Locked: counts the three pages");
            assertTrue(Smaps.vmLockedKb() >= before + 12, "VmLck grew by the buffer");
        }
        assertTrue(Smaps.vmLockedKb() <= before, "munlock on close gave the pages back");
    }

    @Test
    void wipeLeavesOnlyZeros() {
        for (MemoryOptions opts : new MemoryOptions[] {SECRETMEM, ANONYMOUS}) {
            try (LockedBuffer b = LockedBuffer.allocate(5000, opts)) {
                b.fillRandom();
                assertEquals(5000, b.length());
                assertFalse(b.allZero(), "random bytes are not all zero");
                b.wipe();
                assertTrue(b.allZero(), b.kind() + ": every byte reads zero after wipe");
                assertEquals(0, b.length());
                b.wipe();
                assertTrue(b.allZero());
            }
        }
    }

    @Test
    void fillsFromAPipeAndDrainsToAPipeByteForByte() {
        byte[] sample = new byte[10_000];
        new SecureRandom().nextBytes(sample);
        for (MemoryOptions opts : new MemoryOptions[] {SECRETMEM, ANONYMOUS}) {
            int[] in = Fds.pipe();
            Pipes.writeAll(in[1], sample);
            Pipes.close(in[1]);
            int[] out = Fds.pipe();
            try (LockedBuffer b = LockedBuffer.allocate(16_384, opts)) {
                assertEquals(sample.length, b.fillFrom(in[0]), "read to EOF");
                assertFalse(b.full());
                b.drainTo(out[1]);
                Pipes.close(out[1]);
                assertArrayEquals(sample, Pipes.readAll(out[0]));
            } finally {
                Pipes.close(in[0]);
                Pipes.close(out[0]);
            }
        }
    }

    @Test
    void fillStopsAtCapacity() {
        int[] in = Fds.pipe();
        try (LockedBuffer b = LockedBuffer.allocate(10, ANONYMOUS)) {
            Pipes.writeAll(in[1], new byte[25]);
            assertEquals(10, b.fillFrom(in[0]));
            assertTrue(b.full());
        } finally {
            Pipes.close(in[0]);
            Pipes.close(in[1]);
        }
    }

    @Test
    void procSelfMemCannotReadSecretMem() throws IOException {
        try (LockedBuffer b = secretMemOrSkip(64); RandomAccessFile mem = new RandomAccessFile("/proc/self/mem", "r")) {
            b.fillRandom();
            mem.seek(b.address());
            assertThrows(IOException.class, () -> mem.read(new byte[64]), "the kernel refuses (EIO)");
        }
    }

    @Test
    void closeUnmapsAndIsIdempotent() {
        LockedBuffer b = LockedBuffer.allocate(64, ANONYMOUS);
        long address = b.address();
        b.fillRandom();
        b.close();
        b.close();
        assertTrue(b.isClosed());
        assertTrue(Smaps.containing(Smaps.read(), address).isEmpty(), "nothing mapped there any more");
        assertThrows(IllegalStateException.class, () -> b.fillFrom(0));
    }
}
