package dev.dazai.adapters.out.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.HotSpotDiagnosticMXBean;
import dev.dazai.adapters.nativ.Fds;
import dev.dazai.adapters.nativ.Native;
import dev.dazai.adapters.nativ.Sys;
import dev.dazai.adapters.testing.ListJournal;
import dev.dazai.adapters.testing.Pipes;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plaintext never enters the Java heap. The secret is made by {@code head /dev/urandom} into a
 * file this JVM does not read until the dump is written, and arrives through a FIFO into native
 * memory; the dump is then searched for every 16-byte window of it. A canary array that does live
 * on the heap must be found, so a search that finds nothing proves something.
 */
class HeapDumpTest {

    private static final int WINDOW = 16;

    @Test
    void aHeapDumpHoldsNoWindowOfTheSecret(@TempDir Path dir) throws Exception {
        Path secretFile = dir.resolve("secret.bin");
        Path fifo = dir.resolve("secret.fifo");
        Process make = new ProcessBuilder("sh", "-c", "head -c 64 /dev/urandom > secret.bin && mkfifo secret.fifo")
                .directory(dir.toFile()).inheritIO().start();
        assertEquals(0, make.waitFor());
        Process feeder = new ProcessBuilder("sh", "-c", "cat secret.bin > secret.fifo").directory(dir.toFile()).start();
        int fd = Native.libc().open(fifo.toString(), Sys.O_RDONLY | Sys.O_CLOEXEC, 0);
        assertTrue(fd >= 0, "open fifo");
        LockedSecretMemory memory = new LockedSecretMemory(new SecretSource.FromFd(fd), MemoryOptions.defaults(), new ListJournal());
        memory.load();
        Fds.closeQuietly(fd);
        assertTrue(feeder.waitFor(30, TimeUnit.SECONDS));
        assertEquals(64, memory.size());

        byte[] canary = new byte[64];
        new SecureRandom().nextBytes(canary);
        Path dump = dir.resolve("heap.hprof");
        ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class).dumpHeap(dump.toString(), false);

        byte[] secret = Files.readAllBytes(secretFile);
        assertTrue(containsWindowOf(dump, canary), "the canary, which is on the heap, is found in the dump");
        assertTrue(!containsWindowOf(dump, secret), "no 16-byte window of the secret is in the heap dump");

        int[] out = Fds.pipe();
        memory.drainTo(out[1]);
        Pipes.close(out[1]);
        assertArrayEquals(secret, Pipes.readAll(out[0]), "and the secret was really loaded");
        Pipes.close(out[0]);
        memory.wipe();
        Arrays.fill(canary, (byte) 0);
    }

    /** True if any {@value #WINDOW}-byte window of {@code needle} occurs in the file. */
    private static boolean containsWindowOf(Path file, byte[] needle) throws IOException {
        long[] keys = new long[needle.length - WINDOW + 1];
        java.nio.ByteBuffer nb = java.nio.ByteBuffer.wrap(needle).order(ByteOrder.LITTLE_ENDIAN);
        for (int j = 0; j < keys.length; j++) {
            keys[j] = nb.getLong(j);
        }
        long[] sorted = keys.clone();
        Arrays.sort(sorted);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            long chunk = 64L << 20;
            for (long pos = 0; pos < size; pos += chunk) {
                long len = Math.min(chunk + WINDOW, size - pos);
                MappedByteBuffer mb = ch.map(FileChannel.MapMode.READ_ONLY, pos, len);
                mb.order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i + WINDOW <= len; i++) {
                    long k = mb.getLong(i);
                    if (Arrays.binarySearch(sorted, k) >= 0) {
                        for (int j = 0; j < keys.length; j++) {
                            if (keys[j] == k && regionEquals(mb, i, needle, j)) {
                                return true;
                            }
                        }
                    }
                }
            }
        }
        return false;
    }

    private static boolean regionEquals(MappedByteBuffer mb, int at, byte[] needle, int from) {
        for (int k = 0; k < WINDOW; k++) {
            if (mb.get(at + k) != needle[from + k]) {
                return false;
            }
        }
        return true;
    }
}
