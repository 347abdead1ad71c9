package dev.dazai.adapters.in.unixsocket;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import jnr.constants.platform.Errno;
import jnr.ffi.LastError;
import jnr.unixsocket.Credentials;
import jnr.unixsocket.UnixServerSocketChannel;
import jnr.unixsocket.UnixSocketChannel;
import jnr.unixsocket.UnixSocketOptions;

/**
 * A line-protocol server on one UNIX socket, run by one selector thread however many clients
 * connect: thousands of connections must never become thousands of threads.
 *
 * <p>Per connection it holds at most one line of input (256 bytes, the protocol's limit) and
 * one reply: while a reply waits for the peer to read, the connection's input is not read, so a
 * client that writes without reading stalls itself, not the daemon. A connection that owes a
 * command gets {@link SocketLimits#commandTimeout()} to send it. The protocol itself lives in a
 * {@link Conversation}, called on this thread only, so it needs no locks.
 */
final class LineServer implements AutoCloseable {

    /** Longest line the daemon reads, newline included. */
    static final int MAX_LINE_BYTES = 256;

    private static final int ACCEPTS_PER_ROUND = 64;
    private static final long ACCEPT_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long JOIN_MILLIS = 5_000;

    /** One connection's side of the protocol. */
    interface Conversation {

        /** One complete line, without its newline (and without one trailing CR). Null: no reply. */
        Reply line(String line);

        /** True while the peer owes a command: the connection is cut when the command timeout passes. */
        boolean awaitingCommand();

        /** Called once, when the connection is gone; {@code serverClosing} when the server itself is closing. */
        void ended(boolean serverClosing);
    }

    /** Makes the conversation for a newly accepted peer; {@code peerPidfd} opens a pidfd the caller must close (-1 if none). */
    interface Opener {
        Conversation open(Peer peer, IntSupplier peerPidfd);
    }

    /**
     * What to send back for a line.
     *
     * @param line       the reply, without newline; null sends nothing
     * @param close      close the connection once the reply is written
     * @param afterFlush runs once the reply has been written (or the connection failed first)
     */
    record Reply(String line, boolean close, Runnable afterFlush) {
        static Reply keep(String line) {
            return new Reply(line, false, null);
        }

        static Reply last(String line) {
            return new Reply(line, true, null);
        }

        static Reply last(String line, Runnable afterFlush) {
            return new Reply(line, true, afterFlush);
        }
    }

    private final Path socket;
    private final Opener opener;
    private final ConnectionLog log;
    private final SocketLimits limits;
    private final SocketCalls calls;
    private final int uid;

    // Touched only by the selector thread once started.
    private final Set<Connection> connections = new LinkedHashSet<>();
    private long acceptPausedUntil;
    private boolean acceptPaused;
    private int droppedAtCap;
    private Peer lastDroppedAtCap;

    private volatile boolean closing;
    private volatile int open;
    private UnixServerSocketChannel server;
    private Selector selector;
    private SelectionKey serverKey;
    private Thread thread;

    LineServer(Path socket, Opener opener, ConnectionLog log, SocketLimits limits) {
        this.socket = socket.toAbsolutePath();
        this.opener = Objects.requireNonNull(opener, "opener");
        this.log = Objects.requireNonNull(log, "log");
        this.limits = Objects.requireNonNull(limits, "limits");
        this.calls = new SocketCalls();
        this.uid = calls.uid();
    }

    Path socket() {
        return socket;
    }

    SocketCalls calls() {
        return calls;
    }

    /** Connections open right now (for tests and STATUS). */
    int connectionCount() {
        return open;
    }

