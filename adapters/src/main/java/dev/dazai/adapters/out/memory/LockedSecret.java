package dev.dazai.adapters.out.memory;

import dev.dazai.adapters.nativ.Fds;
import dev.dazai.adapters.nativ.NativeException;
import dev.dazai.adapters.nativ.Sys;
import dev.dazai.kernel.port.out.Secret;
import dev.dazai.kernel.port.out.SecretSink;
import java.util.Objects;

/**
 * One named secret in its own {@link LockedBuffer}. Its bytes leave only by {@code write(2)} from
 * the mapping into a consumer's pipe ({@link #deliverTo}), on a thread of their own.
 *
 * <p>Every use of the buffer holds this object's monitor, and none of them blocks: reads happen
 * after poll said the fd is readable, writes go to a non-blocking pipe, and every wait (for input,
 * for a reader to make room) happens outside the monitor. So {@link #wipe} gets the monitor within
 * one {@code read(2)} or {@code write(2)}, whatever a writer or a stopped reader is doing.
 */
public final class LockedSecret implements Secret {

    /** How long a delivery waits for room in the pipe before it looks for a wipe again. */
    private static final int WRITE_SLICE_MILLIS = 50;

    private final String name;
    private final Runnable forget;
    private LockedBuffer buffer;
    private boolean wiped;

    LockedSecret(String name, LockedBuffer buffer, Runnable forget) {
        this.name = Objects.requireNonNull(name, "name");
        this.buffer = Objects.requireNonNull(buffer, "buffer");
        this.forget = Objects.requireNonNull(forget, "forget");
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public synchronized long size() {
        return wiped ? 0 : buffer.length();
    }

    /**
     * Starts writing the bytes into the sink's pipe (a {@link PipeSink}) and returns at once. The
     * writer closes the pipe when all is written, when the reader goes away ({@code EPIPE}), or
     * when the secret is wiped meanwhile: the consumer then reads end of input early.
     */
    @Override
    public void deliverTo(SecretSink sink) {
        if (!(sink instanceof PipeSink pipe)) {
            throw new IllegalArgumentException("not a pipe this adapter made: " + sink);
        }
        int fd = pipe.takeWriteEnd();
        if (fd < 0) {
            throw new IllegalStateException("this pipe was given a secret already");
        }
        Thread writer = new Thread(() -> deliver(fd), "dazai-deliver-" + name);
        writer.setDaemon(true);
        writer.start();
    }

    private void deliver(int fd) {
        long done = 0;
        try {
            while (true) {
                long n;
                synchronized (this) {
                    if (wiped || done >= buffer.length()) {
                        return;
                    }
                    n = buffer.writeSome(fd, done);
                }
                if (n > 0) {
                    done += n;
                } else if (n < 0) {
                    Fds.await(fd, Sys.POLLOUT, WRITE_SLICE_MILLIS);
                }
            }
        } catch (NativeException | IllegalStateException consumerGoneOrWiped) {
            // EPIPE: the consumer closed its end or died; it has what it read, and nothing more.
        } finally {
            Fds.closeQuietly(fd);
        }
    }

    /** Wipes and unmaps the buffer; final and idempotent. The memory that held it forgets it. */
    @Override
    public void wipe() {
        synchronized (this) {
            if (wiped) {
                return;
            }
            wiped = true;
            buffer.close();
        }
        forget.run();
    }

    synchronized boolean isWiped() {
        return wiped;
    }

    // ---- filling, for the memory that reads it in ------------------------------------------

    /** One read(2) into the free space; see {@link LockedBuffer#readOnce}. Throws if wiped meanwhile. */
    synchronized long readOnce(int fd) {
        ensureHeld();
        return buffer.readOnce(fd);
    }

    synchronized boolean full() {
        ensureHeld();
        return buffer.full();
    }

    synchronized long capacity() {
        ensureHeld();
        return buffer.capacity();
    }

    synchronized void fillRandom() {
        ensureHeld();
        buffer.fillRandom();
    }

    /** Moves the bytes into {@code bigger}, natively, and wipes the old buffer; false (bigger closed) if wiped meanwhile. */
    synchronized boolean grow(LockedBuffer bigger) {
        if (wiped) {
            bigger.close();
            return false;
        }
        bigger.copyFrom(buffer);
        LockedBuffer old = buffer;
        buffer = bigger;
        old.close();
        return true;
    }

    /** Writes all of it to {@code fd} now, on this thread (tests, and what they compare with). */
    void drainTo(int fd) {
        LockedBuffer b;
        synchronized (this) {
            ensureHeld();
            b = buffer;
        }
        b.drainTo(fd);
    }

    synchronized Protections protections() {
        return wiped ? Protections.none(buffer.kind()) : buffer.protections();
    }

    private void ensureHeld() {
        if (wiped) {
            throw new IllegalStateException("secret " + name + " was wiped");
        }
    }

    @Override
    public String toString() {
        return "secret " + name;
    }
}
