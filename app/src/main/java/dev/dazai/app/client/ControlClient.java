package dev.dazai.app.client;

import dev.dazai.app.cli.UserError;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * {@code control.sock}: one command per connection, one reply line (DESIGN.md, Wire protocol).
 * Nothing is sent to, or believed from, a socket {@link SocketTrust} does not pass: that is an
 * environment error (exit 3) with the line SocketTrust wrote.
 */
public final class ControlClient {

    /** Generous: the daemon answers from memory, but the machine may be loaded. */
    static final Duration REPLY_TIMEOUT = Duration.ofSeconds(10);

    private final Path socket;

    public ControlClient(Path socket) {
        this.socket = socket;
    }

    /**
     * A reply and who sent it.
     *
     * @param line   the reply line, or null if the daemon closed without one (it may have fired)
     * @param daemon the daemon as the kernel saw it at connect (SO_PEERCRED): its uid, already
     *               checked to be ours, and its PID, which is the kernel's word and not the daemon's
     */
    public record Answer(String line, SocketTrust.Peer daemon) {
    }

    /** Sends {@code command} on a connection of its own; the reply and the daemon's credentials. */
    public Answer exchange(String command) {
        requireSocket(socket);
        try (LineClient client = LineClient.connect(socket, REPLY_TIMEOUT)) {
            try {
                client.send(command);
            } catch (IOException e) {
                // The daemon may have answered and closed already (BUSY); its reply is still readable.
            }
            Optional<String> line = client.readLine();
            return new Answer(line.orElse(null), client.peer());
        } catch (SocketTrust.UntrustedSocketException e) {
            throw UserError.environment(e.getMessage());
        } catch (ConnectException e) {
            throw noDaemon(socket, e);
        } catch (IOException e) {
            throw UserError.environment(e.getMessage() + "; check the daemon with dazai status");
        }
    }

    /** Sends {@code command}; the reply line, or null if the daemon closed without one (it may have fired). */
    public String askOrNull(String command) {
        return exchange(command).line();
    }

    /** As {@link #askOrNull}, but a missing reply is an error. */
    public String ask(String command) {
        String reply = askOrNull(command);
        if (reply == null) {
            throw UserError.environment("the daemon on " + socket + " closed the connection without answering "
                    + command + "; it may have stopped or fired");
        }
        return reply;
    }

    /** STATUS, parsed. */
    public Map<String, Object> status() {
        return parseStatus(ask("STATUS"));
    }

    /** A STATUS reply, parsed; a refusal or non-JSON is an error. */
    public Map<String, Object> parseStatus(String reply) {
        String line = okOrRefuse("STATUS", reply);
        try {
            return Json.object(line);
        } catch (IllegalArgumentException e) {
            throw UserError.environment("the STATUS reply on " + socket + " is not JSON (" + e.getMessage()
                    + "); is it a dazai socket?");
        }
    }

    /**
     * The socket's directory must pass {@link SocketTrust} before anything else is said about it;
     * then a missing socket file is the common case (no daemon started), worth its own clear line.
     */
    public static void requireSocket(Path socket) {
        Path dir = socket.toAbsolutePath().getParent();
        if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            try {
                SocketTrust.checkDirectory(dir, SocketTrust.ownUid());
            } catch (SocketTrust.UntrustedSocketException e) {
                throw UserError.environment(e.getMessage());
            }
        }
        if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
            throw UserError.environment("no daemon: " + socket + " does not exist; start one (dazai)"
                    + " or pass its --socket-dir");
        }
    }

    /** The one-line error for "nothing listens there", with how to start a daemon. */
    public static UserError noDaemon(Path socket, IOException e) {
        String why = e.getMessage() == null ? "no daemon on " + socket : e.getMessage();
        return UserError.environment(why.replaceFirst("; is the daemon running\\?$", "")
                + "; start the daemon (dazai) or pass its --socket-dir");
    }

    /** Throws a refusal for an {@code ERR …} reply; returns it otherwise. */
    public static String okOrRefuse(String what, String reply) {
        if (reply.startsWith("ERR")) {
            String why = reply.length() > 4 ? reply.substring(4) : "refused";
            throw UserError.refused(what + " refused by the daemon: " + why + "; see dazai --help");
        }
        return reply;
    }

    /** A number field of a parsed object, or -1 when absent or null. */
    public static long number(Map<String, Object> map, String field) {
        Object v = map.get(field);
        return v instanceof Number n ? n.longValue() : -1;
    }

    /** A string field of a parsed object, or "" when absent or null. */
    public static String text(Map<String, Object> map, String field) {
        Object v = map.get(field);
        return v == null ? "" : v.toString();
    }
}
