package dev.dazai.adapters.in.unixsocket;

import dev.dazai.adapters.in.unixsocket.LineServer.Conversation;
import dev.dazai.adapters.in.unixsocket.LineServer.Outbox;
import dev.dazai.adapters.in.unixsocket.LineServer.Reply;
import dev.dazai.kernel.port.in.Liveness;
import dev.dazai.kernel.port.in.Liveness.Answer;
import dev.dazai.kernel.port.in.Liveness.Heartbeat;
import dev.dazai.kernel.port.in.Liveness.HeartbeatLine;
import java.nio.file.Path;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * {@code heartbeat.sock}: the liveness channel, byte for byte the reference protocol.
 *
 * <pre>
 * (connect)    → BUSY, then close, at once if another heartbeat holds the slot
 * HELLO &lt;pid&gt;  → WELCOME (the slot is ours) | BUSY, then close
 * PING         → PONG | ERR too late (the switch has fired or stopped)
 * CANCEL       → CANCELLED | ERR nothing pending | ERR too late
 * QUIT         → BYE, then close (a clean stop) | ERR panic pending, then close (a window was
 *                pending: it fires) | ERR too late, then close
 * </pre>
 *
 * <p>The kernel decides each answer on its own thread and sends it back through this connection's
 * {@link HeartbeatLine}; until it has, the connection reads nothing more. Only the kernel's words
 * are spelled here ({@link #wire}); the protocol's own errors are answered at once: before HELLO,
 * PING/CANCEL/QUIT get {@code ERR hello first} and the connection is closed (a connection that
 * never held the slot has nothing to refresh, cancel or quit, which is how a second client can
 * neither displace the heartbeat nor cancel a panic: BusyNeverDisplaces). An unknown line gets
 * {@code ERR unknown command} and the connection stays, before HELLO as after; {@code HELLO} with
 * a malformed pid gets {@code ERR bad pid}, a second HELLO {@code ERR already attached}. A
 * connection has {@link SocketLimits#commandTimeout()} to send HELLO, not counting the time the
 * kernel takes to answer it; once attached it may stay silent as long as it likes (the kernel's
 * ping timeout, if set, is what watches it). A trailing CR is ignored.
 *
 * <p>Every connection is announced to the kernel when accepted ({@code clientConnects}) and
 * reported once when it ends ({@code clientHangsUp}), whatever ended it, BUSY and QUIT included;
 * only closing this server in order (the daemon is going away) reports nothing.
 */
public final class HeartbeatServer implements AutoCloseable {

    private final LineServer server;
    private final Liveness liveness;

    public HeartbeatServer(Path socket, Liveness liveness, ConnectionLog log) {
        this(socket, liveness, log, SocketLimits.DEFAULT);
    }

    public HeartbeatServer(Path socket, Liveness liveness, ConnectionLog log, SocketLimits limits) {
        this.liveness = Objects.requireNonNull(liveness, "liveness");
        this.server = new LineServer(socket, (peer, pidfd, outbox) -> new Session(peer, outbox), log, limits);
    }

    /** Binds the socket (stale one replaced, live one refused with {@link SocketSetupException}) and serves. */
    /**
     * Loads what the first bind needs (jnr-unixsocket's native bindings, generated at run time and
     * the slowest part of a cold start), so a daemon can do it on a spare thread while the rest of
     * its start-up runs. Any thread, any number of times; failures are left for the real bind.
     */
    public static void prepareBindings() {
        try {
            jnr.unixsocket.UnixServerSocketChannel.open().close();
        } catch (java.io.IOException | RuntimeException | LinkageError e) {
            // The bind reports it, with the path and the fix, on the thread that can act on it.
        }
    }

    public HeartbeatServer start() {
        server.start();
        return this;
    }

    public Path socket() {
        return server.socket();
    }

    /** Connections open right now, attached or not. */
    public int connections() {
        return server.connectionCount();
    }

    /** Closes every connection without reporting a loss (the daemon is going away); unlinks nothing. */
    @Override
    public void close() {
        server.close();
    }

    /** The wire spelling of each kernel answer. */
    static String wire(Answer answer) {
        return switch (answer) {
            case BUSY -> "BUSY";
            case PONG -> "PONG";
            case CANCELLED -> "CANCELLED";
            case NOTHING_PENDING -> "ERR nothing pending";
            case TOO_LATE -> "ERR too late";
            case BYE -> "BYE";
            case PANIC_PENDING -> "ERR panic pending";
        };
    }

    /** One connection: its protocol on the selector thread, its {@link HeartbeatLine} for the kernel's threads. */
    private final class Session implements Conversation, HeartbeatLine {
        private final Peer peer;
        private final Outbox outbox;
        /** Set by the kernel's thread before WELCOME is queued, so the next line read sees it. */
        private volatile Heartbeat heartbeat;

        Session(Peer peer, Outbox outbox) {
            this.peer = peer;
            this.outbox = outbox;
        }

        // ---- Conversation (selector thread) -----------------------------------------------------

        /** Reads nothing until the kernel says BUSY or admits it: BUSY comes before any word is read. */
        @Override
        public boolean opened() {
            liveness.clientConnects(this);
            return true;
        }

        @Override
        public Reply line(String line) {
            Heartbeat hb = heartbeat;
            return hb == null ? beforeHello(line) : attached(hb, line);
        }

        private Reply beforeHello(String line) {
            if (line.startsWith("HELLO ")) {
                OptionalLong pid = Numbers.pid(line.substring("HELLO ".length()));
                if (pid.isEmpty()) {
                    return Reply.keep("ERR bad pid");
                }
                liveness.clientSaysHello(this, pid.getAsLong());
                return Reply.LATER;
            }
            switch (line) {
                case "HELLO":
                    return Reply.keep("ERR bad pid");
                case "PING":
                case "CANCEL":
                case "QUIT":
                    return Reply.last("ERR hello first");
                default:
                    return Reply.keep("ERR unknown command");
            }
        }

        private Reply attached(Heartbeat hb, String line) {
            switch (line) {
                case "PING":
                    hb.pings();
                    return Reply.LATER;
                case "CANCEL":
                    hb.cancels();
                    return Reply.LATER;
                case "QUIT":
                    hb.quits();
                    return Reply.LATER;
                default:
                    return Reply.keep(line.equals("HELLO") || line.startsWith("HELLO ")
                            ? "ERR already attached" : "ERR unknown command");
            }
        }

        @Override
        public boolean awaitingCommand() {
            return heartbeat == null;
        }

        @Override
        public void ended(boolean serverClosing) {
            if (!serverClosing) {
                liveness.clientHangsUp(this);
            }
        }

        // ---- HeartbeatLine (the kernel's threads) -----------------------------------------------

        @Override
        public long peerPid() {
            return peer.pid();
        }

        @Override
        public void admitted() {
            outbox.send(Reply.keep(null));
        }

        @Override
        public void welcome(Heartbeat granted) {
            heartbeat = Objects.requireNonNull(granted, "heartbeat");
            outbox.send(Reply.keep("WELCOME"));
        }

        @Override
        public void answer(Answer answer) {
            outbox.send(Reply.keep(wire(answer)));
        }

        @Override
        public void answerAndClose(Answer answer, Runnable delivered) {
            outbox.send(Reply.last(wire(answer), delivered));
        }

        @Override
        public String toString() {
            return "heartbeat connection of " + peer;
        }
    }
}
