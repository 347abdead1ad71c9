package dev.dazai.adapters.in.unixsocket;

import dev.dazai.adapters.in.unixsocket.LineServer.Conversation;
import dev.dazai.adapters.in.unixsocket.LineServer.Outbox;
import dev.dazai.adapters.in.unixsocket.LineServer.Reply;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.IntSupplier;

/**
 * {@code control.sock}: one command per connection, one reply line, then close.
 *
 * <pre>
 * STATUS                     → one JSON line
 * SIGNALS                    → one JSON line
 * REGISTER &lt;pid&gt; [starttime] → OK | ERR &lt;reason&gt;
 * UNREGISTER &lt;pid&gt;           → OK | ERR not registered
 * PANIC | PANIC HARD         → OK (posted to the kernel, which owns the sequence)
 * STOP                       → OK: a clean stand-down, as SIGTERM (posted; inside a window it fires)
 * ADD &lt;name&gt;   + fd          → OK | ERR &lt;reason&gt;   (the secret is read from the fd attached)
 * REMOVE &lt;name&gt;              → OK | ERR &lt;reason&gt;
 * RUN &lt;name&gt;                 → OK &lt;containment&gt; + fd | ERR &lt;reason&gt;   (the asker is the consumer)
 * </pre>
 *
 * <p>Anything else gets {@code ERR unknown command}; a known command with bad arguments gets
 * {@code ERR bad pid}, {@code ERR bad starttime}, {@code ERR bad name: …} or {@code ERR usage: …}.
 * Every reply closes the connection, and the command must arrive within
 * {@link SocketLimits#commandTimeout()}. A name is 1 to 64 of {@code A-Z a-z 0-9 . _ -}.
 *
 * <p>Fds travel with SCM_RIGHTS: ADD's input arrives attached to its line (any other command's
 * attached fds are closed at once), RUN's pipe end leaves attached to its OK. Commands the kernel
 * decides are answered when it has, on its thread; the connection reads nothing more meanwhile and
 * is not timed out while it waits. REGISTER, ADD and RUN hand the asking process's pidfd
 * ({@code SO_PEERPIDFD}) to {@link ControlCommands}; it is opened only for them and closed when
 * the call returns.
 */
public final class ControlServer implements AutoCloseable {

    private final LineServer server;
    private final ControlCommands commands;
    private final ConnectionLog log;

    public ControlServer(Path socket, ControlCommands commands, ConnectionLog log) {
        this(socket, commands, log, SocketLimits.DEFAULT);
    }

