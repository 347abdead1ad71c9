package dev.dazai.app.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pidfile's write: atomic, 0644 whatever the umask, never through a link. */
class PidfileTest {

    @TempDir
    Path tmp;

    @Test
    void writesThePidWithAFixedModeAndLeavesNoTemporaryFile() throws Exception {
        Path p = tmp.resolve("dazai.pid");
        Pidfile.write(p, 1234);
        assertEquals("1234\n", Files.readString(p));
        assertEquals(OptionalLong.of(1234), Pidfile.read(p));
        assertEquals(PosixFilePermissions.fromString("rw-r--r--"), Files.getPosixFilePermissions(p));
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(1, s.count());
        }
    }

    @Test
    void aLinkAtThePidfileIsReplacedNotFollowed() throws Exception {
        Path victim = Files.writeString(tmp.resolve("victim"), "precious\n");
        Path p = tmp.resolve("dazai.pid");
        Files.createSymbolicLink(p, victim);
        Pidfile.write(p, 99);
        assertEquals("precious\n", Files.readString(victim));
        assertFalse(Files.isSymbolicLink(p));
        assertEquals("99\n", Files.readString(p));
    }
}
