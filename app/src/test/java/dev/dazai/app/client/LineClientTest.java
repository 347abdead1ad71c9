package dev.dazai.app.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI's client against scripted servers on real UNIX sockets: the protocol steps, and the
 * trust checks it makes before it sends anything. The checks that need another uid (a directory
 * or a server of another user) are in the hostile suite, ImpostorIT, which runs as root.
 */
@Timeout(60)
class LineClientTest {

    private static final Duration T = Duration.ofSeconds(10);

    /** JUnit makes it 0700 and ours: a directory the client trusts. */
    @TempDir
    Path dir;

    private static boolean eventually(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }

    @Test
    void oneRequestOneReplyAndTheKernelsWordOnWhoAnswered() throws Exception {
        try (ScriptedServer s = ScriptedServer.start(dir.resolve("control.sock"),
                line -> line.equals("STATUS") ? "{\"state\":\"Waiting\"}" : "OK")) {
            assertEquals(Optional.of("{\"state\":\"Waiting\"}"), LineClient.request(s.socket(), "STATUS", T));
            assertEquals(Optional.of("OK"), LineClient.request(s.socket(), "PANIC HARD", T));
            try (LineClient c = LineClient.connect(s.socket(), T)) {
                assertEquals(SocketTrust.ownUid(), c.peer().uid());
                // The JDK's channel gives the peer's uid only; the PID is asked for where it matters.
                assertEquals(0, c.peer().pid(), "unknown through the JDK's socket");
            }
            assertEquals(ProcessHandle.current().pid(), SocketTrust.daemonPid(s.socket()), "the server runs in this JVM");
        }
    }

    @Test
    void noDaemonSaysSo() throws Exception {
        Path missing = dir.resolve("control.sock");
        ConnectException e = assertThrows(ConnectException.class, () -> LineClient.request(missing, "STATUS", T));
        assertTrue(e.getMessage().contains("is the daemon running?"), e.getMessage());
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(missing));
        }
        e = assertThrows(ConnectException.class, () -> LineClient.request(missing, "STATUS", T));
        assertTrue(e.getMessage().contains("nobody listens on"), e.getMessage());
    }

    @Test
    void aDaemonThatNeverAnswersTimesOut() throws Exception {
        try (ScriptedServer mute = ScriptedServer.start(dir.resolve("mute.sock"), line -> null);
                LineClient c = LineClient.connect(mute.socket(), Duration.ofMillis(300))) {
            c.send("STATUS");
            assertThrows(SocketTimeoutException.class, c::readLine);
        }
    }

    @Test
    void theHeartbeatPingsCancelsAndQuits() throws Exception {
        try (ScriptedServer s = ScriptedServer.start(dir.resolve("heartbeat.sock"), ScriptedServer::heartbeat)) {
            HeartbeatClient hb = HeartbeatClient.attach(s.socket(), 77, T).orElseThrow();
            List<String> exchanges = new CopyOnWriteArrayList<>();
            CompletableFuture<HeartbeatClient.End> end = CompletableFuture.supplyAsync(() -> {
                try {
                    return hb.run(Duration.ofMillis(20), (req, rep) -> exchanges.add(req + "=" + rep));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertTrue(eventually(() -> s.received().stream().filter("PING"::equals).count() >= 3));
            hb.cancel();
            assertTrue(eventually(() -> exchanges.contains("CANCEL=CANCELLED")));
            hb.quit();
            assertEquals(HeartbeatClient.End.QUIT, end.get(10, TimeUnit.SECONDS));
            hb.close();
            assertEquals("HELLO 77", s.received().get(0));
            assertTrue(exchanges.contains("PING=PONG"));
            assertEquals("QUIT=BYE", exchanges.get(exchanges.size() - 1));
        }
    }

    @Test
    void aSecondHeartbeatIsBusyAndTheDaemonGoingAwayIsSeenAtOnce() throws Exception {
        ScriptedServer s = ScriptedServer.startBusyAfterFirst(dir.resolve("heartbeat.sock"), ScriptedServer::heartbeat, "BUSY");
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

    // ---- trust ----------------------------------------------------------------------------

    @Test
    void aDirectoryOpenToOthersIsRefusedBeforeConnecting() throws Exception {
        Path open = Files.createDirectory(dir.resolve("open"));
        try (ScriptedServer s = ScriptedServer.start(open.resolve("control.sock"), line -> "OK")) {
            Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxr-xr-x"));
            SocketTrust.UntrustedSocketException e = assertThrows(SocketTrust.UntrustedSocketException.class,
                    () -> LineClient.request(s.socket(), "PANIC HARD", T));
            assertTrue(e.getMessage().startsWith("dazai: socket directory " + open + " has mode 0755"), e.getMessage());
            assertTrue(e.getMessage().contains("; ") && !e.getMessage().contains("\n"), "one line, then what to do");
            assertEquals(0, s.connections(), "it did not even connect");
            assertEquals(List.of(), s.received());
        }
    }

    @Test
    void aDirectoryBehindASymbolicLinkIsRefused() throws Exception {
        Path real = Files.createDirectory(dir.resolve("real"));
        Path link = Files.createSymbolicLink(dir.resolve("link"), real);
        try (ScriptedServer s = ScriptedServer.start(real.resolve("control.sock"), line -> "OK")) {
            SocketTrust.UntrustedSocketException e = assertThrows(SocketTrust.UntrustedSocketException.class,
                    () -> LineClient.request(link.resolve("control.sock"), "PANIC HARD", T));
            assertTrue(e.getMessage().contains("is a symbolic link"), e.getMessage());
            assertEquals(0, s.connections());
            assertEquals(List.of(), s.received());
        }
    }

    @Test
    void aMissingDirectoryMeansNoDaemon() throws Exception {
        SocketTrust.UntrustedSocketException e = assertThrows(SocketTrust.UntrustedSocketException.class,
                () -> LineClient.request(dir.resolve("none/control.sock"), "STATUS", T));
        assertTrue(e.getMessage().startsWith("dazai: no daemon: socket directory"), e.getMessage());
    }

    @Test
    void theDirectoryMustBeOwnedByThisUid() throws Exception {
        long me = SocketTrust.ownUid();
        SocketTrust.checkDirectory(dir, me);
        SocketTrust.UntrustedSocketException e = assertThrows(SocketTrust.UntrustedSocketException.class,
                () -> SocketTrust.checkDirectory(dir, me + 1));
        assertTrue(e.getMessage().contains("is owned by uid " + me + ", not you (uid " + (me + 1) + ")"), e.getMessage());
    }
}
