package dev.dazai.adapters.in.unixsocket;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import jnr.unixsocket.UnixSocketAddress;
import jnr.unixsocket.UnixSocketChannel;

/** A test client that sends and receives raw bytes, so replies can be compared byte for byte. */
final class RawClient implements AutoCloseable {

    static final Duration PATIENCE = Duration.ofSeconds(10);

    private final UnixSocketChannel channel;
    private final Selector selector;
    private final SelectionKey key;
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private boolean eof;

    private RawClient(UnixSocketChannel channel) throws IOException {
        this.channel = channel;
        channel.configureBlocking(false);
        this.selector = channel.provider().openSelector();
        this.key = channel.register(selector, SelectionKey.OP_READ);
    }

    static RawClient connect(Path socket) throws IOException {
        return new RawClient(UnixSocketChannel.open(new UnixSocketAddress(socket.toString())));
    }

    RawClient send(String raw) throws IOException {
        return send(raw.getBytes(StandardCharsets.ISO_8859_1));
    }

    RawClient send(byte[] raw) throws IOException {
        ByteBuffer out = ByteBuffer.wrap(raw);
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (out.hasRemaining()) {
            channel.write(out);
            if (out.hasRemaining()) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("peer stopped reading");
                }
                key.interestOps(SelectionKey.OP_WRITE);
                selector.select(50);
                selector.selectedKeys().clear();
                key.interestOps(SelectionKey.OP_READ);
            }
        }
        return this;
    }

    /** Sends {@code raw} in one sendmsg with {@code fd} attached (SCM_RIGHTS). */
    RawClient sendWithFd(String raw, int fd) {
        long n = new dev.dazai.adapters.nativ.FdPassing().send(channel.getFD(), raw.getBytes(StandardCharsets.ISO_8859_1), fd);
        if (n != raw.length()) {
            throw new IllegalStateException("sent " + n + " of " + raw.length());
        }
        return this;
    }

    /** Reads to EOF with recvmsg; every fd that came is added to {@code fds} (the caller closes them). */
    String readToEofWithFds(java.util.List<Integer> fds) throws IOException {
        dev.dazai.adapters.nativ.FdPassing passing = new dev.dazai.adapters.nativ.FdPassing();
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!eof && System.nanoTime() < deadline) {
            selector.select(50);
            selector.selectedKeys().clear();
            ByteBuffer in = ByteBuffer.allocate(4096);
            long n = passing.receive(channel.getFD(), in, fds::add);
            if (n == 0) {
                eof = true;
            } else if (n > 0) {
                received.write(in.array(), 0, (int) n);
            }
        }
        if (!eof) {
            throw new IOException("no EOF within " + PATIENCE + "; got " + text());
        }
        return text();
    }

    /** Reads until {@code n} bytes have arrived in total (or EOF), at most PATIENCE; returns them all. */
    String readBytes(int n) throws IOException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (received.size() < n && !eof && System.nanoTime() < deadline) {
            pump(50);
        }
        return text();
    }

    /** Reads until the server closes (at most PATIENCE); returns everything received. */
    String readToEof() throws IOException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!eof && System.nanoTime() < deadline) {
            pump(50);
        }
        if (!eof) {
            throw new IOException("no EOF within " + PATIENCE + "; got " + text());
        }
        return text();
    }

    /** Exchanges one request for one reply line (exact bytes), clearing what was received before. */
    String exchange(String raw) throws IOException {
        received.reset();
        send(raw);
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!text().endsWith("\n") && !eof && System.nanoTime() < deadline) {
            pump(50);
        }
        return text();
    }

    /** Waits up to {@code millis} and returns what came, without insisting on anything. */
    String readFor(long millis) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (!eof && System.nanoTime() < deadline) {
            pump(20);
        }
        return text();
    }

    boolean eof() {
        return eof;
    }

    String text() {
        return received.toString(StandardCharsets.ISO_8859_1);
    }

    void clear() {
        received.reset();
    }

    private void pump(long millis) throws IOException {
        selector.select(millis);
        selector.selectedKeys().clear();
        ByteBuffer in = ByteBuffer.allocate(4096);
        int n;
        try {
            n = channel.read(in);
        } catch (IOException e) {
            // ECONNRESET after a reply: the server closed with our bytes unread.
            eof = true;
            return;
        }
        if (n < 0) {
            eof = true;
        } else {
            received.write(in.array(), 0, n);
        }
    }

    @Override
    public void close() throws IOException {
        selector.close();
        channel.close();
    }
}
