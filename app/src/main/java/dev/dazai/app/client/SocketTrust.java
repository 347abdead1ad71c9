package dev.dazai.app.client;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Platform;
import jnr.ffi.annotations.Out;
import jnr.unixsocket.Credentials;
import jnr.unixsocket.UnixSocketChannel;
import jnr.unixsocket.UnixSocketOptions;

/**
 * What a client checks before it sends or believes anything: that the socket directory is one only
 * its own user could have made, and that the process listening is its own user's.
 *
 * <p>Without {@code XDG_RUNTIME_DIR} the directory is the predictable {@code /tmp/dazai-UID}, and
 * another user can make it first and listen there (ImpostorIT). So the directory must be a real
 * directory (lstat: a symbolic link is refused, not followed), owned by this uid, with no group
 * or other bits; and once connected, the server's {@code SO_PEERCRED} uid must be this uid, which
 * also catches a server of another uid bound inside a good directory (root, or
 * CAP_DAC_OVERRIDE). Root gets no exception: root's clients talk to root's daemons only. A root
 * client that believed a user's socket could be handed a PID to signal, and the daemon closes a
 * peer of another uid anyway; to reach a user's daemon, run the client as that user
 * ({@code runuser -u USER -- dazai status}).
 */
public final class SocketTrust {

    private static final Set<PosixFilePermission> GROUP_OR_OTHER = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private SocketTrust() {
    }

    /** A socket or its directory that this client will not use; the message is the one line to print. */
    public static final class UntrustedSocketException extends IOException {
        private static final long serialVersionUID = 1L;

        UntrustedSocketException(String message) {
            super(message);
        }
    }

    /** The daemon at the other end, as the kernel saw it at connect ({@code SO_PEERCRED}); pid 0 if unknown. */
    public record Peer(long uid, long pid) {
    }

    /**
     * This process's effective uid. On Linux from the owner of /proc/self, which needs no native
     * code (clients start faster without it); elsewhere from geteuid(2).
     */
    public static long ownUid() {
        try {
            return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue();
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return bsd().geteuid();
        }
    }

    /** Throws unless {@code dir} is a real directory owned by {@code uid} with no group or other bits. */
    public static void checkDirectory(Path dir, long uid) throws UntrustedSocketException {
        PosixFileAttributes attrs;
        try {
            attrs = Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            throw new UntrustedSocketException("dazai: no daemon: socket directory " + dir + " does not exist;"
                    + " start one (java -jar app.jar) or pass its --socket-dir");
        } catch (IOException | UnsupportedOperationException e) {
            throw new UntrustedSocketException("dazai: cannot inspect socket directory " + dir + " (" + e.getMessage()
                    + "); pass a --socket-dir of your own");
        }
        if (attrs.isSymbolicLink()) {
            throw new UntrustedSocketException("dazai: socket directory " + dir + " is a symbolic link, and a daemon"
                    + " of yours never makes one; nothing was sent: remove it, or pass --socket-dir");
        }
        if (!attrs.isDirectory()) {
            throw new UntrustedSocketException("dazai: socket directory " + dir + " is not a directory; nothing was"
                    + " sent: remove it, or pass --socket-dir");
        }
        long owner = ownerOf(dir);
        if (owner != uid) {
            throw new UntrustedSocketException("dazai: socket directory " + dir + " is owned by uid " + owner
                    + ", not you (uid " + uid + "), so whoever listens there is not your daemon; nothing was sent:"
                    + " remove it (or ask uid " + owner + " why it is there), or pass --socket-dir");
        }
        Set<PosixFilePermission> open = EnumSet.noneOf(PosixFilePermission.class);
        open.addAll(attrs.permissions());
        open.retainAll(GROUP_OR_OTHER);
        if (!open.isEmpty()) {
            throw new UntrustedSocketException("dazai: socket directory " + dir + " has mode " + octal(attrs.permissions())
                    + ", open to others, and a daemon of yours makes it 0700; nothing was sent: if it is yours, run"
                    + " chmod 700 " + dir + " and restart the daemon, or pass --socket-dir");
        }
    }

    /** The connected server's credentials; throws unless its uid is {@code uid}. Call before sending anything. */
    public static Peer checkPeer(UnixSocketChannel channel, Path socket, long uid) throws UntrustedSocketException {
        Peer peer;
        try {
            peer = peerOf(channel);
        } catch (IOException | RuntimeException e) {
            throw new UntrustedSocketException("dazai: cannot tell who listens on " + socket + " (" + e.getMessage()
                    + "), so nothing was sent; check the daemon with ls -ln " + socket.getParent());
        }
        if (peer.uid() != uid) {
            throw new UntrustedSocketException("dazai: the daemon on " + socket + " runs as uid " + peer.uid()
                    + ", not you (uid " + uid + "), so it is not yours; nothing was sent: remove "
                    + socket.getParent() + " (or ask uid " + peer.uid() + " why it is there), or pass --socket-dir");
        }
        return peer;
    }

