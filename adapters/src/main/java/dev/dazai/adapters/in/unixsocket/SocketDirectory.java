package dev.dazai.adapters.in.unixsocket;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The directory both sockets live in: {@code $XDG_RUNTIME_DIR/dazai/}, else
 * {@code /tmp/dazai-$UID/}, or the one {@code --socket-dir} names.
 *
 * <p>The directory is the first wall around the sockets (the peer-uid check is the second), so it
 * must be a real directory (not a symlink: every check here uses lstat semantics), owned by the
 * daemon's uid, with no group or other bits. A missing directory is created {@code 0700}. An
 * existing one that is group/other-accessible is refused, never repaired: whatever that opening
 * let in may already be inside, and only its owner can tell. Both socket paths are checked
 * against {@code sun_path} (107 bytes and a NUL) before anything is created, because a longer
 * path would be truncated silently and bound somewhere else.
 */
public final class SocketDirectory {

    /** sun_path is 108 bytes on Linux, one of them the terminating NUL. */
    public static final int MAX_SOCKET_PATH_BYTES = 107;

    public static final String HEARTBEAT_SOCKET = "heartbeat.sock";
    public static final String CONTROL_SOCKET = "control.sock";

    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

    private final Path path;
    private final boolean created;

    private SocketDirectory(Path path, boolean created) {
        this.path = path;
        this.created = created;
    }

    /** The default directory: {@code $XDG_RUNTIME_DIR/dazai} when that is an absolute directory, else {@code /tmp/dazai-<uid>}. */
    public static Path defaultPath(Map<String, String> env, int uid) {
        String xdg = env.get("XDG_RUNTIME_DIR");
        if (xdg != null && !xdg.isEmpty()) {
            Path runtime = Paths.get(xdg);
            if (runtime.isAbsolute() && Files.isDirectory(runtime)) {
                return runtime.resolve("dazai");
            }
        }
        return Paths.get("/tmp", "dazai-" + uid);
    }

    /** Resolves ({@code --socket-dir} or the default for this process), checks and creates the directory. */
    public static SocketDirectory open(Optional<Path> socketDir) {
        int uid = new SocketCalls().uid();
        return open(socketDir.orElseGet(() -> defaultPath(System.getenv(), uid)), uid);
    }

    /** Checks and creates {@code dir} for a daemon running as {@code uid}. */
    public static SocketDirectory open(Path dir, int uid) {
        Path abs = dir.toAbsolutePath().normalize();
        checkFits(abs.resolve(HEARTBEAT_SOCKET));
        checkFits(abs.resolve(CONTROL_SOCKET));
        boolean created = false;
        PosixFileAttributes attrs = lstat(abs);
        if (attrs == null) {
            created = create(abs);
            attrs = lstat(abs);
            if (attrs == null) {
                throw new SocketSetupException("dazai: socket directory " + abs
                        + " vanished while being created; try again or pass --socket-dir");
            }
        }
        check(abs, attrs, uid);
        return new SocketDirectory(abs, created);
    }

    /** Throws unless {@code socket}'s bytes fit sun_path. */
    public static void checkFits(Path socket) {
        int bytes = socket.toAbsolutePath().toString().getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_SOCKET_PATH_BYTES) {
            throw new SocketSetupException("dazai: socket path " + socket.toAbsolutePath() + " is " + bytes
                    + " bytes, more than the " + MAX_SOCKET_PATH_BYTES
                    + " a UNIX socket allows; pass a shorter --socket-dir");
        }
    }

    public Path path() {
        return path;
    }

    public Path heartbeatSocket() {
        return path.resolve(HEARTBEAT_SOCKET);
    }

    public Path controlSocket() {
        return path.resolve(CONTROL_SOCKET);
    }

    /** True if this process made the directory (it existed otherwise). */
    public boolean created() {
        return created;
    }

    private static boolean create(Path dir) {
        try {
            // The attribute is filtered by the umask, so the mode is set again explicitly below.
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        } catch (FileAlreadyExistsException raced) {
            // Someone made it between our lstat and mkdir: it is checked like any existing one.
            return false;
        } catch (NoSuchFileException e) {
            throw new SocketSetupException("dazai: cannot create socket directory " + dir
                    + ": its parent does not exist; create it or pass --socket-dir", e);
        } catch (IOException | UnsupportedOperationException e) {
            throw new SocketSetupException("dazai: cannot create socket directory " + dir + ": " + e.getMessage()
                    + "; pass --socket-dir", e);
        }
        try {
            Files.setPosixFilePermissions(dir, OWNER_ONLY);
        } catch (IOException e) {
            throw new SocketSetupException("dazai: cannot set mode 0700 on " + dir + ": " + e.getMessage()
                    + "; pass --socket-dir", e);
        }
        return true;
    }

    private static void check(Path dir, PosixFileAttributes attrs, int uid) {
        String fix = "; remove it or pass --socket-dir";
        if (attrs.isSymbolicLink()) {
            throw new SocketSetupException("dazai: socket directory " + dir + " is a symbolic link" + fix);
        }
        if (!attrs.isDirectory()) {
            throw new SocketSetupException("dazai: socket directory " + dir + " is not a directory" + fix);
        }
        int owner = ownerUid(dir);
        if (owner != uid) {
            throw new SocketSetupException("dazai: socket directory " + dir + " is owned by uid " + owner
                    + ", not you (uid " + uid + ")" + fix);
        }
        Set<PosixFilePermission> perms = attrs.permissions();
        if (!OWNER_ONLY.containsAll(perms)) {
            throw new SocketSetupException("dazai: socket directory " + dir + " has mode " + octal(perms)
                    + ", open to group or others; run chmod 700 " + dir + " or pass --socket-dir");
        }
        if (!perms.containsAll(OWNER_ONLY)) {
            throw new SocketSetupException("dazai: socket directory " + dir + " has mode " + octal(perms)
                    + ", not 0700; run chmod 700 " + dir + " or pass --socket-dir");
        }
    }

    /** lstat, or null when nothing is there. */
    static PosixFileAttributes lstat(Path p) {
        try {
            return Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new SocketSetupException("dazai: cannot inspect " + p + ": " + e.getMessage()
                    + "; pass --socket-dir", e);
        }
    }

    /** The numeric owner from lstat ("unix:uid" exists on every JDK for Linux and macOS). */
    static int ownerUid(Path p) {
        try {
            return (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            throw new SocketSetupException("dazai: cannot read the owner of " + p + ": " + e.getMessage()
                    + "; pass --socket-dir", e);
        }
    }

    static String octal(Set<PosixFilePermission> perms) {
        int mode = 0;
        for (PosixFilePermission p : perms) {
            mode |= 1 << (8 - p.ordinal());
        }
        return String.format("%04o", mode);
    }

    @Override
    public String toString() {
        return path.toString();
    }
}
