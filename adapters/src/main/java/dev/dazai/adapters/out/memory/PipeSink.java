package dev.dazai.adapters.out.memory;

import dev.dazai.adapters.nativ.Fds;
import dev.dazai.adapters.nativ.Native;
import dev.dazai.adapters.nativ.Sys;
import dev.dazai.kernel.port.out.SecretSink;

/**
 * One consumer's pipe: the read end goes to the consumer (inherited by an {@code --exec} child,
 * or passed with {@code SCM_RIGHTS} to a {@code dazai run} client), the write end to a
 * {@link LockedSecret#deliverTo delivery}, which writes the secret into it straight from locked
 * memory and closes it. Both ends are close-on-exec; the write end is non-blocking, so the writer
 * never sleeps inside a secret's lock, whatever the reader does.
 *
 * <p>Each end is taken once; {@link #close} closes whatever was not taken, so a sink the kernel
 * refused leaves nothing open.
 */
public final class PipeSink implements SecretSink, AutoCloseable {

    private int readEnd;
    private int writeEnd;

    private PipeSink(int readEnd, int writeEnd) {
        this.readEnd = readEnd;
        this.writeEnd = writeEnd;
    }

    /** A fresh pipe. */
    public static PipeSink open() {
        int[] p = Fds.pipe();
        int flags = Native.libc().fcntl(p[1], Sys.F_GETFL, 0);
        if (flags < 0 || Native.libc().fcntl(p[1], Sys.F_SETFL, flags | Sys.O_NONBLOCK) != 0) {
            RuntimeException e = Native.failure("fcntl(O_NONBLOCK)");
            Fds.closeQuietly(p[0]);
            Fds.closeQuietly(p[1]);
            throw e;
        }
        return new PipeSink(p[0], p[1]);
    }

    /** The read end, still owned by this sink (-1 once taken or closed). */
    public synchronized int readEnd() {
        return readEnd;
    }

    /** Hands the read end over: the caller closes it (after passing it on). */
    public synchronized int takeReadEnd() {
        if (readEnd < 0) {
            throw new IllegalStateException("the read end was taken already");
        }
        int fd = readEnd;
        readEnd = -1;
        return fd;
    }

    /** Closes the read end here, once the consumer holds its own copy (an --exec child after spawn). */
    public synchronized void closeReadEnd() {
        Fds.closeQuietly(readEnd);
        readEnd = -1;
    }

    /** For the delivery, which owns it from then on; -1 if a delivery took it already. */
    synchronized int takeWriteEnd() {
        int fd = writeEnd;
        writeEnd = -1;
        return fd;
    }

    /** Closes the ends not taken. Idempotent. */
    @Override
    public synchronized void close() {
        Fds.closeQuietly(readEnd);
        Fds.closeQuietly(writeEnd);
        readEnd = -1;
        writeEnd = -1;
    }
}
