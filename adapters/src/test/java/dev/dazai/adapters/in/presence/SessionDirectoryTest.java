package dev.dazai.adapters.in.presence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dazai.adapters.in.unixsocket.SocketSetupException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sessions directory gets the socket directory's walls: made 0700, or refused with one line. */
class SessionDirectoryTest {

    @TempDir
    Path socketDir;

    private final int uid = uid();

    private String refused() {
        SocketSetupException e = assertThrows(SocketSetupException.class, () -> SessionDirectory.open(socketDir, uid));
        assertEquals(3, e.exitCode());
        assertTrue(e.getMessage().startsWith("dazai: "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line");
        return e.getMessage();
    }

    @Test
    void aMissingDirectoryIsMade0700AndASoundOneIsUsedAsItIs() throws Exception {
        Path dir = SessionDirectory.open(socketDir, uid);
        assertEquals(socketDir.resolve("sessions"), dir);
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
        Files.writeString(dir.resolve("123"), "kept\n");
        assertEquals(dir, SessionDirectory.open(socketDir, uid));
        assertTrue(Files.exists(dir.resolve("123")), "an existing directory's entries stay for the scan");
    }

    @Test
    void aLinkIsRefusedEvenToASoundDirectory() throws Exception {
        Path real = Files.createDirectory(socketDir.resolve("real"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.createSymbolicLink(socketDir.resolve("sessions"), real);
        assertTrue(refused().endsWith("is a symbolic link; remove it or pass --socket-dir"), refused());
    }

    @Test
    void aFileIsRefused() throws Exception {
        Files.writeString(socketDir.resolve("sessions"), "");
        assertTrue(refused().contains("is not a directory"));
    }

    @Test
    void aDirectoryOpenToGroupOrOthersIsRefusedNotRepaired() throws Exception {
        Path dir = Files.createDirectory(socketDir.resolve("sessions"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-x---"));
        assertTrue(refused().contains("has mode 0750, not 0700; run chmod 700"), refused());
        assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS)));
    }

    @Test
    void aDirectoryOfAnotherUidIsRefused() throws Exception {
        assumeTrue(uid == 0, "needs root to chown a directory to another uid");
        Path dir = Files.createDirectory(socketDir.resolve("sessions"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        Files.setAttribute(dir, "unix:uid", 65534);
        assertTrue(refused().contains("is owned by uid 65534, not you (uid 0)"), refused());
    }

    private static int uid() {
        try {
            return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
