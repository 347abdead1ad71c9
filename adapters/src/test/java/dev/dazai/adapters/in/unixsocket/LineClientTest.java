package dev.dazai.adapters.in.unixsocket;

import static dev.dazai.adapters.in.unixsocket.Recorders.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dazai.adapters.in.unixsocket.Recorders.RecordingCommands;
import dev.dazai.adapters.in.unixsocket.Recorders.RecordingLiveness;
import dev.dazai.adapters.in.unixsocket.Recorders.RecordingLog;
import dev.dazai.kernel.port.in.Liveness.CancelOutcome;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import jnr.unixsocket.UnixServerSocketChannel;
import jnr.unixsocket.UnixSocketAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The CLI's client against the real servers. */
@Timeout(60)
class LineClientTest {

    private static final Duration T = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    @Test
    void oneRequestOneReply() throws Exception {
        try (ControlServer s = new ControlServer(dir.resolve("control.sock"), new RecordingCommands(), new RecordingLog()).start()) {
            assertEquals(Optional.of("{\"state\":\"Waiting\",\"mode\":\"DryRun\"}"), LineClient.request(s.socket(), "STATUS", T));
            assertEquals(Optional.of("OK"), LineClient.request(s.socket(), "PANIC HARD", T));
        }
    }

    @Test
    void noDaemonSaysSo() throws Exception {
        Path missing = dir.resolve("control.sock");
        ConnectException e = assertThrows(ConnectException.class, () -> LineClient.request(missing, "STATUS", T));
        assertTrue(e.getMessage().contains("is the daemon running?"), e.getMessage());
        try (UnixServerSocketChannel dead = UnixServerSocketChannel.open()) {
            dead.socket().bind(new UnixSocketAddress(missing.toString()));
        }
        e = assertThrows(ConnectException.class, () -> LineClient.request(missing, "STATUS", T));
        assertTrue(e.getMessage().contains("nobody listens on"), e.getMessage());
    }

    @Test
    void aDaemonThatNeverAnswersTimesOut() throws Exception {
        Path socket = dir.resolve("mute.sock");
        try (UnixServerSocketChannel mute = UnixServerSocketChannel.open()) {
            mute.socket().bind(new UnixSocketAddress(socket.toString()));
            try (LineClient c = LineClient.connect(socket, Duration.ofMillis(300))) {
                c.send("STATUS");
                assertThrows(SocketTimeoutException.class, c::readLine);
            }
        }
    }

    @Test
    void theHeartbeatPingsCancelsAndQuits() throws Exception {
        RecordingLiveness liveness = new RecordingLiveness();
        liveness.cancelOutcome = CancelOutcome.CANCELLED;
        try (HeartbeatServer s = new HeartbeatServer(dir.resolve("heartbeat.sock"), liveness, new RecordingLog()).start()) {
            HeartbeatClient hb = HeartbeatClient.attach(s.socket(), 77, T).orElseThrow();
            List<String> exchanges = new CopyOnWriteArrayList<>();
            CompletableFuture<HeartbeatClient.End> end = CompletableFuture.supplyAsync(() -> {
                try {
                    return hb.run(Duration.ofMillis(20), (req, rep) -> exchanges.add(req + "=" + rep));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertTrue(eventually(() -> liveness.pings.get() >= 3));
            hb.cancel();
            assertTrue(eventually(() -> exchanges.contains("CANCEL=CANCELLED")));
            hb.quit();
            assertEquals(HeartbeatClient.End.QUIT, end.get(10, TimeUnit.SECONDS));
            hb.close();
            assertEquals(List.of(77L), liveness.hellos);
            assertTrue(exchanges.contains("PING=PONG"));
            assertEquals("QUIT=BYE", exchanges.get(exchanges.size() - 1));
            assertTrue(eventually(() -> liveness.quits.get() == 1));
            assertEquals(0, liveness.losts.get());
        }
    }

    @Test
    void aSecondHeartbeatIsBusyAndTheDaemonGoingAwayIsSeenAtOnce() throws Exception {
        RecordingLiveness liveness = new RecordingLiveness();
        HeartbeatServer s = new HeartbeatServer(dir.resolve("heartbeat.sock"), liveness, new RecordingLog()).start();
        try (HeartbeatClient hb = HeartbeatClient.attach(s.socket(), 1, T).orElseThrow()) {
            assertEquals(Optional.empty(), HeartbeatClient.attach(s.socket(), 2, T));
            CompletableFuture<HeartbeatClient.End> end = CompletableFuture.supplyAsync(() -> {
                try {
                    // An hour between pings: only the close can end this promptly.
                    return hb.run(Duration.ofHours(1), (req, rep) -> { });
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(100);
            s.close();
            assertEquals(HeartbeatClient.End.CLOSED, end.get(10, TimeUnit.SECONDS));
        }
    }
}
