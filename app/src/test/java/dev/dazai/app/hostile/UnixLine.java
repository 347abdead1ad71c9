package dev.dazai.app.hostile;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * A raw client on a UNIX socket, the JDK's own (not the daemon's client code, which is what is
 * under test): bytes out exactly as given, lines back with a timeout. A reset from the daemon reads
 * as end of stream, which is what a refused or cut-off peer sees either way.
 */
final class UnixLine implements AutoCloseable {

    private final SocketChannel channel;
    private final Selector selector;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private boolean eof;

    private UnixLine(SocketChannel channel, Selector selector) {
        this.channel = channel;
        this.selector = selector;
    }

    static UnixLine connect(Path socket) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.configureBlocking(false);
            Selector sel = Selector.open();
            return new UnixLine(ch, sel);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** Connect, send one line, read one line back; empty if the peer closed without a reply. */
    static Optional<String> request(Path socket, String line, Duration timeout) throws IOException {
        try (UnixLine c = connect(socket)) {
            c.send(line + "\n", timeout);
            return Optional.ofNullable(c.readLine(timeout));
        }
    }

    void send(String text, Duration timeout) throws IOException {
        send(text.getBytes(StandardCharsets.ISO_8859_1), timeout);
    }

    /** Writes every byte, waiting for room up to {@code timeout}; a peer that hung up throws. */
    void send(byte[] bytes, Duration timeout) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (buf.hasRemaining()) {
            if (channel.write(buf) == 0) {
                await(SelectionKey.OP_WRITE, deadline);
            }
        }
    }

    /** The next line without its newline; null at end of stream; throws after {@code timeout}. */
    String readLine(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            byte[] have = pending.toByteArray();
            for (int i = 0; i < have.length; i++) {
                if (have[i] == '\n') {
                    pending.reset();
                    pending.write(have, i + 1, have.length - i - 1);
                    return new String(have, 0, i, StandardCharsets.ISO_8859_1);
                }
            }
            if (eof) {
                return null;
            }
            fill(deadline);
        }
    }

    /** Everything until the peer closes, or until {@code timeout} (then {@code closed} is false). */
    Received readToEnd(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!eof) {
            try {
                fill(deadline);
            } catch (SocketTimeoutException e) {
                break;
            }
        }
        return new Received(pending.toString(StandardCharsets.ISO_8859_1), eof);
    }

    /** What {@link #readToEnd} saw: the bytes as text, and whether the peer closed. */
    record Received(String text, boolean closed) {
    }

    void shutdownOutput() throws IOException {
        channel.shutdownOutput();
    }

    private void fill(long deadline) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(4096);
        int n;
        try {
            n = channel.read(buf);
        } catch (IOException reset) {
            eof = true;
            return;
        }
        if (n < 0) {
            eof = true;
        } else if (n == 0) {
            await(SelectionKey.OP_READ, deadline);
        } else {
            pending.write(buf.array(), 0, n);
        }
    }

    private void await(int op, long deadline) throws IOException {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw new SocketTimeoutException("no " + (op == SelectionKey.OP_READ ? "reply" : "room to write") + " in time");
        }
        SelectionKey key = channel.register(selector, op);
        try {
            selector.select(Math.max(1, left / 1_000_000));
        } finally {
            key.interestOps(0);
            selector.selectedKeys().clear();
        }
    }

    @Override
    public void close() throws IOException {
        try {
            selector.close();
        } finally {
            channel.close();
        }
    }
}
