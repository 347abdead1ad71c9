package dev.dazai.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jnr.unixsocket.UnixDatagramChannel;
import jnr.unixsocket.UnixSocketAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Type=notify: the test plays systemd, with a real $NOTIFY_SOCKET datagram socket. */
class SystemdIT {

    @TempDir
    Path tmp;

    private Dazai dazai;

    @BeforeEach
    void setUp() throws Exception {
        dazai = new Dazai(tmp);
    }

    @AfterEach
    void tearDown() {
        dazai.close();
    }

    @Test
    void readyOnlyOnceReadyThenWatchdogPingsFromALiveKernel() throws Exception {
        Path notify = tmp.resolve("notify.sock");
        try (UnixDatagramChannel systemd = UnixDatagramChannel.open()) {
            systemd.bind(new UnixSocketAddress(notify.toString()));
            Dazai.Daemon d = dazai.launchRaw(List.of("--socket-dir", dazai.socketDir().toString()), null,
                    Map.of("NOTIFY_SOCKET", notify.toString(), "WATCHDOG_USEC", "2000000"));

            List<String> seen = assertTimeoutPreemptively(Dazai.LIVENESS, () -> {
                List<String> got = new ArrayList<>();
                ByteBuffer buf = ByteBuffer.allocate(4096);
                while (got.stream().filter(m -> m.contains("WATCHDOG=1")).count() < 2) {
                    buf.clear();
                    systemd.receive(buf);
                    buf.flip();
                    String msg = StandardCharsets.UTF_8.decode(buf).toString();
                    if (got.isEmpty()) {
                        // The first message is READY, and by then the daemon is ready by every other sign too.
                        assertEquals(Long.valueOf(d.pid()), Dazai.readPid(dazai.pidfile()).orElse(-1L), msg);
                    }
                    got.add(msg);
                }
                return got;
            }, () -> "datagrams from the daemon:\n" + d.log());
            assertEquals("READY=1\nMAINPID=" + d.pid() + "\n", seen.get(0));
            assertTrue(seen.get(1).startsWith("STATUS="), seen.toString());
            d.signal("TERM");
            assertEquals(0, d.awaitExit(), d.log());
        }
    }
}
