package dev.dazai.adapters.testing;

import dev.dazai.adapters.nativ.Fds;
import dev.dazai.adapters.nativ.Native;
import java.io.ByteArrayOutputStream;
import jnr.ffi.Pointer;

/** Test helpers that move test-owned bytes (never a secret under test) through pipes. */
public final class Pipes {

    private Pipes() {
    }

    public static void writeAll(int fd, byte[] bytes) {
        Pointer p = Native.scratch(Math.max(1, bytes.length));
        p.put(0, bytes, 0, bytes.length);
        long done = 0;
        while (done < bytes.length) {
            long n = Native.libc().write(fd, p.address() + done, bytes.length - done);
            if (n < 0) {
                throw Native.failure("write");
            }
            done += n;
        }
    }

    public static byte[] readAll(int fd) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Pointer p = Native.scratch(4096);
        while (true) {
            long n = Native.libc().read(fd, p.address(), 4096);
            if (n < 0) {
                throw Native.failure("read");
            }
            if (n == 0) {
                return out.toByteArray();
            }
            byte[] chunk = new byte[(int) n];
            p.get(0, chunk, 0, (int) n);
            out.write(chunk, 0, chunk.length);
        }
    }

    public static void close(int fd) {
        Fds.closeQuietly(fd);
    }
}
