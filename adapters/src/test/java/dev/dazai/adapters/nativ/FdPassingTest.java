package dev.dazai.adapters.nativ;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dazai.adapters.testing.Pipes;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import jnr.posix.POSIXFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** SCM_RIGHTS over a real socketpair: the line arrives, and the fd that arrives is the same pipe. */
class FdPassingTest {

    private static final int AF_UNIX = 1;
    private static final int SOCK_STREAM = 1;

    private final FdPassing passing = new FdPassing();
    private final List<Integer> open = new ArrayList<>();

    @AfterEach
    void closeAll() {
        open.forEach(Fds::closeQuietly);
    }

    private int[] socketpair() {
        int[] sv = new int[2];
        assertEquals(0, POSIXFactory.getNativePOSIX().socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
        open.add(sv[0]);
        open.add(sv[1]);
        return sv;
    }

    private int[] pipe() {
        int[] p = Fds.pipe();
        open.add(p[0]);
        open.add(p[1]);
        return p;
    }

    @Test
    void aLineAndAPipesReadEndCrossTheSocket() {
        int[] sv = socketpair();
        int[] p = pipe();
        byte[] line = "RUN db\n".getBytes(StandardCharsets.US_ASCII);
        assertEquals(line.length, passing.send(sv[0], line, p[0]));

        List<Integer> fds = new ArrayList<>();
        ByteBuffer in = ByteBuffer.allocate(256);
        long n = passing.receive(sv[1], in, fds::add);
        fds.forEach(open::add);

        assertEquals(line.length, n);
        assertArrayEquals(line, java.util.Arrays.copyOf(in.array(), (int) n));
        assertEquals(1, fds.size(), "one fd came with the line");
        int got = fds.get(0);
        assertNotEquals(p[0], got, "a new descriptor in the receiver, not the sender's number");
        assertTrue((Native.libc().fcntl(got, Sys.F_GETFD, 0) & Sys.FD_CLOEXEC) != 0, "received close-on-exec");

        Pipes.writeAll(p[1], "through the pipe".getBytes(StandardCharsets.US_ASCII));
        Pipes.close(p[1]);
        open.remove(Integer.valueOf(p[1]));
        assertEquals("through the pipe", new String(Pipes.readAll(got), StandardCharsets.US_ASCII));
    }

    @Test
    void aLineWithoutAnFdDeliversNone() {
        int[] sv = socketpair();
        byte[] line = "STATUS\n".getBytes(StandardCharsets.US_ASCII);
        assertEquals(line.length, passing.send(sv[0], line, -1));
        List<Integer> fds = new ArrayList<>();
        ByteBuffer in = ByteBuffer.allocate(256);
        assertEquals(line.length, passing.receive(sv[1], in, fds::add));
        assertEquals(List.of(), fds);
        assertEquals(line.length, in.position());
    }

    @Test
    void aClosedPeerReadsAsEndOfInput() {
        int[] sv = socketpair();
        Fds.closeQuietly(sv[0]);
        open.remove(Integer.valueOf(sv[0]));
        assertEquals(0, passing.receive(sv[1], ByteBuffer.allocate(16), fd -> { }));
    }
}
