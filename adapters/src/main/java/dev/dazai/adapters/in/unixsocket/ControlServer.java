package dev.dazai.adapters.in.unixsocket;

import dev.dazai.adapters.in.unixsocket.LineServer.Conversation;
import dev.dazai.adapters.in.unixsocket.LineServer.Reply;
import java.nio.file.Path;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.function.IntSupplier;

/**
 * {@code control.sock}: one command per connection, one reply line, then close.
 *
 * <pre>
 * STATUS                     → one JSON line
 * SIGNALS                    → one JSON line
 * REGISTER &lt;pid&gt; [starttime] → OK | ERR &lt;reason&gt;
 * UNREGISTER &lt;pid&gt;           → OK | ERR not registered
 * PANIC | PANIC HARD         → OK
 * </pre>
 *
 * <p>Anything else gets {@code ERR unknown command}; a known command with bad arguments gets
 * {@code ERR bad pid}, {@code ERR bad starttime} or {@code ERR usage: …}. Every reply closes the
 * connection, and the whole exchange must happen within {@link SocketLimits#commandTimeout()}.
 * REGISTER hands the asking process's pidfd ({@code SO_PEERPIDFD}) to {@link ControlCommands};
 * it is opened only for REGISTER and closed when the call returns.
 */
public final class ControlServer implements AutoCloseable {

    private final LineServer server;
    private final ControlCommands commands;

    public ControlServer(Path socket, ControlCommands commands, ConnectionLog log) {
        this(socket, commands, log, SocketLimits.DEFAULT);
    }

    public ControlServer(Path socket, ControlCommands commands, ConnectionLog log, SocketLimits limits) {
        this.commands = Objects.requireNonNull(commands, "commands");
        this.server = new LineServer(socket, Command::new, log, limits);
    }

    /** Binds the socket (stale one replaced, live one refused with {@link SocketSetupException}) and serves. */
    public ControlServer start() {
        server.start();
        return this;
    }

    public Path socket() {
        return server.socket();
    }

    public int connections() {
        return server.connectionCount();
    }

    /** Closes every connection and the listener; unlinks nothing. */
    @Override
    public void close() {
        server.close();
    }

    private final class Command implements Conversation {
        private final Peer peer;
        private final IntSupplier peerPidfd;

        Command(Peer peer, IntSupplier peerPidfd) {
            this.peer = peer;
            this.peerPidfd = peerPidfd;
        }

        @Override
        public Reply line(String line) {
            String reply = answer(line);
            return Reply.last(reply == null ? "ERR internal error" : reply);
        }

        private String answer(String line) {
            String[] words = line.split(" ", -1);
            switch (words[0]) {
                case "STATUS":
                    return words.length == 1 ? commands.status() : "ERR usage: STATUS";
                case "SIGNALS":
                    return words.length == 1 ? commands.signals() : "ERR usage: SIGNALS";
                case "PANIC":
                    if (words.length == 1) {
                        return commands.panic(false);
                    }
                    return words.length == 2 && words[1].equals("HARD") ? commands.panic(true) : "ERR usage: PANIC [HARD]";
                case "UNREGISTER": {
                    if (words.length != 2) {
                        return "ERR usage: UNREGISTER <pid>";
                    }
                    OptionalLong pid = Numbers.pid(words[1]);
                    return pid.isPresent() ? commands.unregister(pid.getAsLong()) : "ERR bad pid";
                }
                case "REGISTER":
                    return register(words);
                default:
                    return "ERR unknown command";
            }
        }

        private String register(String[] words) {
            if (words.length < 2 || words.length > 3) {
                return "ERR usage: REGISTER <pid> [starttime]";
            }
            OptionalLong pid = Numbers.pid(words[1]);
            if (pid.isEmpty()) {
                return "ERR bad pid";
            }
            OptionalLong start = OptionalLong.empty();
            if (words.length == 3) {
                start = Numbers.unsigned(words[2]);
                if (start.isEmpty()) {
                    return "ERR bad starttime";
                }
            }
            int pidfd = peerPidfd.getAsInt();
            try {
                Peer asking = new Peer(peer.uid(), peer.pid(), pidfd >= 0 ? OptionalInt.of(pidfd) : OptionalInt.empty());
                return commands.register(pid.getAsLong(), start, asking);
            } finally {
                server.calls().close(pidfd);
            }
        }

        @Override
        public boolean awaitingCommand() {
            return true;
        }

        @Override
        public void ended(boolean serverClosing) {
            // Nothing is held per connection.
        }
    }
}
