package dev.dazai.bench.e2e;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The harness as a heartbeat client, on the JDK's own UNIX-domain channels (no JNI between the
 * measuring thread and close(2)). {@link #ping()} writes without reading: the PONGs pile up in
 * the socket buffer, a few bytes each, and nothing waits on them.
 */
public final class HeartbeatConnection implements AutoCloseable {

    private final SocketChannel channel;
    private volatile long lastPingNanos;

    private HeartbeatConnection(SocketChannel channel, long helloNanos) {
        this.channel = channel;
        this.lastPingNanos = helloNanos;
    }

    /** HELLO, then WELCOME within the timeout, or an exception saying what came instead. */
    public static HeartbeatConnection attach(Path socket, long pid, long timeoutMillis) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(socket));
            long sent = System.nanoTime();
            write(ch, "HELLO " + pid + "\n");
            String reply = readLine(ch, timeoutMillis);
            if (!reply.equals("WELCOME")) {
                throw new IOException("HELLO on " + socket + " got '" + reply + "', not WELCOME");
            }
            ch.configureBlocking(true);
            return new HeartbeatConnection(ch, sent);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** PING, and the moment it was handed to the kernel: the daemon's new deadline starts after it. */
    public synchronized void ping() throws IOException {
        long t = System.nanoTime();
        write(channel, "PING\n");
        lastPingNanos = t;
    }

    /** CANCEL, without waiting for the reply (the journal says CANCELLED). */
    public synchronized void cancel() throws IOException {
        write(channel, "CANCEL\n");
    }

    /** When the last PING (or the HELLO) was sent. */
    public long lastPingNanos() {
        return lastPingNanos;
    }

    /** close(2) now; returns the stamp taken just before it. */
    public synchronized long closeNow() throws IOException {
        long t = System.nanoTime();
        channel.close();
        return t;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    private static void write(SocketChannel ch, String line) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(line.getBytes(StandardCharsets.US_ASCII));
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    private static String readLine(SocketChannel ch, long timeoutMillis) throws IOException {
        ch.configureBlocking(false);
        ByteBuffer b = ByteBuffer.allocate(512);
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        try (Selector sel = Selector.open()) {
            ch.register(sel, SelectionKey.OP_READ);
            while (true) {
                for (int i = 0; i < b.position(); i++) {
                    if (b.get(i) == '\n') {
                        return new String(b.array(), 0, i, StandardCharsets.US_ASCII);
                    }
                }
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                if (left <= 0) {
                    throw new IOException("no reply in " + timeoutMillis + " ms");
                }
                sel.select(left);
                sel.selectedKeys().clear();
                if (ch.read(b) < 0) {
                    throw new IOException("connection closed before a reply");
                }
            }
        }
    }
}
