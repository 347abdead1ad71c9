package dev.dazai.adapters.in.unixsocket;

import dev.dazai.adapters.in.unixsocket.LineServer.Conversation;
import dev.dazai.adapters.in.unixsocket.LineServer.Reply;
import dev.dazai.kernel.port.in.Liveness;
import dev.dazai.kernel.port.in.Liveness.Heartbeat;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * {@code heartbeat.sock}: the liveness channel, byte for byte the reference protocol.
 *
 * <pre>
 * HELLO &lt;pid&gt;  → WELCOME (the slot is ours) | BUSY, then close
 * PING         → PONG                 | ERR too late (the switch has fired or stopped)
 * CANCEL       → CANCELLED | ERR nothing pending | ERR too late
 * QUIT         → BYE, then close and stand down (Heartbeat.quit)
 * EOF, error, or any close without QUIT on an attached connection → Heartbeat.lost(), once
 * </pre>
 *
 * <p>Before HELLO, PING/CANCEL/QUIT get {@code ERR hello first} and the connection is closed: a
 * connection that never held the slot has nothing to refresh, cancel or quit, which is how a
 * second client can neither displace the heartbeat nor cancel a panic (BusyNeverDisplaces).
 * An unknown line gets {@code ERR unknown command} and the connection stays, before HELLO as
 * after; {@code HELLO} with a malformed pid gets {@code ERR bad pid}, a second HELLO
 * {@code ERR already attached}. A connection has {@link SocketLimits#commandTimeout()} to attach;
 * once attached it may stay silent as long as it likes (the kernel's ping timeout, if set, is
 * what watches it). A trailing CR is ignored.
 */
public final class HeartbeatServer implements AutoCloseable {

    private final LineServer server;
    private final Liveness liveness;

    public HeartbeatServer(Path socket, Liveness liveness, ConnectionLog log) {
        this(socket, liveness, log, SocketLimits.DEFAULT);
    }

    public HeartbeatServer(Path socket, Liveness liveness, ConnectionLog log, SocketLimits limits) {
        this.liveness = Objects.requireNonNull(liveness, "liveness");
        this.server = new LineServer(socket, (peer, pidfd) -> new Session(), log, limits);
    }

    /** Binds the socket (stale one replaced, live one refused with {@link SocketSetupException}) and serves. */
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

    private final class Session implements Conversation {
        private Heartbeat heartbeat;
        private boolean quit;

        @Override
        public Reply line(String line) {
            return heartbeat == null ? beforeHello(line) : attached(line);
        }

        private Reply beforeHello(String line) {
            if (line.startsWith("HELLO ")) {
                OptionalLong pid = Numbers.pid(line.substring("HELLO ".length()));
                if (pid.isEmpty()) {
                    return Reply.keep("ERR bad pid");
                }
                Optional<Heartbeat> slot = liveness.hello(pid.getAsLong());
                if (slot.isEmpty()) {
                    return Reply.last("BUSY");
                }
                heartbeat = slot.get();
                return Reply.keep("WELCOME");
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

        private Reply attached(String line) {
            switch (line) {
                case "PING":
                    return Reply.keep(heartbeat.ping() ? "PONG" : "ERR too late");
                case "CANCEL":
                    switch (heartbeat.cancel()) {
                        case CANCELLED:
                            return Reply.keep("CANCELLED");
                        case NOTHING_PENDING:
                            return Reply.keep("ERR nothing pending");
                        default:
                            return Reply.keep("ERR too late");
                    }
                case "QUIT":
                    quit = true;
                    // BYE first: quit() starts the shutdown, which may end this process.
                    return Reply.last("BYE", heartbeat::quit);
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
            if (heartbeat != null && !quit && !serverClosing) {
                heartbeat.lost();
            }
        }
    }
}