    /** Binds (replacing a stale socket, refusing a live one) and starts the selector thread. */
    synchronized void start() {
        if (thread != null || closing) {
            throw new IllegalStateException("already started or closed: " + socket);
        }
        server = SocketFile.bind(socket);
        try {
            calls.closeOnExec(server.getFD());
            server.configureBlocking(false);
            selector = server.provider().openSelector();
            serverKey = server.register(selector, SelectionKey.OP_ACCEPT);
        } catch (IOException e) {
            closeQuietly(server);
            throw new SocketSetupException("dazai: cannot listen on " + socket + ": " + e.getMessage()
                    + "; pass --socket-dir", e);
        }
        thread = new Thread(this::run, "dazai-" + socket.getFileName());
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Stops the thread and closes every connection and the listening socket, without reporting a
     * loss: the daemon is going away. The socket file stays (the kernel's Unlinker removes it).
     */
    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            closing = true;
            t = thread;
        }
        if (t == null) {
            return;
        }
        selector.wakeup();
        if (t != Thread.currentThread()) {
            try {
                t.join(JOIN_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void run() {
        try {
            while (!closing) {
                selector.select(millisToNextDeadline(System.nanoTime()));
                if (closing) {
                    break;
                }
                Set<SelectionKey> selected = selector.selectedKeys();
                List<SelectionKey> ready = new ArrayList<>(selected);
                selected.clear();
                for (SelectionKey key : ready) {
                    if (key == serverKey) {
                        acceptAll();
                    } else {
                        serve((Connection) key.attachment(), key.readyOps());
                    }
                }
                long now = System.nanoTime();
                expire(now);
                resumeAccepting(now);
            }
        } catch (IOException | RuntimeException e) {
            quietly(() -> log.failed(socket, String.valueOf(e)));
        } finally {
            for (Connection c : new ArrayList<>(connections)) {
                end(c, true);
            }
            closeQuietly(server);
            try {
                selector.close();
            } catch (IOException ignored) {
                // Nothing left to serve.
            }
        }
    }

    // ---- accepting --------------------------------------------------------------------------

    private void acceptAll() throws IOException {
        for (int i = 0; i < ACCEPTS_PER_ROUND; i++) {
            UnixSocketChannel channel = server.accept();
            if (channel == null) {
                int errno = LastError.getLastError(jnr.ffi.Runtime.getSystemRuntime());
                if (errno != Errno.EAGAIN.intValue() && errno != Errno.EWOULDBLOCK.intValue()) {
                    // EMFILE and friends leave the listener readable: without a pause this would spin.
                    serverKey.interestOps(0);
                    acceptPaused = true;
                    acceptPausedUntil = System.nanoTime() + ACCEPT_PAUSE_NANOS;
                }
                return;
            }
            try {
                admit(channel);
            } catch (IOException | RuntimeException e) {
                closeQuietly(channel);
                quietly(() -> log.dropped(socket, Peer.of(-1, 0), "could not admit: " + e));
            }
        }
    }

    private void resumeAccepting(long now) {
        if (acceptPaused && now - acceptPausedUntil >= 0) {
            acceptPaused = false;
            serverKey.interestOps(SelectionKey.OP_ACCEPT);
        }
    }

    private void admit(UnixSocketChannel channel) throws IOException {
        int fd = channel.getFD();
        calls.closeOnExec(fd);
        Peer peer;
        try {
            peer = credentials(channel);
        } catch (IOException | RuntimeException e) {
            quietly(() -> log.dropped(socket, Peer.of(-1, 0), "no peer credentials: " + e.getMessage()));
            closeQuietly(channel);
            return;
        }
        // Logged before the close, so whoever sees the hang-up can already find the entry.
        if (peer.uid() != uid) {
            quietly(() -> log.refused(socket, peer));
            closeQuietly(channel);
            return;
        }
        if (connections.size() >= limits.maxConnections()) {
            // One line per burst, not one per connection: a flood must not flood the journal too.
            if (droppedAtCap++ == 0) {
                quietly(() -> log.dropped(socket, peer, "too many connections (" + limits.maxConnections() + ")"));
            }
            lastDroppedAtCap = peer;
            closeQuietly(channel);
            return;
        }
        channel.configureBlocking(false);
        Conversation conversation = opener.open(peer, () -> calls.peerPidfd(fd));
        Connection c = new Connection(channel, peer, conversation,
                System.nanoTime() + limits.commandTimeout().toNanos());
        c.key = channel.register(selector, SelectionKey.OP_READ, c);
        connections.add(c);
        open = connections.size();
    }

    private Peer credentials(UnixSocketChannel channel) throws IOException {
        if (calls.linux()) {
            Credentials cred = channel.getOption(UnixSocketOptions.SO_PEERCRED);
            return Peer.of(cred.getUid(), cred.getPid());
        }
        return Peer.of(calls.peerUidBsd(channel.getFD()), 0);
    }

    // ---- serving ----------------------------------------------------------------------------

    private void serve(Connection c, int readyOps) {
        if (c.closed) {
            return;
        }
        if (c.out == null && (readyOps & SelectionKey.OP_READ) != 0) {
            int n;
            try {
                // Never called with a full buffer: jnr reads a zero-length read as end of stream.
                n = c.channel.read(c.in);
            } catch (IOException | RuntimeException e) {
                end(c, false);
                return;
            }
            if (n < 0) {
                end(c, false);
                return;
            }
        }
        process(c);
    }

    /** Writes what is pending, then answers complete lines one by one until input or output must wait. */
    private void process(Connection c) {
        while (!c.closed) {
            if (!drain(c)) {
                return;
            }
            int newline = indexOfNewline(c.in);
            if (newline < 0) {
                if (!c.in.hasRemaining()) {
                    quietly(() -> log.dropped(socket, c.peer, "line longer than " + MAX_LINE_BYTES + " bytes"));
                    queue(c, Reply.last("ERR line too long"));
                    continue;
                }
                c.key.interestOps(SelectionKey.OP_READ);
                return;
            }
            int end = newline > 0 && c.in.get(newline - 1) == '\r' ? newline - 1 : newline;
            String line = new String(c.in.array(), 0, end, StandardCharsets.ISO_8859_1);
            c.in.flip();
            c.in.position(newline + 1);
            c.in.compact();
            Reply reply;
            try {
                reply = c.conversation.line(line);
            } catch (RuntimeException e) {
                quietly(() -> log.dropped(socket, c.peer, "internal error: " + e));
                reply = Reply.last("ERR internal error");
            }
            queue(c, reply);
        }
    }

    private void queue(Connection c, Reply reply) {
        if (reply == null) {
            return;
        }
        String line = reply.line();
        boolean close = reply.close();
        if (line != null && (line.indexOf('\n') >= 0 || line.indexOf('\r') >= 0)) {
            quietly(() -> log.dropped(socket, c.peer, "internal error: a reply of more than one line"));
            line = "ERR internal error";
            close = true;
        }
        if (line != null) {
            c.out = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
        }
        c.afterFlush = reply.afterFlush();
        c.closeAfterFlush = close;
    }

    /** True if nothing is pending and the connection stays; false if output waits or the connection ended. */
    private boolean drain(Connection c) {
        if (c.out != null) {
            try {
                c.channel.write(c.out);
            } catch (IOException | RuntimeException e) {
                end(c, false);
                return false;
            }
            if (c.out.hasRemaining()) {
                c.key.interestOps(SelectionKey.OP_WRITE);
                return false;
            }
            c.out = null;
        }
        Runnable after = c.afterFlush;
        if (after != null) {
            c.afterFlush = null;
            quietly(after);
        }
        if (c.closeAfterFlush) {
            end(c, false);
            return false;
        }
        return true;
    }

    private static int indexOfNewline(ByteBuffer in) {
        byte[] a = in.array();
        for (int i = 0, n = in.position(); i < n; i++) {
            if (a[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    // ---- deadlines and endings --------------------------------------------------------------

    private long millisToNextDeadline(long now) {
        long next = Long.MAX_VALUE;
        for (Connection c : connections) {
            if (awaiting(c)) {
                next = Math.min(next, c.deadline - now);
            }
        }
        if (acceptPaused) {
            next = Math.min(next, acceptPausedUntil - now);
        }
        if (next == Long.MAX_VALUE) {
            return 0; // no deadline: wait for I/O only
        }
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(next) + 1);
    }

    private void expire(long now) {
        for (Connection c : new ArrayList<>(connections)) {
            if (c.closed || now - c.deadline < 0 || !awaiting(c)) {
                continue;
            }
            if (c.out == null && !c.closeAfterFlush) {
                quietly(() -> log.dropped(socket, c.peer,
                        "no command within " + limits.commandTimeout().toMillis() + " ms"));
                queue(c, Reply.last("ERR timeout"));
                process(c);
            } else {
                // It would not even take its last reply in time.
                end(c, false);
            }
        }
    }

    private boolean awaiting(Connection c) {
        try {
            return c.conversation.awaitingCommand();
        } catch (RuntimeException e) {
            return true;
        }
    }

    private void end(Connection c, boolean serverClosing) {
        if (c.closed) {
            return;
        }
        c.closed = true;
        connections.remove(c);
        open = connections.size();
        if (droppedAtCap > 1) {
            int more = droppedAtCap - 1;
            Peer last = lastDroppedAtCap;
            quietly(() -> log.dropped(socket, last, more + " more connections dropped at the cap"));
        }
        droppedAtCap = 0;
        c.key.cancel();
        closeQuietly(c.channel);
        Runnable after = c.afterFlush;
        if (after != null) {
            // A QUIT whose BYE could not be delivered still stands the daemon down.
            c.afterFlush = null;
            quietly(after);
        }
        // Not through quietly(): a lambda links on its first run, and the first connection to
        // end is often the heartbeat whose loss is being reported (measured: ~1 ms, bench/).
        try {
            c.conversation.ended(serverClosing);
        } catch (RuntimeException ignored) {
            // As in quietly().
        }
    }

    /** A callback that throws must not take the selector thread, and with it the socket, down. */
    private static void quietly(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException ignored) {
            // Deliberately swallowed; see above.
        }
    }

    private static void closeQuietly(java.nio.channels.Channel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // Closing a descriptor we are abandoning; nothing to do about a failure.
            }
        }
    }

    private static final class Connection {
        final UnixSocketChannel channel;
        final Peer peer;
        final Conversation conversation;
        final long deadline;
        final ByteBuffer in = ByteBuffer.allocate(MAX_LINE_BYTES);
        SelectionKey key;
        ByteBuffer out;
        Runnable afterFlush;
        boolean closeAfterFlush;
        boolean closed;

        Connection(UnixSocketChannel channel, Peer peer, Conversation conversation, long deadline) {
            this.channel = channel;
            this.peer = peer;
            this.conversation = conversation;
            this.deadline = deadline;
        }
    }
}
