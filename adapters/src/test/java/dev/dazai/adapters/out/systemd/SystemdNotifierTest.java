package dev.dazai.adapters.out.systemd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalLong;
import jnr.unixsocket.UnixDatagramChannel;
import jnr.unixsocket.UnixSocketAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** sd_notify against a real datagram socket the test owns, as systemd would hold it. */
class SystemdNotifierTest {

    @Test
    void messagesArriveAsDatagramsOnTheNotifySocket(@TempDir Path dir) throws Exception {
        Path sock = dir.resolve("notify");
        try (UnixDatagramChannel systemd = UnixDatagramChannel.open()) {
            systemd.bind(new UnixSocketAddress(sock.toFile()));
            try (SystemdNotifier n = SystemdNotifier.fromEnvironment(
                    Map.of("NOTIFY_SOCKET", sock.toString(), "WATCHDOG_USEC", "2000000", "WATCHDOG_PID", "42"), 42)) {
                assertTrue(n.active());
                assertEquals(OptionalLong.of(2_000_000), n.watchdogMicros());
                n.ready(42);
                n.status("Attached, armed");
                n.watchdog();
                assertEquals("READY=1\nMAINPID=42\n", receive(systemd));
                assertEquals("STATUS=Attached, armed\n", receive(systemd));
                assertEquals("WATCHDOG=1\n", receive(systemd));
            }
        }
    }

    @Test
    void outsideSystemdEverythingIsANoOp() throws Exception {
        try (SystemdNotifier n = SystemdNotifier.fromEnvironment(Map.of(), 42)) {
            assertFalse(n.active());
            n.ready(42);
            n.watchdog();
            assertEquals(OptionalLong.empty(), n.watchdogMicros());
        }
    }

    @Test
    void aWatchdogMeantForAnotherProcessIsIgnored(@TempDir Path dir) throws Exception {
        try (SystemdNotifier n = SystemdNotifier.fromEnvironment(Map.of("WATCHDOG_USEC", "1000", "WATCHDOG_PID", "7"), 42)) {
            assertEquals(OptionalLong.empty(), n.watchdogMicros());
        }
        assertTrue(Files.isDirectory(dir));
    }

    private static String receive(UnixDatagramChannel ch) throws Exception {
        ByteBuffer buf = ByteBuffer.allocate(512);
        ch.receive(buf);
        buf.flip();
        return StandardCharsets.UTF_8.decode(buf).toString();
    }
}
