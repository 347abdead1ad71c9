package dev.dazai.adapters.in.presence;

import dev.dazai.adapters.in.unixsocket.SocketSetupException;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The sessions drop directory, {@code <socket dir>/sessions/}: a shell registers by writing one
 * small file into it. Whoever can write here can keep the switch attached, so it gets the same
 * walls as the socket directory: a real directory (lstat, never a link), owned by the daemon's uid,
 * mode 0700. A missing one is made; an existing one that fails a check is refused, never repaired
 * (whatever the opening let in may already be inside). Refusals are one line and exit 3.
 */
public final class SessionDirectory {

    public static final String NAME = "sessions";

    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

    private SessionDirectory() {
    }

    /** Makes or checks {@code socketDir/sessions} for a daemon running as {@code uid}; returns its path. */
    public static Path open(Path socketDir, int uid) {
        Path dir = socketDir.toAbsolutePath().normalize().resolve(NAME);
        PosixFileAttributes attrs = lstat(dir);
        if (attrs == null) {
            create(dir);
            attrs = lstat(dir);
            if (attrs == null) {
                throw refuse("sessions directory " + dir + " vanished while being created; try again");
            }
        }
        check(dir, attrs, uid);
        return dir;
    }

    private static void create(Path dir) {
        try {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        } catch (FileAlreadyExistsException raced) {
            return; // made meanwhile by someone: checked like any existing one
        } catch (IOException | UnsupportedOperationException e) {
            throw refuse("cannot create sessions directory " + dir + ": " + e.getMessage()
                    + "; check " + dir.getParent() + " or pass --socket-dir");
        }
        try {
            // The attribute above went through the umask; the mode is meant exactly.
            Files.setPosixFilePermissions(dir, OWNER_ONLY);
        } catch (IOException e) {
            throw refuse("cannot set mode 0700 on " + dir + ": " + e.getMessage() + "; pass --socket-dir");
        }
    }

    private static void check(Path dir, PosixFileAttributes attrs, int uid) {
        if (attrs.isSymbolicLink()) {
            throw refuse("sessions directory " + dir + " is a symbolic link; remove it or pass --socket-dir");
        }
        if (!attrs.isDirectory()) {
            throw refuse("sessions directory " + dir + " is not a directory; remove it or pass --socket-dir");
        }
        int owner = ownerUid(dir);
        if (owner != uid) {
            throw refuse("sessions directory " + dir + " is owned by uid " + owner + ", not you (uid " + uid
                    + "); remove it or pass --socket-dir");
        }
        Set<PosixFilePermission> perms = attrs.permissions();
        if (!perms.equals(OWNER_ONLY)) {
            throw refuse("sessions directory " + dir + " has mode " + octal(perms) + ", not 0700; run chmod 700 "
                    + dir + " (after checking what is in it) or pass --socket-dir");
        }
    }

    /** lstat, or null when nothing is there. */
    private static PosixFileAttributes lstat(Path p) {
        try {
            return Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw refuse("cannot inspect " + p + ": " + e.getMessage() + "; pass --socket-dir");
        }
    }

    private static int ownerUid(Path p) {
        try {
            return (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            throw refuse("cannot read the owner of " + p + ": " + e.getMessage() + "; pass --socket-dir");
        }
    }

    private static String octal(Set<PosixFilePermission> perms) {
        int mode = 0;
        for (PosixFilePermission p : perms) {
            mode |= 1 << (8 - p.ordinal());
        }
        return String.format("%04o", mode);
    }

    private static SocketSetupException refuse(String what) {
        return new SocketSetupException("dazai: " + what);
    }
}