    public ControlServer(Path socket, ControlCommands commands, ConnectionLog log, SocketLimits limits) {
        this.commands = Objects.requireNonNull(commands, "commands");
        this.log = Objects.requireNonNull(log, "log");
        this.server = new LineServer(socket, Command::new, log, limits, true);
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
        private final Outbox outbox;

        Command(Peer peer, IntSupplier peerPidfd, Outbox outbox) {
            this.peer = peer;
            this.peerPidfd = peerPidfd;
            this.outbox = outbox;
        }

        @Override
        public Reply line(String line) {
            return line(line, List.of());
        }

        @Override
        public Reply line(String line, List<Integer> fds) {
            String[] words = line.split(" ", -1);
            if (words[0].equals("ADD")) {
                return add(words, fds);
            }
            // Only ADD takes an fd: any other one is closed, never kept.
            fds.forEach(server.calls()::close);
            switch (words[0]) {
                case "REMOVE":
                    return remove(words);
                case "RUN":
                    return run(words);
                case "STATUS":
                    return last(words.length == 1 ? commands.status() : "ERR usage: STATUS");
                case "SIGNALS":
                    return last(words.length == 1 ? commands.signals() : "ERR usage: SIGNALS");
                case "PANIC":
                    if (words.length == 1) {
                        return last(commands.panic(false));
                    }
                    return last(words.length == 2 && words[1].equals("HARD") ? commands.panic(true) : "ERR usage: PANIC [HARD]");
                case "STOP":
                    return last(words.length == 1 ? commands.stop() : "ERR usage: STOP");
                case "UNREGISTER":
                    return unregister(words);
                case "REGISTER":
                    return register(words);
                default:
                    return last("ERR unknown command");
            }
        }

        private Reply add(String[] words, List<Integer> fds) {
            String usage = "ERR usage: ADD <name> (with the secret's fd attached)";
            String refusal = words.length != 2 ? usage
                    : !Names.valid(words[1]) ? Names.BAD
                    : fds.isEmpty() ? "ERR ADD needs the secret's fd attached (SCM_RIGHTS): use dazai add NAME"
                    : fds.size() > 1 ? "ERR ADD takes one fd, not " + fds.size()
                    : null;
            if (refusal != null) {
                fds.forEach(server.calls()::close);
                return last(refusal);
            }
            Answer answer = new Answer();
            int pidfd = peerPidfd.getAsInt();
            try {
                commands.add(words[1], fds.get(0), withPidfd(pidfd), answer);
            } catch (RuntimeException e) {
                answer.failed(e);
            } finally {
                server.calls().close(pidfd);
            }
            return Reply.LATER;
        }

        private Reply remove(String[] words) {
            if (words.length != 2) {
                return last("ERR usage: REMOVE <name>");
            }
            if (!Names.valid(words[1])) {
                return last(Names.BAD);
            }
            Answer answer = new Answer();
            try {
                commands.remove(words[1], answer);
            } catch (RuntimeException e) {
                answer.failed(e);
            }
            return Reply.LATER;
        }

        private Reply run(String[] words) {
            if (words.length != 2) {
                return last("ERR usage: RUN <name>");
            }
            if (!Names.valid(words[1])) {
                return last(Names.BAD);
            }
            Answer answer = new Answer();
            int pidfd = peerPidfd.getAsInt();
            try {
                commands.run(words[1], withPidfd(pidfd), answer::acceptWithFd);
            } catch (RuntimeException e) {
                answer.failed(e);
            } finally {
                server.calls().close(pidfd);
            }
            return Reply.LATER;
        }

        private Peer withPidfd(int pidfd) {
            return new Peer(peer.uid(), peer.pid(), pidfd >= 0 ? OptionalInt.of(pidfd) : OptionalInt.empty());
        }

        private Reply unregister(String[] words) {
            if (words.length != 2) {
                return last("ERR usage: UNREGISTER <pid>");
            }
            OptionalLong pid = Numbers.pid(words[1]);
            if (pid.isEmpty()) {
                return last("ERR bad pid");
            }
            Answer answer = new Answer();
            try {
                commands.unregister(pid.getAsLong(), answer);
            } catch (RuntimeException e) {
                answer.failed(e);
            }
            return Reply.LATER;
        }

        private Reply register(String[] words) {
            if (words.length < 2 || words.length > 3) {
                return last("ERR usage: REGISTER <pid> [starttime]");
            }
            OptionalLong pid = Numbers.pid(words[1]);
            if (pid.isEmpty()) {
                return last("ERR bad pid");
            }
            OptionalLong start = OptionalLong.empty();
            if (words.length == 3) {
                start = Numbers.unsigned(words[2]);
                if (start.isEmpty()) {
                    return last("ERR bad starttime");
                }
            }
            Answer answer = new Answer();
            int pidfd = peerPidfd.getAsInt();
            try {
                commands.register(pid.getAsLong(), start, withPidfd(pidfd), answer);
            } catch (RuntimeException e) {
                answer.failed(e);
            } finally {
                server.calls().close(pidfd);
            }
            return Reply.LATER;
        }

        private Reply last(String reply) {
            if (reply == null) {
                log.dropped(server.socket(), peer, "internal error: no reply");
                return Reply.last("ERR internal error");
            }
            return Reply.last(reply);
        }

        @Override
        public boolean awaitingCommand() {
            return true;
        }

        @Override
        public void ended(boolean serverClosing) {
            // Nothing is held per connection.
        }

        /** The one answer to a command the kernel decides, from whichever thread decided it; later ones are ignored. */
        private final class Answer implements Consumer<String> {
            private final AtomicBoolean given = new AtomicBoolean();

            @Override
            public void accept(String reply) {
                acceptWithFd(ControlCommands.WithFd.none(reply));
            }

            void acceptWithFd(ControlCommands.WithFd reply) {
                int fd = reply == null ? -1 : reply.fd();
                if (!given.compareAndSet(false, true)) {
                    server.calls().close(fd);
                    return;
                }
                if (reply == null || reply.line() == null) {
                    log.dropped(server.socket(), peer, "internal error: no reply");
                    server.calls().close(fd);
                    outbox.send(Reply.last("ERR internal error"));
                } else if (fd >= 0) {
                    outbox.send(Reply.lastWithFd(reply.line(), fd));
                } else {
                    outbox.send(Reply.last(reply.line()));
                }
            }

            void failed(RuntimeException e) {
                if (!given.get()) {
                    log.dropped(server.socket(), peer, "internal error: " + e);
                }
                accept("ERR internal error");
            }
        }
    }
}
