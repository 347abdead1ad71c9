package dev.dazai.adapters.in.unixsocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The socket directory's checks, on the real file system. */
class SocketDirectoryTest {

    @TempDir
    Path tmp;

    private final int uid = new SocketCalls().uid();

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }

    private SocketSetupException refused(Path dir) {
        SocketSetupException e = assertThrows(SocketSetupException.class, () -> SocketDirectory.open(dir, uid));
        assertEquals(3, e.exitCode());
        assertTrue(e.getMessage().startsWith("dazai: "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line");
        return e;
    }

    @Test
    void aMissingDirectoryIsCreated0700() throws Exception {
        Path dir = tmp.resolve("dazai");
        SocketDirectory d = SocketDirectory.open(dir, uid);
        assertTrue(d.created());
        assertEquals("rwx------", mode(dir));
        assertEquals(dir.resolve("heartbeat.sock"), d.heartbeatSocket());
        assertEquals(dir.resolve("control.sock"), d.controlSocket());
        assertFalse(SocketDirectory.open(dir, uid).created(), "existing and sound: used as it is");
    }

    @Test
    void aSymlinkIsRefusedEvenToASoundDirectory() throws Exception {
        Path real = Files.createDirectory(tmp.resolve("real"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path link = Files.createSymbolicLink(tmp.resolve("link"), real);
        assertTrue(refused(link).getMessage().contains("is a symbolic link; remove it or pass --socket-dir"));
        Path dangling = Files.createSymbolicLink(tmp.resolve("dangling"), tmp.resolve("nowhere"));
        assertTrue(refused(dangling).getMessage().contains("symbolic link"));
        assertFalse(Files.exists(tmp.resolve("nowhere")), "nothing created through the link");
    }

    @Test
    void aDirectoryOwnedByAnotherUidIsRefused() throws Exception {
        assumeTrue(uid == 0, "needs root to chown a directory to another uid");
        Path dir = Files.createDirectory(tmp.resolve("theirs"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.setAttribute(dir, "unix:uid", 65534, LinkOption.NOFOLLOW_LINKS);
        assertTrue(refused(dir).getMessage().contains("is owned by uid 65534, not you (uid 0)"));
    }

    @Test
    void aGroupOrOtherAccessibleDirectoryIsRefusedNotRepaired() throws Exception {
        for (String perms : new String[] {"rwxr-xr-x", "rwx---r--", "rwxrwxrwx", "rwx-w----"}) {
            Path dir = Files.createDirectory(tmp.resolve("open-" + perms.replace('-', '_')));
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString(perms));
            String msg = refused(dir).getMessage();
            assertTrue(msg.contains("open to group or others; run chmod 700 " + dir), msg);
            assertEquals(perms, mode(dir), "left as it was");
        }
    }

    @Test
    void notADirectoryIsRefused() throws Exception {
        Path file = Files.createFile(tmp.resolve("file"));
        assertTrue(refused(file).getMessage().contains("is not a directory"));
    }

    @Test
    void aPathTooLongForSunPathIsRefusedBeforeAnythingIsMade() throws Exception {
        // control.sock is 12 bytes and a slash: the directory may take 94.
        String base = tmp.toString() + "/";
        Path fits = Path.of(base + "d".repeat(SocketDirectory.MAX_SOCKET_PATH_BYTES - base.length() - "/heartbeat.sock".length()));
        assertEquals(107, fits.resolve("heartbeat.sock").toString().length());
        SocketDirectory.open(fits, uid);
        Path tooLong = Path.of(fits + "e");
        String msg = refused(tooLong).getMessage();
        assertTrue(msg.contains("is 108 bytes, more than the 107 a UNIX socket allows; pass a shorter --socket-dir"), msg);
        assertFalse(Files.exists(tooLong));
        Path multibyte = Path.of(base + "é".repeat(50));
        assertTrue(refused(multibyte).getMessage().contains("bytes, more than the 107"), "bytes, not chars");
    }

    @Test
    void aMissingParentIsNamed() {
        assertTrue(refused(tmp.resolve("no/such")).getMessage().contains("its parent does not exist"));
    }

    @Test
    void theDefaultIsXdgRuntimeDirElseTmp() throws Exception {
        assertEquals(tmp.resolve("dazai"), SocketDirectory.defaultPath(Map.of("XDG_RUNTIME_DIR", tmp.toString()), 1000));
        assertEquals(Path.of("/tmp/dazai-1000"), SocketDirectory.defaultPath(Map.of(), 1000));
        assertEquals(Path.of("/tmp/dazai-7"), SocketDirectory.defaultPath(Map.of("XDG_RUNTIME_DIR", ""), 7));
        assertEquals(Path.of("/tmp/dazai-7"), SocketDirectory.defaultPath(Map.of("XDG_RUNTIME_DIR", "relative"), 7));
        assertEquals(Path.of("/tmp/dazai-7"),
                SocketDirectory.defaultPath(Map.of("XDG_RUNTIME_DIR", tmp.resolve("gone").toString()), 7));
    }
}