    /**
     * The same check on a JDK channel, which the fast clients use: the JDK gives the peer's user
     * but not its PID, so the Peer's pid is 0 (unknown) and {@link #daemonPid} asks the kernel.
     */
    public static Peer checkPeer(java.nio.channels.SocketChannel channel, Path socket, long uid)
            throws UntrustedSocketException {
        java.nio.file.attribute.UserPrincipal user;
        java.nio.file.attribute.UserPrincipal own;
        try {
            user = channel.getOption(jdk.net.ExtendedSocketOptions.SO_PEERCRED).user();
            own = Files.getOwner(Path.of("/proc/self"));
        } catch (IOException | RuntimeException e) {
            throw new UntrustedSocketException("dazai: cannot tell who listens on " + socket + " (" + e.getMessage()
                    + "), so nothing was sent; check the daemon with ls -ln " + socket.getParent());
        }
        if (!user.equals(own)) {
            String who = user.getName() + uidOf(user, socket);
            throw new UntrustedSocketException("dazai: the daemon on " + socket + " runs as " + who
                    + ", not you (uid " + uid + "), so it is not yours; nothing was sent: remove "
                    + socket.getParent() + " (or ask " + user.getName() + " why it is there), or pass --socket-dir");
        }
        return new Peer(uid, 0);
    }

    /**
     * " (uid N)" for the peer's user, as the line the jnr path prints says it: the JDK names the
     * user but hides the number, which the socket file's owner gives when that is the same user.
     */
    private static String uidOf(java.nio.file.attribute.UserPrincipal user, Path socket) {
        try {
            if (user.equals(Files.getOwner(socket, java.nio.file.LinkOption.NOFOLLOW_LINKS))) {
                return " (uid " + Files.getAttribute(socket, "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS) + ")";
            }
        } catch (IOException | RuntimeException e) {
            // The name alone, then.
        }
        return "";
    }

    /**
     * The PID of the process listening on {@code socket}, as the kernel gives it (SO_PEERCRED
     * through jnr): what `dazai signal` must agree with before it signals anything. Checks the
     * directory and the uid as {@link #checkPeer} does.
     */
    public static long daemonPid(Path socket) throws IOException {
        long uid = ownUid();
        checkDirectory(socket.toAbsolutePath().getParent(), uid);
        try (UnixSocketChannel channel = UnixSocketChannel.open(new jnr.unixsocket.UnixSocketAddress(socket.toFile()))) {
            return checkPeer(channel, socket, uid).pid();
        }
    }

    private static Peer peerOf(UnixSocketChannel channel) throws IOException {
        if (Platform.getNativePlatform().getOS() == Platform.OS.LINUX) {
            Credentials cred = channel.getOption(UnixSocketOptions.SO_PEERCRED);
            return new Peer(Integer.toUnsignedLong(cred.getUid()), cred.getPid());
        }
        int[] peerUid = {-1};
        int[] peerGid = {-1};
        if (bsd().getpeereid(channel.getFD(), peerUid, peerGid) != 0) {
            throw new IOException("getpeereid failed");
        }
        return new Peer(Integer.toUnsignedLong(peerUid[0]), 0);
    }

    private static long ownerOf(Path dir) throws UntrustedSocketException {
        try {
            return ((Number) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS)).longValue();
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            throw new UntrustedSocketException("dazai: cannot read the owner of socket directory " + dir + " ("
                    + e.getMessage() + "); pass a --socket-dir of your own");
        }
    }

    static String octal(Set<PosixFilePermission> perms) {
        int mode = 0;
        for (PosixFilePermission p : perms) {
            mode |= 1 << (8 - p.ordinal());
        }
        return String.format("%04o", mode);
    }

    /** The two calls macOS and the BSDs need instead of /proc and SO_PEERCRED; bound only there. */
    public interface Bsd {
        int geteuid();

        int getpeereid(int fd, @Out int[] uid, @Out int[] gid);
    }

    private static Bsd bsd() {
        return LibraryLoader.create(Bsd.class).load(Platform.getNativePlatform().getStandardCLibraryName());
    }
}
