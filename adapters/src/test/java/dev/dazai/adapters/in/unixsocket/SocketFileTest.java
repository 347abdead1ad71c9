package dev.dazai.adapters.in.unixsocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dazai.adapters.in.unixsocket.Recorders.RecordingLiveness;
import dev.dazai.adapters.in.unixsocket.Recorders.RecordingLog;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import jnr.unixsocket.UnixServerSocketChannel;
import jnr.unixsocket.UnixSocketAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Binding: stale sockets replaced, live ones refused, anything else left alone. */
class SocketFileTest {

    @TempDir
    Path dir;

    private HeartbeatServer server(Path socket) {
        return new HeartbeatServer(socket, new RecordingLiveness(), new RecordingLog());
    }

    @Test
    void aStaleSocketIsReplaced() throws Exception {
        Path socket = dir.resolve("heartbeat.sock");
        try (UnixServerSocketChannel dead = UnixServerSocketChannel.open()) {
            dead.socket().bind(new UnixSocketAddress(socket.toString()));
        }
        assertTrue(SocketFile.isSocket(socket), "closing a listener leaves its file behind");
        try (HeartbeatServer s = server(socket).start(); RawClient c = RawClient.connect(socket)) {
            assertEquals("WELCOME\n", c.exchange("HELLO 1\n"));
        }
    }

    @Test
    void aLiveSocketIsRefusedAndKeepsWorking() throws Exception {
        Path socket = dir.resolve("heartbeat.sock");
        try (HeartbeatServer first = server(socket).start()) {
            SocketSetupException e = assertThrows(SocketSetupException.class, () -> server(socket).start());
            assertEquals("dazai: a daemon is already listening on " + socket + "; stop it or pass --socket-dir",
                    e.getMessage());
            assertEquals(3, e.exitCode());
            try (RawClient c = RawClient.connect(socket)) {
                assertEquals("WELCOME\n", c.exchange("HELLO 1\n"), "the live daemon was not disturbed");
            }
        }
    }

    @Test
    void somethingThatIsNotASocketIsLeftAlone() throws Exception {
        Path socket = dir.resolve("heartbeat.sock");
        Files.writeString(socket, "precious");
        SocketSetupException e = assertThrows(SocketSetupException.class, () -> server(socket).start());
        assertTrue(e.getMessage().contains("exists and is not a socket"), e.getMessage());
        assertEquals("precious", Files.readString(socket));
        Path link = dir.resolve("control.sock");
        Files.createSymbolicLink(link, socket);
        assertThrows(SocketSetupException.class, () -> server(link).start());
        assertTrue(Files.isSymbolicLink(link));
    }

    @Test
    void theSocketIs0600InA0700Directory() throws Exception {
        Path d = SocketDirectory.open(dir.resolve("dazai"), new SocketCalls().uid()).path();
        try (HeartbeatServer s = server(d.resolve("heartbeat.sock")).start()) {
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(d, LinkOption.NOFOLLOW_LINKS)));
            assertEquals("rw-------", PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(s.socket(), LinkOption.NOFOLLOW_LINKS)));
        }
    }

    @Test
    void aPathTooLongIsRefusedByTheServerToo() {
        Path socket = dir.resolve("s".repeat(120));
        SocketSetupException e = assertThrows(SocketSetupException.class, () -> server(socket).start());
        assertTrue(e.getMessage().contains("a UNIX socket allows"), e.getMessage());
    }
}
