package dev.dazai.app.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A buggy script and a hostile neighbour of the same uid on both sockets: binary garbage, partial
 * lines, endless lines, thousands of connections, half-open and slow ones. The daemon is a dry-run
 * with a real heartbeat attached and a graceful panic pending (a 600 s window), which is exactly
 * what an attacker would want to cancel or take over. After every batch:
 *
 * <ul>
 *   <li>the daemon is alive, answers STATUS, and is still in Grace with the window running;</li>
 *   <li>the heartbeat in STATUS is still ours and still gets PONG (BusyNeverDisplaces);</li>
 *   <li>no stranger cancelled, reconnected, attached or quit (the journal has none of it);</li>
 *   <li>memory stays bounded: see {@link #assertBounded}.</li>
 * </ul>
 */
class ProtocolFuzzIT {

    /** What a connection that never held the slot may hear on heartbeat.sock. */
    private static final Set<String> STRANGER_HEARTBEAT_REPLIES = Set.of("BUSY", "ERR hello first",
            "ERR unknown command", "ERR bad pid", "ERR line too long", "ERR timeout");

    private static final Pattern CONTROL_REPLY = Pattern.compile("OK|ERR [ -~]+|\\{.*\\}");

    /**
     * The daemon's heap for this test: fixed and touched in full at start, so that RSS can no
     * longer grow by the collector spreading garbage over an initial heap it has not touched yet
     * (a default JVM here starts with 1/64 of RAM, 376 MiB, and fills it before collecting: RSS
     * climbs from about 110 MB to 340–420 MB under a flood, without any leak). With the heap pinned,
     * a Java-side leak shows as the daemon running out of heap, and a native one as RSS growth.
     * No code path of the protocol depends on the heap size.
     */
    private static final String[] PINNED_HEAP = {"-Xms64m", "-Xmx64m", "-XX:+AlwaysPreTouch"};

    /**
     * RSS may grow by this much over a test, and no more. Per-connection state in the daemon is
     * bounded by construction (at most 64 connections per socket, each a 256-byte line buffer and
     * one reply line), and the heap is pinned, so what is left to grow is JIT-compiled code,
     * metaspace and malloc arenas for the paths the fuzz warms up: measured up to 14 MiB (the
     * flood, on JDK 25), under 5 MiB for the others.
     */
    private static final long WARM_UP_BOUND_KB = 32 * 1024;

    /**
     * Once a flood of 6,000 connections has warmed those paths up, 6,000 more may add no more than
     * this. Measured: 0.3 to 8 MiB, which is malloc arenas breathing rather than growth (a longer
     * run stays flat over 27,000 more connections). A leak of 4 KiB per connection would show.
     */
    private static final long LEAK_BOUND_KB = 24 * 1024;

    @TempDir
    Path tmp;

    private Lab lab;
    private TargetDaemon d;
    private UnixLine heartbeat;
    private long heartbeatPid;
    private long rssBaselineKb;
    private long fdBaseline;
    private final AtomicInteger cases = new AtomicInteger();

    @BeforeEach
    void attachAndArmAWindow() throws Exception {
        lab = new Lab(tmp);
        d = lab.daemon("fuzz").grace(600).jvm(PINNED_HEAP).start();
        heartbeatPid = ProcessHandle.current().pid();
        heartbeat = UnixLine.connect(d.heartbeatSocket());
        heartbeat.send("HELLO " + heartbeatPid + "\n", Duration.ofSeconds(10));
        assertEquals("WELCOME", heartbeat.readLine(Duration.ofSeconds(30)));
        assertEquals("OK", d.request("PANIC").orElseThrow());
        Host.eventually("a pending grace window", () -> {
            try {
                return "Grace".equals(d.statusField("state"));
            } catch (IOException e) {
                return false;
            }
        });
        // Warm the paths once, so the baseline already holds what any first connection costs.
        for (int i = 0; i < 50; i++) {
            d.status();
        }
        rssBaselineKb = Host.statusKb(d.pid(), "VmRSS").orElseThrow();
        fdBaseline = openFds();
    }

    @AfterEach
    void tearDown() throws IOException {
        if (heartbeat != null) {
            heartbeat.close();
        }
        lab.close();
    }

    // ---- properties ------------------------------------------------------------------------

    @Test
    void garbageOnHeartbeatSockNeverDisplacesNorCancels() throws Exception {
        String[] vocabulary = {"HELLO 1\n", "HELLO " + heartbeatPid + "\n", "PING\n", "CANCEL\n", "QUIT\n",
            "HELLO\n", "HELLO -1\n", "HELLO 99999999999999999999\n", "\r\n", "\n", "HELL", "PI", "\0\n", "\u00ff\u00fe\n"};
        qt().withExamples(400).withShrinkCycles(20)
                .forAll(lists().of(integers().between(0, vocabulary.length + 2)).ofSizeBetween(0, 20), integers().all())
                .checkAssert((tokens, seed) -> {
                    byte[] input = compose(tokens, seed, vocabulary);
                    UnixLine.Received got = exchange(d.heartbeatSocket(), input);
                    for (String line : completeLines(got.text())) {
                        assertTrue(STRANGER_HEARTBEAT_REPLIES.contains(line),
                                "a stranger heard " + line + " for " + printable(input));
                    }
                    cases.incrementAndGet();
                });
        assertUndisturbed("heartbeat.sock garbage");
    }

    @Test
    void garbageOnControlSockGetsOneReplyAndTakesNothingOver() throws Exception {
        String[] vocabulary = {"STATUS", "SIGNALS", "REGISTER", "UNREGISTER", "PANIC", "HARD", "CANCEL", "QUIT",
            "HELLO", " ", "1", "-5", "0", "4294967296", "999999999999999999999", "x", "\n", "\r\n", "\0", "\t"};
        qt().withExamples(400).withShrinkCycles(20)
                .forAll(lists().of(integers().between(0, vocabulary.length + 2)).ofSizeBetween(0, 12), integers().all())
                .assuming((tokens, seed) -> !isAValidPanic(compose(tokens, seed, vocabulary)))
                .checkAssert((tokens, seed) -> {
                    byte[] input = compose(tokens, seed, vocabulary);
                    UnixLine.Received got = exchange(d.controlSocket(), input);
                    List<String> lines = completeLines(got.text());
                    assertTrue(lines.size() <= 1, "one reply at most per connection: " + lines);
                    for (String line : lines) {
                        assertTrue(CONTROL_REPLY.matcher(line).matches(), "reply " + line + " for " + printable(input));
                    }
                    assertTrue(got.closed(), "the daemon closes after its one reply");
                    cases.incrementAndGet();
                });
        assertUndisturbed("control.sock garbage");
    }

    /** A real PANIC from our own uid is legitimate and would (rightly) fire; the fuzz is about garbage. */
    private static boolean isAValidPanic(byte[] input) {
        String s = new String(input, StandardCharsets.ISO_8859_1);
        int nl = s.indexOf('\n');
        if (nl < 0) {
            return false;
        }
        String line = s.substring(0, nl);
        if (line.endsWith("\r")) {
            line = line.substring(0, line.length() - 1);
        }
        return line.equals("PANIC") || line.equals("PANIC HARD");
    }

    // ---- floods ----------------------------------------------------------------------------

    @Test
    void thousandsOfConnectionsNeitherDisplaceNorExhaust() throws Exception {
        Random random = new Random(8);
        int total = flood(random, 24);
        long warm = Host.statusKb(d.pid(), "VmRSS").orElseThrow();
        total += flood(random, 24);
        Host.eventually("the daemon closed every flood connection", () -> openFds() <= fdBaseline + 2);
        long after = Host.statusKb(d.pid(), "VmRSS").orElseThrow();
        cases.addAndGet(total);
        System.out.printf("FIGURE fuzz.flood connections=%d rssAfterWarmUpKb=%d rssAfterAllKb=%d%n", total, warm, after);
        assertTrue(after - warm < LEAK_BOUND_KB, "RSS grew from " + warm + " kB to " + after
                + " kB over 6,000 connections after the warm-up: a per-connection leak");
        assertUndisturbed("a flood of " + total + " connections");
    }

    /** Waves of 250 connections at once, alternating sockets, each sending nothing, a HELLO, a STATUS or garbage. */
    private int flood(Random random, int waves) throws IOException {
        int total = 0;
        for (int wave = 0; wave < waves; wave++) {
            Path socket = wave % 2 == 0 ? d.heartbeatSocket() : d.controlSocket();
            List<SocketChannel> open = new ArrayList<>();
            try {
                for (int i = 0; i < 250; i++) {
                    SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                    open.add(ch);
                    ch.connect(UnixDomainSocketAddress.of(socket));
                    byte[] what = switch (random.nextInt(4)) {
                        case 0 -> new byte[0];
                        case 1 -> ("HELLO " + (1 + random.nextInt(100000)) + "\n").getBytes(StandardCharsets.US_ASCII);
                        case 2 -> "STATUS\n".getBytes(StandardCharsets.US_ASCII);
                        default -> randomBytes(random, 1 + random.nextInt(300));
                    };
                    try {
                        ch.write(ByteBuffer.wrap(what));
                    } catch (IOException cut) {
                        // Closed at the cap before we wrote: that is the daemon protecting itself.
                    }
                }
                // Mid-flood the heartbeat is served: the selector never waits on a stranger.
                assertPong("mid-flood, wave " + wave);
            } finally {
                for (SocketChannel ch : open) {
                    ch.close();
                }
            }
            total += open.size();
        }
        return total;
    }

    @Test
    void halfOpenConnectionsAreCutAfterTheCommandTimeout() throws Exception {
        List<UnixLine> silent = new ArrayList<>();
        // 100 per socket: more than the cap of 64, so some are turned away at once and the rest wait.
        for (int i = 0; i < 200; i++) {
            silent.add(UnixLine.connect(i % 2 == 0 ? d.heartbeatSocket() : d.controlSocket()));
        }
        // And some that close their writing half without a word: EOF, nothing to answer.
        List<UnixLine> halfClosed = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            UnixLine c = UnixLine.connect(i % 2 == 0 ? d.heartbeatSocket() : d.controlSocket());
            c.shutdownOutput();
            halfClosed.add(c);
        }
        assertPong("with 240 idle connections open");
        int timedOut = 0;
        int dropped = 0;
        for (UnixLine c : silent) {
            UnixLine.Received r = c.readToEnd(Duration.ofSeconds(60));
            assertTrue(r.closed(), "a silent connection is cut, not kept forever");
            if (r.text().contains("ERR timeout")) {
                timedOut++;
            } else {
                dropped++;
            }
            c.close();
        }
        for (UnixLine c : halfClosed) {
            assertTrue(c.readToEnd(Duration.ofSeconds(60)).closed(), "a half-closed connection is closed");
            c.close();
        }
        cases.addAndGet(240);
        System.out.printf("FIGURE fuzz.half-open silent=%d timedOut=%d droppedAtCap=%d halfClosed=%d%n",
                silent.size(), timedOut, dropped, halfClosed.size());
        assertTrue(timedOut > 0, "some were admitted and then timed out");
        assertTrue(dropped > 0, "some were turned away at the cap");
        assertUndisturbed("half-open connections");
    }

    @Test
    void endlessLinesAreCutAtTheLineLimit() throws Exception {
        for (Path socket : List.of(d.heartbeatSocket(), d.controlSocket())) {
            for (int n = 0; n < 5; n++) {
                long accepted = 0;
                try (UnixLine c = UnixLine.connect(socket)) {
                    byte[] chunk = new byte[64 * 1024];
                    java.util.Arrays.fill(chunk, (byte) ('A' + n));
                    try {
                        for (int i = 0; i < 64; i++) {
                            c.send(chunk, Duration.ofSeconds(30));
                            accepted += chunk.length;
                        }
                    } catch (IOException cut) {
                        // What should happen: the daemon hung up after 256 bytes.
                    }
                    UnixLine.Received r = c.readToEnd(Duration.ofSeconds(30));
                    assertTrue(r.closed(), "an endless line is cut");
                    assertTrue(accepted < 4L << 20, "the daemon stopped reading long before 4 MiB: " + accepted);
                    // The heartbeat is attached: a second connection hears BUSY at once, before its line is read.
                    assertTrue(r.text().isEmpty() || r.text().equals("ERR line too long\n") || r.text().equals("BUSY\n"),
                            r.text());
                }
                cases.incrementAndGet();
            }
        }
        assertUndisturbed("endless lines");
    }

    @Test
    void slowWritersGetTheirTurnOrTimeOutWithoutStallingTheHeartbeat() throws Exception {
        // Paced writes: one byte per connection per tick, every connection in the same loop.
        List<UnixLine> slow = new ArrayList<>();
        List<byte[]> scripts = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            Path socket = i % 3 == 0 ? d.heartbeatSocket() : d.controlSocket();
            slow.add(UnixLine.connect(socket));
            String line = i % 3 == 0 ? "HELLO " + (1000 + i) + "\n" : i % 3 == 1 ? "STATUS\n" : "SIGNALS and then some more\n";
            scripts.add(line.getBytes(StandardCharsets.US_ASCII));
        }
        long tickMillis = 250;
        for (int tick = 0; tick < 28; tick++) {
            for (int i = 0; i < slow.size(); i++) {
                byte[] s = scripts.get(i);
                if (tick < s.length) {
                    try {
                        slow.get(i).send(new byte[] {s[tick]}, Duration.ofSeconds(5));
                    } catch (IOException cut) {
                        // Cut at the command timeout: the reply is read below.
                    }
                }
            }
            if (tick % 4 == 0) {
                assertPong("slow writers at tick " + tick);
            }
            Thread.sleep(tickMillis);
        }
        int served = 0;
        int timedOut = 0;
        int busy = 0;
        for (UnixLine c : slow) {
            UnixLine.Received r = c.readToEnd(Duration.ofSeconds(30));
            assertTrue(r.closed(), "every slow connection ends");
            if (r.text().contains("ERR timeout")) {
                timedOut++;
            } else if (r.text().startsWith("BUSY")) {
                busy++;
            } else if (r.text().startsWith("{")) {
                served++;
            } else {
                fail("unexpected reply to a slow writer: " + r.text());
            }
            c.close();
        }
        cases.addAndGet(slow.size());
        System.out.printf("FIGURE fuzz.slow writers=%d served=%d busy=%d timedOut=%d%n", slow.size(), served, busy, timedOut);
        assertEquals(10, busy, "a slow HELLO finishes in time and is told BUSY");
        assertEquals(10, served, "a slow STATUS finishes within the command timeout and is served");
        assertEquals(10, timedOut, "a line that takes longer than the command timeout is cut");
        assertUndisturbed("slow writers");
    }

    // ---- the invariant -----------------------------------------------------------------------

    private void assertUndisturbed(String after) throws Exception {
        assertTrue(d.alive(), "the daemon died after " + after + ":\n" + d.log());
        String status = d.status();
        assertEquals("Grace", Host.jsonField(status, "state"), "the window is still pending after " + after + ": " + status);
        assertEquals(Long.toString(heartbeatPid), Host.jsonField(status, "heartbeat_pid"), "our heartbeat still holds the slot");
        assertTrue(Long.parseLong(Host.jsonField(status, "grace_left_ms")) > 0, status);
        assertPong("after " + after);
        String log = d.log();
        for (String forbidden : List.of("CANCELLED", "RECONNECTED", "LOST", "FIRE", "WIPED")) {
            assertFalse(Pattern.compile("\\b" + forbidden + "\\b").matcher(log).find(),
                    forbidden + " in the journal after " + after + ":\n" + tail(log));
        }
        assertEquals(1, Pattern.compile("\\bATTACHED\\b").matcher(log).results().count(), "one ATTACHED, ours");
        assertBounded(after);
        System.out.printf("FIGURE fuzz.cases %s=%d%n", after, cases.get());
    }

    /** RSS within {@link #WARM_UP_BOUND_KB} of the baseline, and no descriptor left behind. */
    private void assertBounded(String after) throws IOException {
        long rss = Host.statusKb(d.pid(), "VmRSS").orElseThrow();
        long hwm = Host.statusKb(d.pid(), "VmHWM").orElseThrow();
        System.out.printf("FIGURE fuzz.rss after=%s baselineKb=%d nowKb=%d peakKb=%d fds=%d/%d%n",
                after, rssBaselineKb, rss, hwm, openFds(), fdBaseline);
        assertTrue(rss - rssBaselineKb < WARM_UP_BOUND_KB,
                "RSS grew from " + rssBaselineKb + " kB to " + rss + " kB after " + after);
        Host.eventually("descriptors back to the baseline", () -> openFds() <= fdBaseline + 2);
    }

    private void assertPong(String when) {
        try {
            heartbeat.send("PING\n", Duration.ofSeconds(10));
            assertEquals("PONG", heartbeat.readLine(Duration.ofSeconds(30)), "our heartbeat is answered " + when);
        } catch (IOException e) {
            throw new AssertionError("our heartbeat connection failed " + when + ":\n" + d.log(), e);
        }
    }

    private long openFds() {
        try (var s = Files.list(Path.of("/proc", Long.toString(d.pid()), "fd"))) {
            return s.count();
        } catch (IOException e) {
            return -1;
        }
    }

    // ---- plumbing ----------------------------------------------------------------------------

    /** One connection: send, half-close, read until the daemon closes. */
    private static UnixLine.Received exchange(Path socket, byte[] input) {
        try (UnixLine c = UnixLine.connect(socket)) {
            try {
                c.send(input, Duration.ofSeconds(10));
                c.shutdownOutput();
            } catch (IOException hungUp) {
                // The daemon may close mid-stream (BUSY, a reply, a line too long): fine.
            }
            return c.readToEnd(Duration.ofSeconds(30));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Tokens index the vocabulary; one past it is random bytes, two past a run longer than a line. */
    private static byte[] compose(List<Integer> tokens, int seed, String[] vocabulary) {
        Random random = new Random(seed);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int t : tokens) {
            if (t < vocabulary.length) {
                out.writeBytes(vocabulary[t].getBytes(StandardCharsets.ISO_8859_1));
            } else if (t == vocabulary.length) {
                out.writeBytes(randomBytes(random, 1 + random.nextInt(64)));
            } else {
                byte[] run = new byte[200 + random.nextInt(400)];
                java.util.Arrays.fill(run, (byte) (' ' + random.nextInt(90)));
                out.writeBytes(run);
            }
        }
        return out.toByteArray();
    }

    private static byte[] randomBytes(Random random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private static List<String> completeLines(String received) {
        int last = received.lastIndexOf('\n');
        return last < 0 ? List.of() : List.of(received.substring(0, last).split("\n", -1));
    }

    private static String printable(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(b.length, 200); i++) {
            int c = b[i] & 0xff;
            sb.append(c >= 0x20 && c < 0x7f ? String.valueOf((char) c) : String.format("\\x%02x", c));
        }
        return sb.append(b.length > 200 ? "…(" + b.length + " bytes)" : "").toString();
    }

    private static String tail(String log) {
        return log.length() <= 4000 ? log : "…" + log.substring(log.length() - 4000);
    }
}
