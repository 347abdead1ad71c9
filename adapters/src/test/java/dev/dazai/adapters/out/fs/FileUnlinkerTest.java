package dev.dazai.adapters.out.fs;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileUnlinkerTest {

    @Test
    void removesWhatExistsAndIgnoresWhatDoesNot(@TempDir Path dir) throws Exception {
        Path pid = Files.writeString(dir.resolve("dazai.pid"), "123\n");
        Path sock = Files.createFile(dir.resolve("control.sock"));
        FileUnlinker u = new FileUnlinker(List.of(pid, dir.resolve("never-made")));
        u.add(sock);
        u.unlink();
        assertFalse(Files.exists(pid));
        assertFalse(Files.exists(sock));
        u.unlink();
    }

    @Test
    void triesEveryPathEvenWhenOneFails(@TempDir Path dir) throws Exception {
        Path full = Files.createDirectory(dir.resolve("full"));
        Files.createFile(full.resolve("inside"));
        Path pid = Files.createFile(dir.resolve("dazai.pid"));
        FileUnlinker u = new FileUnlinker(List.of(full, pid));
        assertThrows(UncheckedIOException.class, u::unlink);
        assertFalse(Files.exists(pid), "the pidfile went even though the first path failed");
    }
}
