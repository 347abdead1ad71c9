package dev.dazai.app.client;

import dev.dazai.adapters.in.unixsocket.SocketDirectory;
import dev.dazai.adapters.nativ.Fds;
import dev.dazai.adapters.nativ.FdPassing;
import dev.dazai.adapters.nativ.Sys;
import dev.dazai.app.cli.Locations;
import dev.dazai.app.cli.UserError;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import jnr.unixsocket.Credentials;
import jnr.unixsocket.UnixSocketAddress;
import jnr.unixsocket.UnixSocketChannel;
import jnr.unixsocket.UnixSocketOptions;

/**
 * The end of {@code control.sock} that passes fds ({@code dazai add}, {@code dazai run}): the
 * JDK's UNIX sockets cannot send or receive SCM_RIGHTS, so this one is jnr's, and it does the
 * checks every client does before it sends anything: the socket directory is a real directory of
 * this user's with no group or other access, and the process listening runs as this user
 * ({@code SO_PEERCRED}). Only a protocol line and fd numbers cross the heap; the secret itself
 * goes from the caller's stdin to the daemon, or from the daemon to the command, through the fd.
 */
public final class FdClient implements AutoCloseable {

    private static final Set<PosixFilePermission> GROUP_OR_OTHER = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);
    private static final int MAX_REPLY_BYTES = 4096;

    private final Path socket;
    private final UnixSocketChannel channel;
    private final FdPassing passing = new FdPassing();

    private FdClient(Path socket, UnixSocketChannel channel) {
        this.socket = socket;
        this.channel = channel;
    }

    /** The one reply line (null if the daemon closed without one) and the fds that came with it (the caller's). */
    public record Reply(String line, List<Integer> fds) {
        /** Closes every fd that came, for a reply the caller will not use. */
        public void closeFds() {
            fds.forEach(Fds::closeQuietly);
        }
    }

    /** Connects after checking the directory, then checks who listens; every failure is one line for people. */
    public static FdClient connect(Path socket) {
        Path abs = socket.toAbsolutePath();
        long uid = Locations.uid();
        checkDirectory(abs.getParent(), uid);
        ControlClient.requireSocket(abs);
        if (abs.toString().getBytes(StandardCharsets.UTF_8).length > SocketDirectory.MAX_SOCKET_PATH_BYTES) {
            throw UserError.environment("socket path " + abs + " is longer than a UNIX socket allows; pass a shorter --socket-dir");
        }
        UnixSocketChannel channel;
        try {
            channel = UnixSocketChannel.open(new UnixSocketAddress(abs.toString()));
        } catch (IOException e) {
            throw ControlClient.noDaemon(abs, e);
        }
        FdClient client = new FdClient(abs, channel);
        try {
            Credentials cred = channel.getOption(UnixSocketOptions.SO_PEERCRED);
            long peer = Integer.toUnsignedLong(cred.getUid());
            if (peer != uid) {
                throw UserError.environment("the daemon on " + abs + " runs as uid " + peer + ", not you (uid " + uid
                        + "), so it is not yours; nothing was sent: remove " + abs.getParent() + " or pass --socket-dir");
            }
        } catch (IOException | RuntimeException e) {
            client.close();
            if (e instanceof UserError u) {
                throw u;
            }
            throw UserError.environment("cannot tell who listens on " + abs + " (" + e.getMessage()
                    + "), so nothing was sent; check the daemon with dazai status");
        }
        return client;
    }

    /** A directory another user could have made, or could reach into, is not where this user's daemon listens. */
    static void checkDirectory(Path dir, long uid) {
        PosixFileAttributes attrs;
        try {
            attrs = Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            throw UserError.environment("no daemon: socket directory " + dir + " does not exist; start one"
                    + " (java -jar app.jar) or pass its --socket-dir");
        } catch (IOException | UnsupportedOperationException e) {
            throw UserError.environment("cannot inspect socket directory " + dir + " (" + e.getMessage()
                    + "); pass a --socket-dir of your own");
        }
        if (attrs.isSymbolicLink() || !attrs.isDirectory()) {
            throw UserError.environment("socket directory " + dir + " is " + (attrs.isSymbolicLink() ? "a symbolic link"
                    : "not a directory") + ", which a daemon of yours never makes; nothing was sent: remove it, or pass"
                    + " --socket-dir");
        }
        long owner;
        try {
            owner = ((Number) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS)).longValue();
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            throw UserError.environment("cannot read the owner of socket directory " + dir + "; pass a --socket-dir"
                    + " of your own");
        }
        if (owner != uid) {
            throw UserError.environment("socket directory " + dir + " is owned by uid " + owner + ", not you (uid "
                    + uid + "); nothing was sent: remove it, or pass --socket-dir");
        }
        Set<PosixFilePermission> open = EnumSet.copyOf(GROUP_OR_OTHER);
        open.retainAll(attrs.permissions());
        if (!open.isEmpty()) {
            throw UserError.environment("socket directory " + dir + " is open to others, and a daemon of yours makes"
                    + " it 0700; nothing was sent: chmod 700 " + dir + " and restart the daemon, or pass --socket-dir");
        }
    }

    /** Sends one command line, with {@code fd} attached unless it is negative. */
    public void send(String line, int fd) {
        byte[] bytes = (line + "\n").getBytes(StandardCharsets.US_ASCII);
        try {
            long sent = passing.send(channel.getFD(), bytes, fd);
            if (sent != bytes.length) {
                throw UserError.environment("the daemon on " + socket + " took " + sent + " of " + bytes.length
                        + " bytes of the command; check it with dazai status");
            }
        } catch (RuntimeException e) {
            if (e instanceof UserError u) {
                throw u;
            }
            throw UserError.environment("cannot send to the daemon on " + socket + " (" + e.getMessage()
                    + "); it may have stopped or fired");
        }
    }

    /**
     * Waits for the reply line, at most {@code timeout} (null: as long as it takes, for ADD, whose
     * input may be typed), collecting the fds that come with it.
     */
    public Reply receive(Duration timeout) {
        List<Integer> fds = new ArrayList<>();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        long deadline = timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
        int fd = channel.getFD();
        while (true) {
            long left = timeout == null ? 1000 : (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                fds.forEach(Fds::closeQuietly);
                throw UserError.environment("the daemon on " + socket + " did not answer within " + timeout.toSeconds()
                        + " s; check it with dazai status");
            }
            if (!Fds.await(fd, Sys.POLLIN, (int) Math.min(left, 1000))) {
                continue;
            }
            ByteBuffer in = ByteBuffer.allocate(MAX_REPLY_BYTES);
            long n;
            try {
                n = passing.receive(fd, in, fds::add);
            } catch (RuntimeException e) {
                n = 0; // ECONNRESET: the daemon closed; what came is the answer
            }
            if (n < 0) {
                continue;
            }
            if (n == 0) {
                return new Reply(line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8).strip(), fds);
            }
            line.write(in.array(), 0, (int) n);
            String text = line.toString(StandardCharsets.UTF_8);
            int newline = text.indexOf('\n');
            if (newline >= 0) {
                return new Reply(text.substring(0, newline), fds);
            }
            if (line.size() > MAX_REPLY_BYTES) {
                fds.forEach(Fds::closeQuietly);
                throw UserError.environment("the reply on " + socket + " is not a line; is it a dazai socket?");
            }
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Nothing left to say to it.
        }
    }
}
