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
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import dev.dazai.adapters.nativ.FdPassing;
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
 * the replies owed. A line is answered either at once or later, from another thread, through the
 * connection's {@link Outbox} (the kernel decides on its own thread). A connection that waits for
 * such an answer reads no further input until it came and was written: at most one request per
 * connection is ever outstanding, which is what bounds the kernel's queue. While a reply waits
 * for the peer to read, input is not read either, so a client that writes without reading stalls
 * itself, not the daemon. A connection that owes a command gets
 * {@link SocketLimits#commandTimeout()} to send it; one waiting for an answer is never timed out
 * (a reply made up here could disagree with what the kernel then did).
 *
 * <p>The protocol itself lives in a {@link Conversation}, called on this thread only, so it
 * needs no locks.
 */
final class LineServer implements AutoCloseable {

    /** Longest line the daemon reads, newline included. */
    static final int MAX_LINE_BYTES = 256;

    private static final int ACCEPTS_PER_ROUND = 64;
    private static final long ACCEPT_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long JOIN_MILLIS = 5_000;

    /** One connection's side of the protocol. Every method runs on the selector thread. */
    interface Conversation {

        /**
         * Once, when the connection is registered and before any line: where a server announces it.
         * True to read nothing until a first answer (even one with no line) comes through the {@link Outbox}.
         */
        default boolean opened() {
            return false;
        }

        /**
         * One complete line, without its newline (and without one trailing CR). Returns the reply
         * to write now, or {@link Reply#LATER} when the answer will come through the {@link Outbox}.
         */
        Reply line(String line);

        /**
         * As {@link #line(String)}, on a server that {@link LineServer passes fds}, with every fd
         * that arrived since the last line (SCM_RIGHTS). The conversation owns them from now on;
         * by default it closes them and answers the line alone.
         */
        default Reply line(String line, List<Integer> fds) {
            fds.forEach(dev.dazai.adapters.nativ.Fds::closeQuietly);
            return line(line);
        }

        /** True while the peer owes a command: the connection is cut when the command timeout passes. */
        boolean awaitingCommand();

        /**
         * Called once, when the connection is gone. {@code serverClosing} only when the server was
         * closed in order; a server whose thread failed ends its connections as hung up.
         */
        void ended(boolean serverClosing);
    }

    /** Makes the conversation for a newly accepted peer; {@code peerPidfd} opens a pidfd the caller must close (-1 if none). */
    interface Opener {
        Conversation open(Peer peer, IntSupplier peerPidfd, Outbox outbox);
    }

    /**
     * Where a connection's answers go when they are decided on another thread. Safe from any
     * thread; an answer ends the connection's wait, so reading resumes once it was written. An
     * answer to a connection that is already gone is dropped and its {@code afterFlush} run.
     */
    interface Outbox {
        void send(Reply reply);
    }

    /**
     * What to send back for a line.
     *
     * @param line       the reply, without newline; null sends nothing
     * @param close      close the connection once the reply is written
     * @param afterFlush runs once the reply has been written, or the connection ended first
     * @param fd         an fd to pass with the line (SCM_RIGHTS; fd servers only), -1 for none; the
     *                   server owns it and closes it once sent or when the connection ends
     */
    record Reply(String line, boolean close, Runnable afterFlush, int fd) {

        /** Not a reply: the answer comes later through the {@link Outbox}. Compared by identity. */
        static final Reply LATER = new Reply(null, false, null, -1);

        Reply(String line, boolean close, Runnable afterFlush) {
            this(line, close, afterFlush, -1);
        }

        static Reply keep(String line) {
            return new Reply(line, false, null);
        }

        static Reply last(String line) {
            return new Reply(line, true, null);
        }

        static Reply last(String line, Runnable afterFlush) {
            return new Reply(line, true, afterFlush);
        }

        /** The last line, with {@code fd} passed along. */
        static Reply lastWithFd(String line, int fd) {
            return new Reply(line, true, null, fd);
        }
    }

    private final Path socket;
    private final Opener opener;
    private final ConnectionLog log;
    private final SocketLimits limits;
    private final SocketCalls calls;
    private final int uid;
    /** Reads with recvmsg and writes fds with sendmsg (control.sock); null: plain reads (heartbeat.sock). */
    private final FdPassing passing;
    /** Answers from other threads, handed to the selector thread (wakeup() tells it). */
    private final Queue<Delivery> answers = new ConcurrentLinkedQueue<>();

    // Touched only by the selector thread once started.
    private final Set<Connection> connections = new LinkedHashSet<>();
    private long acceptPausedUntil;
    private boolean acceptPaused;
    private int droppedAtCap;
    private Peer lastDroppedAtCap;

    private volatile boolean closing;
    /** The selector thread is gone: answers posted from now on are dropped by their poster. */
    private volatile boolean stopped;
    private volatile int open;
    private UnixServerSocketChannel server;
    private volatile Selector selector;
    private SelectionKey serverKey;
    private Thread thread;

    LineServer(Path socket, Opener opener, ConnectionLog log, SocketLimits limits) {
        this(socket, opener, log, limits, false);
    }

    /** {@code passesFds}: clients may attach fds to their line, and replies may carry one. */
    LineServer(Path socket, Opener opener, ConnectionLog log, SocketLimits limits, boolean passesFds) {
        this.socket = socket.toAbsolutePath();
        this.opener = Objects.requireNonNull(opener, "opener");
        this.log = Objects.requireNonNull(log, "log");
        this.limits = Objects.requireNonNull(limits, "limits");
        this.calls = new SocketCalls();
        this.uid = calls.uid();
        this.passing = passesFds ? new FdPassing() : null;
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
        wakeup();
        if (t != Thread.currentThread()) {
            try {
                t.join(JOIN_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void run() {
        Throwable failure = null;
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
                    } else if (key.isValid()) {
                        serve((Connection) key.attachment(), key.readyOps());
                    }
                }
                deliverAnswers();
                long now = System.nanoTime();
                expire(now);
                resumeAccepting(now);
            }
        } catch (Throwable t) {
            failure = t;
        }
        stop(failure);
    }

    /**
     * The thread's last act. In order (closed by the daemon) the connections end as "server
     * closing"; after a failure each ends as hung up, so a heartbeat's loss is not hidden, and an
     * {@link Error} is thrown on to the uncaught-exception handler (the daemon's hard panic).
     */
    private void stop(Throwable failure) {
        if (failure != null) {
            try {
                log.failed(socket, String.valueOf(failure));
            } catch (Throwable ignored) {
                // Out of memory, most likely: the hang-ups below matter more than the log line.
            }
        }
        for (Connection c : new ArrayList<>(connections)) {
            try {
                end(c, failure == null);
            } catch (Throwable ignored) {
                // Each connection still gets its turn.
            }
        }
        stopped = true;
        dropAnswers();
        closeQuietly(server);
        try {
            selector.close();
        } catch (IOException | RuntimeException ignored) {
            // Nothing left to serve.
        }
        if (failure instanceof Error error) {
            throw error;
        }
    }

    // ---- answers from other threads ---------------------------------------------------------

    /** Any thread: queues the answer for the selector thread, or drops it if that thread is gone. */
    private void post(Connection c, Reply reply) {
        answers.add(new Delivery(c, Objects.requireNonNull(reply, "reply")));
        if (stopped) {
            dropAnswers();
        } else {
            wakeup();
        }
    }

    /** Selector thread: each answer ends its connection's wait and is written. */
    private void deliverAnswers() {
        Delivery d;
        while ((d = answers.poll()) != null) {
            Connection c = d.connection();
            if (c.closed) {
                runAfterFlush(d.reply().afterFlush());
                calls.close(d.reply().fd());
                continue;
            }
            c.waiting = false;
            // The time the kernel took was not the client's silence: its command timeout starts again.
            c.deadline = System.nanoTime() + limits.commandTimeout().toNanos();
            queue(c, d.reply());
            process(c);
        }
    }

    /** No thread will write these any more: "delivered" still has to run, as for a failed write. */
    private void dropAnswers() {
        Delivery d;
        while ((d = answers.poll()) != null) {
            runAfterFlush(d.reply().afterFlush());
            calls.close(d.reply().fd());
        }
    }

    private void wakeup() {
        Selector s = selector;
        if (s == null) {
            return;
        }
        try {
            s.wakeup();
        } catch (RuntimeException closedMeanwhile) {
            // The thread is stopping; stop() drops what is left.
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
        Connection c = new Connection(channel, peer, System.nanoTime() + limits.commandTimeout().toNanos());
        c.conversation = opener.open(peer, () -> calls.peerPidfd(fd), c);
        c.key = channel.register(selector, SelectionKey.OP_READ, c);
        connections.add(c);
        open = connections.size();
        try {
            c.waiting = c.conversation.opened();
        } catch (RuntimeException e) {
            quietly(() -> log.dropped(socket, c.peer, "internal error: " + e));
            end(c, false);
        }
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
        // Never read with a full buffer (jnr reads a zero-length read as end of stream), nor while
        // a reply or an answer is owed: that is the backpressure.
        if ((readyOps & SelectionKey.OP_READ) != 0 && c.out == null && !c.waiting && !c.closeAfterFlush
                && c.in.hasRemaining()) {
            long n;
            try {
                if (passing == null) {
                    n = c.channel.read(c.in);
                } else {
                    n = passing.receive(c.channel.getFD(), c.in, fd -> hold(c, fd));
                    n = n == 0 ? -1 : Math.max(n, 0);
                }
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

    /** Writes what is owed, then answers complete lines one by one until input, output or an answer must wait. */
    /**
     * Keeps an fd that arrived for the line being read, up to FdPassing.MAX_FDS (no command takes
     * more than one); the rest are closed on arrival, so junk cannot make the daemon hoard
     * descriptors until the line or the connection ends.
     */
    private void hold(Connection c, int fd) {
        if (c.fds.size() < dev.dazai.adapters.nativ.FdPassing.MAX_FDS) {
            c.fds.add(fd);
        } else {
            calls.close(fd);
        }
    }

    private void process(Connection c) {
        while (!c.closed) {
            if (!drain(c)) {
                return;
            }
            if (c.waiting) {
                c.key.interestOps(0);
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
                if (passing == null) {
                    reply = c.conversation.line(line);
                } else {
                    List<Integer> fds = new ArrayList<>(c.fds);
                    c.fds.clear();
                    reply = c.conversation.line(line, fds);
                }
            } catch (RuntimeException e) {
                quietly(() -> log.dropped(socket, c.peer, "internal error: " + e));
                reply = Reply.last("ERR internal error");
            }
            if (reply == Reply.LATER) {
                c.waiting = true;
            } else {
                queue(c, reply);
            }
        }
    }

    /** Adds a reply to what the connection owes; after a closing reply nothing more is written. */
    private void queue(Connection c, Reply reply) {
        if (reply == null || reply == Reply.LATER) {
            return;
        }
        c.afterFlush = chain(c.afterFlush, reply.afterFlush());
        if (c.closeAfterFlush) {
            calls.close(reply.fd());
            return;
        }
        String line = reply.line();
        boolean close = reply.close();
        int fd = reply.fd();
        if (line != null && (line.indexOf('\n') >= 0 || line.indexOf('\r') >= 0)) {
            quietly(() -> log.dropped(socket, c.peer, "internal error: a reply of more than one line"));
            line = "ERR internal error";
            close = true;
            calls.close(fd);
            fd = -1;
        }
        if (fd >= 0 && (passing == null || line == null || c.out != null || c.outFd >= 0)) {
            // Only a line written first can carry an fd; a server without fds never passes one.
            quietly(() -> log.dropped(socket, c.peer, "internal error: an fd that cannot be passed"));
            calls.close(fd);
            fd = -1;
            line = "ERR internal error";
            close = true;
        }
        c.outFd = fd;
        if (line != null) {
            byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
            if (c.out == null) {
                c.out = ByteBuffer.wrap(bytes);
            } else {
                // An answer that came while an earlier reply was still being written: at most a few lines.
                ByteBuffer both = ByteBuffer.allocate(c.out.remaining() + bytes.length);
                both.put(c.out).put(bytes).flip();
                c.out = both;
            }
        }
        c.closeAfterFlush = close;
    }

    /** True if nothing is owed and the connection stays; false if output waits or the connection ended. */
    private boolean drain(Connection c) {
        if (c.out != null) {
            try {
                if (c.outFd >= 0) {
                    // The fd goes with the first byte; the rest of the line, if any is left, as usual.
                    byte[] bytes = new byte[c.out.remaining()];
                    c.out.duplicate().get(bytes);
                    long n = passing.send(c.channel.getFD(), bytes, c.outFd);
                    if (n > 0) {
                        c.out.position(c.out.position() + (int) n);
                        calls.close(c.outFd);
                        c.outFd = -1;
                    }
                } else {
                    c.channel.write(c.out);
                }
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
            runAfterFlush(after);
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
            if (!c.waiting && awaiting(c)) {
                next = Math.min(next, c.deadline - now);
            }
        }
        if (acceptPaused) {
            next = Math.min(next, acceptPausedUntil - now);
        }
        if (next == Long.MAX_VALUE) {
            return 0; // no deadline: wait for I/O and answers only
        }
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(next) + 1);
    }

    private void expire(long now) {
        for (Connection c : new ArrayList<>(connections)) {
            if (c.closed || c.waiting || now - c.deadline < 0 || !awaiting(c)) {
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
        calls.close(c.outFd);
        c.outFd = -1;
        c.fds.forEach(calls::close);
        c.fds.clear();
        Runnable after = c.afterFlush;
        if (after != null) {
            // A QUIT whose BYE could not be delivered still stands the daemon down.
            c.afterFlush = null;
            runAfterFlush(after);
        }
        // Not through quietly(): a lambda links on its first run, and the first connection to
        // end is often the heartbeat whose loss is being reported (measured: ~1 ms, bench/).
        try {
            c.conversation.ended(serverClosing);
        } catch (RuntimeException ignored) {
            // As in quietly().
        }
    }

    private static Runnable chain(Runnable first, Runnable second) {
        if (first == null) {
            return second;
        }
        if (second == null) {
            return first;
        }
        return () -> {
            runAfterFlush(first);
            runAfterFlush(second);
        };
    }

    private static void runAfterFlush(Runnable r) {
        if (r != null) {
            try {
                r.run();
            } catch (RuntimeException ignored) {
                // As in quietly().
            }
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

    /** An answer on its way from another thread to the selector thread. */
    private record Delivery(Connection connection, Reply reply) {
    }

    private final class Connection implements Outbox {
        final UnixSocketChannel channel;
        final Peer peer;
        /** When the owed command must have come; restarted when a wait for the kernel ends. */
        long deadline;
        final ByteBuffer in = ByteBuffer.allocate(MAX_LINE_BYTES);
        Conversation conversation;
        SelectionKey key;
        ByteBuffer out;
        /** Passed with the first byte of {@link #out}, then closed; -1 for none. */
        int outFd = -1;
        /** Fds that arrived with input not yet handed to a line. */
        final List<Integer> fds = new ArrayList<>();
        Runnable afterFlush;
        boolean closeAfterFlush;
        /** A line was handed on and its answer has not come back: nothing more is read. */
        boolean waiting;
        boolean closed;

        Connection(UnixSocketChannel channel, Peer peer, long deadline) {
            this.channel = channel;
            this.peer = peer;
            this.deadline = deadline;
        }

        @Override
        public void send(Reply reply) {
            post(this, reply);
        }
    }
}
