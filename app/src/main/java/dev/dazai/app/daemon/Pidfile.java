package dev.dazai.app.daemon;

import dev.dazai.app.cli.UserError;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.LinkOption;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Set;
import java.util.OptionalLong;

/**
 * The pidfile: its presence means "signal handlers live, sockets listening, ready". So it is
 * written last, and atomically (a temporary file renamed over the path), so nobody ever reads a
 * half-written PID or sees the file before the daemon can react to a signal.
 */
public final class Pidfile {

    private Pidfile() {
    }

    /**
     * Writes {@code pid} and a newline; the rename is atomic within the directory. The temporary
     * file has an unguessable name and is created with O_EXCL|O_NOFOLLOW, so a link planted in a
     * shared directory is never written through, and its mode is set explicitly (0644: readable,
     * writable by the owner only), never left to the umask, because whoever can write the pidfile
     * chooses which process a script signals.
     */
    public static void write(Path path, long pid) {
        byte[] content = (pid + "\n").getBytes(StandardCharsets.US_ASCII);
        Path tmp = null;
        try {
            tmp = createTemp(path);
            try (SeekableByteChannel ch = Files.newByteChannel(tmp, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                ch.write(ByteBuffer.wrap(content));
            }
            Files.setPosixFilePermissions(tmp, MODE);
            try {
                Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (NoSuchFileException e) {
            deleteQuietly(tmp);
            throw UserError.environment("cannot write pidfile " + path + ": its directory does not exist;"
                    + " create it or pass another --pidfile");
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw UserError.environment("cannot write pidfile " + path + ": " + e.getMessage()
                    + "; pass another --pidfile");
        }
    }

    private static final Set<PosixFilePermission> MODE = PosixFilePermissions.fromString("rw-r--r--");

    /** A new, empty, exclusively created file beside {@code path}; a name taken (by anything, links too) is skipped. */
    private static Path createTemp(Path path) throws IOException {
        SecureRandom random = new SecureRandom();
        for (int attempt = 0; ; attempt++) {
            Path tmp = path.resolveSibling("." + path.getFileName() + "." + Long.toHexString(random.nextLong()) + ".tmp");
            try {
                Files.newByteChannel(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                        LinkOption.NOFOLLOW_LINKS), PosixFilePermissions.asFileAttribute(
                                PosixFilePermissions.fromString("rw-------"))).close();
                return tmp;
            } catch (FileAlreadyExistsException taken) {
                if (attempt >= 16) {
                    throw taken;
                }
            }
        }
    }

    /** The PID in the file, if the file exists and holds one. */
    public static OptionalLong read(Path path) {
        try {
            String s = Files.readString(path, StandardCharsets.US_ASCII).strip();
            return OptionalLong.of(Long.parseLong(s));
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /**
     * Refuses a pidfile that names another live dazai daemon: two daemons sharing one pidfile would
     * each remove the other's. A pidfile of a dead process, or of a PID reused by something else,
     * is stale and will simply be replaced.
     */
    public static void checkNotTaken(Path path, long self) {
        OptionalLong pid = read(path);
        if (pid.isEmpty() || pid.getAsLong() == self) {
            return;
        }
        if (isDazai(pid.getAsLong())) {
            throw UserError.environment("pidfile " + path + " belongs to a running daemon (pid " + pid.getAsLong()
                    + "); stop it (kill -TERM " + pid.getAsLong() + ") or pass another --pidfile");
        }
    }

    /** True if {@code pid} is alive and its command line is a Java process running dazai. */
    static boolean isDazai(long pid) {
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
            String cmd = new String(raw, StandardCharsets.UTF_8).replace('\0', ' ');
            return cmd.contains("dazai") || cmd.contains("app.jar");
        } catch (IOException e) {
            return false;
        }
    }

    private static void deleteQuietly(Path p) {
        if (p == null) {
            return;
        }
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // The error being reported is the one that matters.
        }
    }
}
