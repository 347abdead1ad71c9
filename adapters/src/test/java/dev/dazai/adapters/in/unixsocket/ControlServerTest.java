package dev.dazai.adapters.in.unixsocket;

import static dev.dazai.adapters.in.unixsocket.Recorders.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dazai.adapters.in.unixsocket.Recorders.RecordingCommands;
import dev.dazai.adapters.in.unixsocket.Recorders.RecordingLog;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import jnr.unixsocket.UnixSocketAddress;
import jnr.unixsocket.UnixSocketChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** control.sock over real sockets, against recording ControlCommands. */
class ControlServerTest {

    @TempDir
    Path dir;

    private final RecordingCommands commands = new RecordingCommands();
    private final RecordingLog log = new RecordingLog();
    private ControlServer server;

    private Path start(SocketLimits limits) {
        server = new ControlServer(dir.resolve("control.sock"), commands, log, limits).start();
        return server.socket();
    }

    private Path start() {
        return start(new SocketLimits(64, Duration.ofSeconds(2)));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static String ask(Path socket, String raw) throws IOException {
        try (RawClient c = RawClient.connect(socket)) {
            c.send(raw);
            return c.readToEof();
        }
    }

    @Test
    void everyCommandOneReplyThenClose() throws Exception {
        Path s = start();
        Map<String, String> expected = new java.util.LinkedHashMap<>();
        expected.put("STATUS\n", "{\"state\":\"Waiting\",\"mode\":\"DryRun\"}\n");
        expected.put("SIGNALS\n", "{\"USR1\":\"graceful panic\"}\n");
        expected.put("REGISTER 123\n", "OK\n");
        expected.put("REGISTER 123 456789\n", "OK\n");
        expected.put("UNREGISTER 1\n", "OK\n");
        expected.put("UNREGISTER 2\n", "ERR not registered\n");
        expected.put("PANIC\n", "OK\n");
        expected.put("PANIC HARD\n", "OK\n");
        expected.put("CANCEL\n", "ERR unknown command\n");
        expected.put("HELLO 1\n", "ERR unknown command\n");
        expected.put("status\n", "ERR unknown command\n");
        expected.put("\n", "ERR unknown command\n");
        expected.put("PANIC SOFT\n", "ERR usage: PANIC [HARD]\n");
        expected.put("STATUS now\n", "ERR usage: STATUS\n");
        expected.put("REGISTER\n", "ERR usage: REGISTER <pid> [starttime]\n");
        expected.put("REGISTER 1 2 3\n", "ERR usage: REGISTER <pid> [starttime]\n");
        expected.put("REGISTER abc\n", "ERR bad pid\n");
        expected.put("REGISTER 12 -5\n", "ERR bad starttime\n");
        expected.put("UNREGISTER 0\n", "ERR bad pid\n");
        expected.put("UNREGISTER\n", "ERR usage: UNREGISTER <pid>\n");
        for (Map.Entry<String, String> e : expected.entrySet()) {
            assertEquals(e.getValue(), ask(s, e.getKey()), e.getKey());
        }
        assertEquals(List.of("status", "signals", "register 123", "register 123 456789", "unregister 1",
                "unregister 2", "panic", "panic hard"), commands.calls);
    }

    @Test
    void oneCommandPerConnection() throws Exception {
        Path s = start();
        assertEquals("OK\n", ask(s, "PANIC\nPANIC HARD\nSTATUS\n"));
        assertEquals(List.of("panic"), commands.calls);
    }

    @Test
    void registerSeesTheAskingProcessAndItsPidfd() throws Exception {
        Path s = start();
        long self = ProcessHandle.current().pid();
        List<String> fdinfo = new ArrayList<>();
        List<Integer> fds = new ArrayList<>();
        commands.onRegister = peer -> {
            peer.pidfd().ifPresent(fd -> {
                fds.add(fd);
                try {
                    fdinfo.add(Files.readString(Path.of("/proc/self/fdinfo/" + fd)));
                } catch (IOException e) {
                    fdinfo.add(e.toString());
                }
            });
            return "OK";
        };
        long fdsBefore = openFds();
        for (int i = 0; i < 50; i++) {
            assertEquals("OK\n", ask(s, "REGISTER " + self + "\n"));
        }
        Peer peer = commands.peers.get(0);
        assertEquals(self, peer.pid());
        assertEquals(new SocketCalls().uid(), peer.uid());
        assumeTrue(!fds.isEmpty(), "SO_PEERPIDFD needs Linux >= 6.5; this kernel gave no pidfd");
        assertTrue(fdinfo.get(0).contains("Pid:\t" + self), fdinfo.get(0));
        assertTrue(eventually(() -> openFds() <= fdsBefore + 2), "pidfds are closed after the call: "
                + fdsBefore + " -> " + openFds());
    }

    @Test
    void aReplyTheAppGetsWrongIsContained() throws Exception {
        Path s = start();
        commands.onRegister = peer -> "OK\nSTATUS";
        assertEquals("ERR internal error\n", ask(s, "REGISTER 5\n"));
        commands.onRegister = peer -> {
            throw new IllegalStateException("boom");
        };
        assertEquals("ERR internal error\n", ask(s, "REGISTER 5\n"));
        commands.onRegister = peer -> null;
        assertEquals("ERR internal error\n", ask(s, "REGISTER 5\n"));
        assertEquals("{\"state\":\"Waiting\",\"mode\":\"DryRun\"}\n", ask(s, "STATUS\n"), "still serving");
        assertTrue(log.has("internal error"));
    }

    @Test
    void aSilentClientIsCutAtTheCommandTimeout() throws Exception {
        Path s = start();
        try (RawClient c = RawClient.connect(s)) {
            c.send("STAT");
            assertEquals("ERR timeout\n", c.readToEof());
        }
        assertTrue(log.has("no command within 2000 ms"));
    }

    @Test
    void beyondTheCapAConnectionIsClosedAtOnce() throws Exception {
        Path s = start(new SocketLimits(4, Duration.ofSeconds(30)));
        List<RawClient> held = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                held.add(RawClient.connect(s));
            }
            assertTrue(eventually(() -> server.connections() == 4));
            try (RawClient fifth = RawClient.connect(s)) {
                assertEquals("", fifth.readToEof(), "closed without a word");
            }
            assertTrue(eventually(() -> log.has("too many connections (4)")));
            held.remove(0).close();
            assertTrue(eventually(() -> server.connections() == 3));
            assertEquals("OK\n", ask(s, "PANIC\n"));
        } finally {
            for (RawClient c : held) {
                c.close();
            }
        }
    }

    @Test
    @Timeout(120)
    void hundredsOfConnectionsDoNotMakeThreads() throws Exception {
        Path s = start(new SocketLimits(1000, Duration.ofSeconds(60)));
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        int threadsBefore = threads.getThreadCount();
        List<UnixSocketChannel> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 300; i++) {
                clients.add(UnixSocketChannel.open(new UnixSocketAddress(s.toString())));
            }
            assertTrue(eventually(() -> server.connections() == 300), "open: " + server.connections());
            int threadsDuring = threads.getThreadCount();
            long serverThreads = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals("dazai-control.sock")).count();
            assertEquals(1, serverThreads, "one selector thread serves them all");
            assertTrue(threadsDuring < threadsBefore + 5, threadsBefore + " -> " + threadsDuring);
            for (UnixSocketChannel c : clients) {
                c.write(ByteBuffer.wrap("STATUS\n".getBytes(StandardCharsets.US_ASCII)));
            }
            for (UnixSocketChannel c : clients) {
                assertEquals("{\"state\":\"Waiting\",\"mode\":\"DryRun\"}\n", readToEof(c));
            }
        } finally {
            for (UnixSocketChannel c : clients) {
                c.close();
            }
        }
        assertTrue(eventually(() -> server.connections() == 0));
    }

    /** Blocking read to end of stream (the test's @Timeout bounds it). */
    private static String readToEof(UnixSocketChannel c) throws IOException {
        StringBuilder sb = new StringBuilder();
        ByteBuffer buf = ByteBuffer.allocate(512);
        while (true) {
            buf.clear();
            int n = c.read(buf);
            if (n < 0) {
                return sb.toString();
            }
            sb.append(new String(buf.array(), 0, n, StandardCharsets.US_ASCII));
        }
    }

    private static long openFds() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void socketFileIs0600() throws Exception {
        Path s = start();
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(s, java.nio.file.LinkOption.NOFOLLOW_LINKS)));
        assertFalse(log.has("failed"));
    }
}
