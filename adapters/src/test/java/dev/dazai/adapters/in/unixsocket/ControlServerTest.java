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
import java.util.concurrent.CountDownLatch;
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
        commands.close();
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
        expected.put("STOP\n", "OK\n");
        expected.put("STOP now\n", "ERR usage: STOP\n");
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
                "unregister 2", "panic", "panic hard", "stop"), commands.calls);
    }

    @Test
    void badNamesAndMisusedSecretCommandsGetOneErrLine() throws Exception {
        Path s = start();
        String bad = "ERR bad name: use 1 to 64 of A-Z a-z 0-9 . _ -\n";
        Map<String, String> expected = new java.util.LinkedHashMap<>();
        expected.put("ADD\n", "ERR usage: ADD <name> (with the secret's fd attached)\n");
        expected.put("ADD a b\n", "ERR usage: ADD <name> (with the secret's fd attached)\n");
        expected.put("ADD db\n", "ERR ADD needs the secret's fd attached (SCM_RIGHTS): use dazai add NAME\n");
        expected.put("RUN\n", "ERR usage: RUN <name>\n");
        expected.put("REMOVE\n", "ERR usage: REMOVE <name>\n");
        expected.put("RUN a/b\n", bad);
        expected.put("RUN ../x\n", bad);
        expected.put("REMOVE " + "x".repeat(65) + "\n", bad);
        expected.put("REMOVE \n", bad);
        expected.put("RUN d\u00e9j\u00e0\n", bad);
        for (Map.Entry<String, String> e : expected.entrySet()) {
            assertEquals(e.getValue(), ask(s, e.getKey()), e.getKey());
        }
        assertEquals(List.of(), commands.calls, "nothing reached the kernel");
        assertEquals("OK\n", ask(s, "REMOVE db\n"));
        assertEquals("ERR no secret named " + "x".repeat(64) + "\n", ask(s, "REMOVE " + "x".repeat(64) + "\n"));
        assertEquals(List.of("remove db", "remove " + "x".repeat(64)), commands.calls);
    }

    @Test
    void addReadsFromTheFdTheClientAttached() throws Exception {
        Path s = start();
        int[] p = dev.dazai.adapters.nativ.Fds.pipe();
        dev.dazai.adapters.testing.Pipes.writeAll(p[1], "test bytes".getBytes(StandardCharsets.US_ASCII));
        dev.dazai.adapters.testing.Pipes.close(p[1]);
        try (RawClient c = RawClient.connect(s)) {
            c.sendWithFd("ADD db.key-2_x\n", p[0]);
            dev.dazai.adapters.testing.Pipes.close(p[0]);
            assertEquals("OK\n", c.readToEof());
        }
        assertEquals(List.of("add db.key-2_x"), commands.calls);
        assertEquals("test bytes", commands.added.get("db.key-2_x"), "the server passed on the very pipe");
    }

    @Test
    void runAnswersWithTheConsumersReadEndAttached() throws Exception {
        Path s = start();
        int[] p = dev.dazai.adapters.nativ.Fds.pipe();
        commands.onRun = peer -> new ControlCommands.WithFd("OK cgroup", p[0]);
        List<Integer> fds = new ArrayList<>();
        try (RawClient c = RawClient.connect(s)) {
            c.send("RUN db\n");
            assertEquals("OK cgroup\n", c.readToEofWithFds(fds));
        }
        assertEquals(1, fds.size(), "one fd came with OK");
        dev.dazai.adapters.testing.Pipes.writeAll(p[1], "through".getBytes(StandardCharsets.US_ASCII));
        dev.dazai.adapters.testing.Pipes.close(p[1]);
        assertEquals("through", new String(dev.dazai.adapters.testing.Pipes.readAll(fds.get(0)), StandardCharsets.US_ASCII));
        dev.dazai.adapters.testing.Pipes.close(fds.get(0));
        assertEquals(ProcessHandle.current().pid(), commands.peers.get(0).pid(), "the asking process is the consumer");

        commands.onRun = peer -> ControlCommands.WithFd.none("ERR no secret named nope");
        fds.clear();
        try (RawClient c = RawClient.connect(s)) {
            c.send("RUN nope\n");
            assertEquals("ERR no secret named nope\n", c.readToEofWithFds(fds));
        }
        assertEquals(List.of(), fds, "no fd with an ERR");
    }

    @Test
    void anFdSentWithAnyOtherCommandIsClosedNotKept() throws Exception {
        Path s = start();
        for (String command : List.of("STATUS\n", "RUN db\n", "ADD a b\n", "PANIC\n")) {
            int[] p = dev.dazai.adapters.nativ.Fds.pipe();
            try (RawClient c = RawClient.connect(s)) {
                c.sendWithFd(command, p[0]);
                dev.dazai.adapters.testing.Pipes.close(p[0]);
                c.readToEofWithFds(new ArrayList<>());
            }
            // Once the server's copy is closed, nobody reads the pipe: a write fails with EPIPE.
            int w = p[1];
            assertTrue(eventually(() -> dev.dazai.adapters.nativ.Native.libc().write(w,
                    dev.dazai.adapters.nativ.Native.scratch(1).address(), 1) < 0), command + ": the passed fd was kept open");
            dev.dazai.adapters.testing.Pipes.close(p[1]);
        }
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
    void registerAndUnregisterWaitForTheKernelsAnswerNeverForATimeout() throws Exception {
        Path s = start();
        CountDownLatch release = commands.hold();
        try (RawClient register = RawClient.connect(s); RawClient unregister = RawClient.connect(s)) {
            register.send("REGISTER 5\n");
            unregister.send("UNREGISTER 2\n");
            // Longer than the 2 s command timeout: waiting for the kernel is not the client's silence.
            assertEquals("", register.readFor(3_000), "no made-up reply while the kernel decides");
            assertEquals("", unregister.readFor(10));
            release.countDown();
            assertEquals("OK\n", register.readToEof());
            assertEquals("ERR not registered\n", unregister.readToEof());
        } finally {
            release.countDown();
        }
        assertFalse(log.has("no command within"), log.lines.toString());
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

    /**
     * Fds sent one per byte, with no line ever finished: no command takes more than one, so the
     * server keeps at most FdPassing.MAX_FDS per connection and closes the rest as they arrive. (It
     * held every one until the line or the connection ended: 1,020 per connection, 65,280 over
     * the 64 a socket admits, past the daemon's descriptor limit.)
     */
    @Test
    @Timeout(60)
    void fdsWithoutALineAreNotHoardedPastWhatACommandCouldUse() throws Exception {
        Path s = start(new SocketLimits(64, Duration.ofSeconds(30)));
        dev.dazai.adapters.nativ.FdPassing passing = new dev.dazai.adapters.nativ.FdPassing();
        long before = openFds();
        int[] pipe = dev.dazai.adapters.nativ.Fds.pipe();
        long most = 0;
        try (UnixSocketChannel c = UnixSocketChannel.open(new UnixSocketAddress(s.toString()))) {
            for (int i = 0; i < 200; i++) {
                assertEquals(1, passing.send(c.getFD(), new byte[] {'S'}, pipe[0]));
            }
            // Fds in flight are in no table; watch the server's as it reads them.
            long until = System.nanoTime() + 2_000_000_000L;
            while (System.nanoTime() < until) {
                most = Math.max(most, openFds() - before);
                Thread.sleep(20);
            }
        } finally {
            dev.dazai.adapters.nativ.Fds.closeQuietly(pipe[0]);
            dev.dazai.adapters.nativ.Fds.closeQuietly(pipe[1]);
        }
        // The pipe's two ends, both ends of the connection, at most MAX_FDS held for it, and one
        // more for the moment between its arrival and its close.
        assertTrue(most <= 5 + dev.dazai.adapters.nativ.FdPassing.MAX_FDS, "fds held at most: " + most);
        assertTrue(eventually(() -> openFds() <= before), "all closed with the connection: " + (openFds() - before));
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
