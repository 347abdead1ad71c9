package dev.dazai.app.client;

import dev.dazai.adapters.in.unixsocket.SocketDirectory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The CLI's end of a socket: connect, send a line, read reply lines, each step bounded by one
 * timeout. Not thread-safe, except {@link #wakeup()}; {@link HeartbeatClient} builds the
 * long-lived heartbeat on it.
 *
 * <p>It trusts nothing it has not checked ({@link SocketTrust}): before connecting, the socket's
 * directory must be this user's own; once connected and before anything is sent, the server must
 * run as this user. Either failing throws {@link SocketTrust.UntrustedSocketException}.
 *
 * <p>It uses the JDK's own UNIX sockets (Java 16+), not jnr-unixsocket as the servers do: a client
 * command is a JVM of its own, and binding jnr (a native library unpacked at run time, classes
 * generated for the binding) was most of what {@code dazai status} cost (issue #20).
 */
public final class LineClient implements AutoCloseable {

    /** Replies may be longer than requests (STATUS with many holders); this bounds a broken daemon. */
    static final int MAX_REPLY_BYTES = 64 * 1024;

    private final Path socket;
    private final SocketTrust.Peer peer;
    private final SocketChannel channel;
    private final Selector selector;
    private final SelectionKey key;
    private final long timeoutNanos;
    private final ByteBuffer in = ByteBuffer.allocate(4096);
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
    private boolean eof;

    private LineClient(Path socket, SocketTrust.Peer peer, SocketChannel channel, Selector selector, SelectionKey key,
            Duration timeout) {
        this.socket = socket;
        this.peer = peer;
        this.channel = channel;
        this.selector = selector;
        this.key = key;
        this.timeoutNanos = timeout.toNanos();
    }

    /**
     * Connects to {@code socket}, as {@link SocketTrust} allows (a directory or server that is not
     * this user's: {@link SocketTrust.UntrustedSocketException}). A missing socket or one nobody listens on gives a
     * {@link ConnectException} ("is the daemon running?"); a daemon that does not accept within
     * {@code timeout} (its backlog full) a {@link SocketTimeoutException}.
     */
    public static LineClient connect(Path socket, Duration timeout) throws IOException {
        Objects.requireNonNull(timeout, "timeout");
        Path abs = socket.toAbsolutePath();
        int bytes = abs.toString().getBytes(StandardCharsets.UTF_8).length;
        if (bytes > SocketDirectory.MAX_SOCKET_PATH_BYTES) {
            throw new IOException("dazai: socket path " + abs + " is " + bytes + " bytes, more than the "
                    + SocketDirectory.MAX_SOCKET_PATH_BYTES + " a UNIX socket allows; pass a shorter --socket-dir");
        }
        long uid = SocketTrust.ownUid();
        SocketTrust.checkDirectory(abs.getParent(), uid);
        long deadline = System.nanoTime() + timeout.toNanos();
        // A UNIX connect either completes or fails with EAGAIN (backlog full); retrying is the
        // wait. The JDK closes a channel whose connect failed, so each try has a channel of its own.
        SocketChannel channel = connectOnce(abs);
        try {
            while (channel == null) {
                if (System.nanoTime() - deadline >= 0) {
                    throw new SocketTimeoutException("dazai: the daemon on " + abs + " did not accept within "
                            + timeout.toMillis() + " ms");
                }
                Thread.sleep(10);
                channel = connectOnce(abs);
            }
            SocketTrust.Peer peer = SocketTrust.checkPeer(channel, abs, uid);
            Selector selector = Selector.open();
            try {
                SelectionKey key = channel.register(selector, SelectionKey.OP_READ);
                return new LineClient(abs, peer, channel, selector, key, timeout);
            } catch (IOException | RuntimeException e) {
                selector.close();
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            if (channel != null) {
                channel.close();
            }
            throw e;
        } catch (InterruptedException e) {
            if (channel != null) {
                channel.close();
            }
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while connecting to " + abs, e);
        }
    }

    /**
     * One non-blocking connect: the connected channel, or null when the backlog is full (EAGAIN,
     * a busy daemon, so worth a retry). The JDK reports errno only as an exception class and
     * strerror text, so a missing socket is told by looking for the file.
     */
    private static SocketChannel connectOnce(Path socket) throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.configureBlocking(false);
            // A UNIX connect never stays in progress; finishConnect covers a platform where it might.
            if (!channel.connect(UnixDomainSocketAddress.of(socket))) {
                while (!channel.finishConnect()) {
                    Thread.onSpinWait();
                }
            }
            return channel;
        } catch (ConnectException e) {
            channel.close();
            throw new ConnectException("dazai: nobody listens on " + socket + "; is the daemon running?");
        } catch (BindException e) {
            channel.close();
            // EACCES comes back as a BindException from the JDK's UNIX connect.
            throw new ConnectException("dazai: no permission to connect to " + socket
                    + "; the daemon belongs to another user");
        } catch (SocketException e) {
            channel.close();
            if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
                throw new ConnectException("dazai: no socket at " + socket + "; is the daemon running?");
            }
            String why = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
            if (why.contains("temporarily unavailable")) {
                return null;
            }
            if (why.contains("permission denied")) {
                throw new ConnectException("dazai: no permission to connect to " + socket
                        + "; the daemon belongs to another user");
            }
            throw new IOException("dazai: cannot connect to " + socket + ": " + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** One request, one reply line: connect, send, read, close. Empty if the daemon closed without a reply. */
    public static Optional<String> request(Path socket, String line, Duration timeout) throws IOException {
        try (LineClient client = connect(socket, timeout)) {
            try {
                client.send(line);
            } catch (IOException e) {
                // The daemon may have answered and closed already (BUSY); its reply is still readable.
            }
            return client.readLine();
        }
    }

    public Path socket() {
        return socket;
    }

    /** Sends {@code line} and a newline, waiting up to the timeout for room to write. */
    public void send(String line) throws IOException {
        if (line.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("a line cannot hold a newline: " + line);
        }
        ByteBuffer out = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + timeoutNanos;
        while (true) {
            channel.write(out);
            if (!out.hasRemaining()) {
                return;
            }
            if (!await(SelectionKey.OP_WRITE, deadline)) {
                throw new SocketTimeoutException("dazai: the daemon on " + socket + " stopped reading");
            }
        }
    }

    /**
     * The next reply line, without its newline; empty at end of stream (the daemon closed). Waits
     * up to the timeout, then throws {@link SocketTimeoutException}.
     */
    public Optional<String> readLine() throws IOException {
        long deadline = System.nanoTime() + timeoutNanos;
        while (true) {
            Optional<String> line = takeLine();
            if (line.isPresent() || eof) {
                return line;
            }
            if (!await(SelectionKey.OP_READ, deadline)) {
                throw new SocketTimeoutException("dazai: no reply from the daemon on " + socket + " within "
                        + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms");
            }
            fill();
        }
    }

    /** True if a line (or the end) is already buffered, so {@link #readLine()} will not wait. */
    boolean lineReady() {
        byte[] a = in.array();
        for (int i = 0; i < in.position(); i++) {
            if (a[i] == '\n') {
                return true;
            }
        }
        return eof;
    }

    /**
     * Waits up to {@code millis} for the daemon to send something (or close); false if the time
     * passed or {@link #wakeup()} was called first.
     */
    boolean awaitInput(long millis) throws IOException {
        if (lineReady()) {
            return true;
        }
        key.interestOps(SelectionKey.OP_READ);
        selector.selectedKeys().clear();
        selector.select(Math.max(1, millis));
        boolean ready = selector.selectedKeys().contains(key);
        selector.selectedKeys().clear();
        if (ready) {
            fill();
        }
        return ready;
    }

    /** Makes a waiting {@link #awaitInput} return now; callable from any thread. */
    void wakeup() {
        selector.wakeup();
    }

    private boolean await(int op, long deadline) throws IOException {
        key.interestOps(op);
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            selector.selectedKeys().clear();
            selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            if (selector.selectedKeys().contains(key)) {
                selector.selectedKeys().clear();
                return true;
            }
        }
    }

    private void fill() throws IOException {
        if (eof) {
            return;
        }
        if (!in.hasRemaining()) {
            spill();
        }
        int n;
        try {
            n = channel.read(in);
        } catch (IOException e) {
            // The daemon closed with our unread bytes queued (after ERR line too long): Linux
            // reports that as a reset once its last reply has been read. It is still the end.
            if (String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("reset")) {
                eof = true;
                return;
            }
            throw e;
        }
        if (n < 0) {
            eof = true;
        }
    }

    /** Moves a long line's head out of the small buffer so the buffer can take more. */
    private void spill() throws IOException {
        partial.write(in.array(), 0, in.position());
        in.clear();
        if (partial.size() > MAX_REPLY_BYTES) {
            throw new IOException("dazai: a reply line from " + socket + " is longer than " + MAX_REPLY_BYTES + " bytes");
        }
    }

    private Optional<String> takeLine() {
        byte[] a = in.array();
        for (int i = 0; i < in.position(); i++) {
            if (a[i] == '\n') {
                partial.write(a, 0, i);
                String line = partial.toString(StandardCharsets.UTF_8);
                partial.reset();
                in.flip();
                in.position(i + 1);
                in.compact();
                return Optional.of(line);
            }
        }
        return Optional.empty();
    }

    /** The daemon as the kernel saw it at connect: its uid, already checked to be this user's. */
    public SocketTrust.Peer peer() {
        return peer;
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
