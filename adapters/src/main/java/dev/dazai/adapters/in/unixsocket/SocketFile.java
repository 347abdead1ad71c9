package dev.dazai.adapters.in.unixsocket;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import jnr.constants.platform.Errno;
import jnr.unixsocket.UnixServerSocketChannel;
import jnr.unixsocket.UnixSocketAddress;
import jnr.unixsocket.UnixSocketChannel;

/**
 * Binds a listening socket at a path, replacing a stale socket file and refusing a live one.
 *
 * <p>Stale or live is decided by connecting: a listener answers (live: refuse, never steal a
 * running daemon's socket), a dead socket file gives ECONNREFUSED (stale: unlink and bind).
 * Anything at the path that is not a socket is left alone and refused.
 *
 * <p>The umask is not touched, because it is per process and other threads create files too. So
 * the socket exists for a moment with the umask's mode before {@code chmod 0600}; in that window
 * it sits in a {@code 0700} directory no other uid can enter, and every accepted peer's uid is
 * checked anyway.
 */
final class SocketFile {

    static final int BACKLOG = 64;

    private SocketFile() {
    }

    static UnixServerSocketChannel bind(Path socket) {
        SocketDirectory.checkFits(socket);
        PosixFileAttributes attrs = SocketDirectory.lstat(socket);
        if (attrs != null) {
            if (!attrs.isOther() || !isSocket(socket)) {
                throw new SocketSetupException("dazai: " + socket
                        + " exists and is not a socket; remove it or pass --socket-dir");
            }
            if (live(socket)) {
                throw alreadyListening(socket);
            }
            try {
                Files.deleteIfExists(socket);
            } catch (IOException e) {
                throw new SocketSetupException("dazai: cannot remove the stale socket " + socket + ": "
                        + e.getMessage() + "; remove it or pass --socket-dir", e);
            }
        }
        UnixServerSocketChannel channel = null;
        try {
            channel = UnixServerSocketChannel.open();
            channel.socket().bind(new UnixSocketAddress(socket.toString()), BACKLOG);
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
            return channel;
        } catch (IOException e) {
            closeQuietly(channel);
            if (String.valueOf(e.getMessage()).contains("in use")) {
                // Another daemon bound it between our check and our bind.
                throw alreadyListening(socket);
            }
            throw new SocketSetupException("dazai: cannot listen on " + socket + ": " + e.getMessage()
                    + "; pass --socket-dir", e);
        }
    }

    private static SocketSetupException alreadyListening(Path socket) {
        return new SocketSetupException("dazai: a daemon is already listening on " + socket
                + "; stop it or pass --socket-dir");
    }

    /** S_IFSOCK, from the mode's file-type bits (lstat: "unix:mode" does not follow links). */
    static boolean isSocket(Path p) {
        try {
            int mode = (Integer) Files.getAttribute(p, "unix:mode", java.nio.file.LinkOption.NOFOLLOW_LINKS);
            return (mode & 0170000) == 0140000;
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            throw new SocketSetupException("dazai: cannot inspect " + p + ": " + e.getMessage()
                    + "; pass --socket-dir", e);
        }
    }

    /**
     * True if something accepts connections at {@code socket}; false if the file is stale. The
     * probe does not block: EAGAIN means a full backlog, which is very much alive.
     */
    private static boolean live(Path socket) {
        try (UnixSocketChannel probe = UnixSocketChannel.open()) {
            probe.configureBlocking(false);
            probe.connect(new UnixSocketAddress(socket.toString()));
            return true;
        } catch (IOException e) {
            Errno errno = errnoOf(e);
            if (errno == Errno.ECONNREFUSED || errno == Errno.ENOENT) {
                return false;
            }
            String reason = String.valueOf(e.getMessage());
            // EACCES or anything else: not provably stale, so it is not unlinked.
            throw new SocketSetupException("dazai: cannot tell whether a daemon is listening on " + socket
                    + " (" + reason + "); stop it or remove the file, or pass --socket-dir", e);
        }
    }

    /**
     * The errno behind a jnr-unixsocket connect failure, which carries only {@code Errno.toString()}
     * (the description) as its message; null if it is none of them.
     */
    static Errno errnoOf(IOException e) {
        String message = e.getMessage();
        for (Errno errno : new Errno[] {Errno.ECONNREFUSED, Errno.ENOENT, Errno.EACCES, Errno.EAGAIN, Errno.ENOTDIR}) {
            if (errno.toString().equals(message) || errno.name().equals(message)) {
                return errno;
            }
        }
        return null;
    }

    private static void closeQuietly(UnixServerSocketChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // The bind already failed; that is the error worth reporting.
            }
        }
    }
}
