package dev.dazai.app.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import dev.dazai.adapters.nativ.Fds;
import dev.dazai.adapters.nativ.Native;
import dev.dazai.adapters.nativ.Sys;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import jnr.posix.POSIX;
import jnr.unixsocket.UnixSocketChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quicktheories.core.Gen;

/**
 * Hostile round 2: every input surface the daemon has, each fed its own generated junk, counted
 * per surface. {@code -Ddazai.fuzz.inputs=N} sets the count (default {@value #DEFAULT_INPUTS}, so
 * that {@code mvn verify} stays short); {@code -Pfuzz-long} runs 100,000 per surface.
 *
 * <p>What one input is, per surface (see "How inputs are counted" in docs/SECURITY.md):
 * <ul>
 *   <li>heartbeat.sock, the slot holder's own connection: one junk line on the attached heartbeat,
 *       pipelined in batches of {@value #LINES_PER_BATCH}, each line answered, checked against the
 *       protocol's exact answer;</li>
 *   <li>heartbeat.sock, strangers on a free slot: one junk line, {@value #LINES_PER_BATCH} per
 *       fresh connection (the only way a stranger's line is read at all: with the slot held it hears
 *       BUSY first);</li>
 *   <li>control.sock: one connection (the protocol is one command per connection), a junk command
 *       line with no fd, a /dev/null, directory, socket or pipe fd, or too many fds attached;</li>
 *   <li>sessions/: one junk entry put into the drop directory.</li>
 * </ul>
 *
 * <p>The daemon is a dry-run with a 600 s panic window pending, which is what junk must not cancel,
 * and (except on the free-slot surface) our heartbeat attached. After every batch: alive, STATUS
 * answered, still in Grace, the slot as we left it and our heartbeat answered, nothing registered,
 * added, removed or admitted. After each surface also the journal (nothing cancelled, attached,
 * registered, added, removed or admitted), RSS bounded, fds back to baseline.
 */
class SurfaceFuzzIT {

    private static final int DEFAULT_INPUTS = 2_000;
    /** Per surface; a system property so that the long profile can raise it without a code change. */
    private static final int INPUTS = Integer.getInteger("dazai.fuzz.inputs", DEFAULT_INPUTS);
    private static final int LINES_PER_BATCH = 100;
    private static final int CONNECTIONS_PER_BATCH = 64;
    private static final int ENTRIES_PER_BATCH = 100;
    /** Concurrent control clients: enough to keep the daemon's selector busy, under its cap of 64. */
    private static final int CLIENTS = 6;

    private static final Pattern CONTROL_REPLY = Pattern.compile("ERR [ -~]+|\\{.*\\}");
    private static final String[] PINNED_HEAP = {"-Xms64m", "-Xmx64m", "-XX:+AlwaysPreTouch"};
    /** As ProtocolFuzzIT: pinned heap, so growth is JIT code, metaspace and malloc arenas only. */
    private static final long RSS_BOUND_KB = 32 * 1024;

    @TempDir
    Path tmp;

    private Lab lab;
    private TargetDaemon d;
    private UnixLine heartbeat;
    private long rssBaselineKb;
    private long fdBaseline;
    private final long self = ProcessHandle.current().pid();

    @AfterEach
    void tearDown() throws IOException {
        if (heartbeat != null) {
            heartbeat.close();
        }
        if (lab != null) {
            lab.close();
        }
    }

    // ---- (a) heartbeat.sock --------------------------------------------------------------------

    @Test
    void junkFromTheAttachedHeartbeatIsAnsweredLineByLineAndCancelsNothing() throws Exception {
        start(true);
        AtomicLong lines = new AtomicLong();
        long t0 = System.nanoTime();
        qt().withExamples(batches(LINES_PER_BATCH)).withShrinkCycles(5)
                .forAll(lists().of(heartbeatLine().map(SurfaceFuzzIT::notTheHoldersOwnCommand)).ofSize(LINES_PER_BATCH))
                .checkAssert(batch -> {
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    for (byte[] line : batch) {
                        out.writeBytes(line);
                        out.write('\n');
                    }
                    try {
                        heartbeat.send(out.toByteArray(), Duration.ofSeconds(30));
                        for (byte[] line : batch) {
                            String got = heartbeat.readLine(Duration.ofSeconds(30));
                            assertEquals(holderReply(asLine(line)), got, "the heartbeat's answer to " + printable(line));
                        }
                    } catch (IOException e) {
                        throw new AssertionError("our heartbeat connection failed:\n" + d.log(), e);
                    }
                    lines.addAndGet(batch.size());
                    assertStillHolding(true);
                });
        figure("heartbeat-holder", lines.get(), 1, t0);
        assertUndisturbed("heartbeat.sock junk from the slot holder", true);
    }

    @Test
    void junkFromStrangersOnAFreeSlotNeverAttachesNorCancels() throws Exception {
        start(false);
        AtomicLong lines = new AtomicLong();
        AtomicLong connections = new AtomicLong();
        long t0 = System.nanoTime();
        qt().withExamples(batches(LINES_PER_BATCH)).withShrinkCycles(5)
                .forAll(lists().of(heartbeatLine().map(SurfaceFuzzIT::notAValidHello)).ofSize(LINES_PER_BATCH),
                        integers().between(0, 3))
                .checkAssert((junk, last) -> {
                    // PING, CANCEL and QUIT end a stranger's connection (ERR hello first): one of them, or none, ends the batch.
                    List<byte[]> batch = new ArrayList<>(junk);
                    if (last < 3) {
                        batch.add(new String[] {"PING", "CANCEL", "QUIT"}[last].getBytes(StandardCharsets.ISO_8859_1));
                    }
                    try (UnixLine c = UnixLine.connect(d.heartbeatSocket())) {
                        ByteArrayOutputStream out = new ByteArrayOutputStream();
                        for (byte[] line : batch) {
                            out.writeBytes(line);
                            out.write('\n');
                        }
                        try {
                            c.send(out.toByteArray(), Duration.ofSeconds(30));
                        } catch (IOException hungUp) {
                            // A closing answer (ERR hello first) came before the rest: read below.
                        }
                        for (byte[] line : batch) {
                            String expected = strangerReply(asLine(line));
                            assertEquals(expected, c.readLine(Duration.ofSeconds(30)), "a stranger's answer to " + printable(line));
                            lines.incrementAndGet();
                        }
                        if (last < 3) {
                            assertTrue(c.readToEnd(Duration.ofSeconds(30)).closed(), "closed after ERR hello first");
                        }
                    } catch (IOException e) {
                        throw new AssertionError(e);
                    }
                    connections.incrementAndGet();
                    assertStillHolding(false);
                });
        figure("heartbeat-stranger", lines.get(), connections.get(), t0);
        assertUndisturbed("heartbeat.sock junk from strangers on a free slot", false);
    }

    /** Tokens of the heartbeat's words and near-misses, random bytes; one line, no newline, under 256 bytes. */
    private Gen<byte[]> heartbeatLine() {
        String[] vocabulary = {"HELLO", "HELLO ", "PING", "CANCEL", "QUIT", "PONG", "BUSY", "WELCOME", "BYE", " ", "\t",
            "\r", "\0", "\u00ff", "0", "1", "-1", "007", Long.toString(self), "2147483647", "2147483648",
            "99999999999999999999", "ping", "cancel", "HELLO 1", "ERR"};
        return lists().of(integers().between(0, vocabulary.length)).ofSizeBetween(0, 8)
                .zip(integers().all(), (tokens, seed) -> {
                    Random random = new Random(seed);
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    for (int t : tokens) {
                        if (t < vocabulary.length) {
                            out.writeBytes(vocabulary[t].getBytes(StandardCharsets.ISO_8859_1));
                        } else {
                            out.writeBytes(randomBytes(random, 1 + random.nextInt(40)));
                        }
                    }
                    byte[] b = out.toByteArray();
                    byte[] line = java.util.Arrays.copyOf(b, Math.min(b.length, 200));
                    for (int i = 0; i < line.length; i++) {
                        if (line[i] == '\n') {
                            line[i] = '?';
                        }
                    }
                    return line;
                });
    }

    /** CANCEL and QUIT are the holder's to send and would rightly act: junk is one step beside them. */
    private static byte[] notTheHoldersOwnCommand(byte[] line) {
        String s = asLine(line);
        return s.equals("CANCEL") || s.equals("QUIT") ? (s + " junk").getBytes(StandardCharsets.ISO_8859_1) : line;
    }

    /**
     * Any HELLO with a well-formed pid takes a free slot (that is what a reconnect is): junk is one
     * character off. PING, CANCEL and QUIT end the connection, so they come only last (see the test).
     */
    private static byte[] notAValidHello(byte[] line) {
        String s = asLine(line);
        boolean ends = s.equals("PING") || s.equals("CANCEL") || s.equals("QUIT");
        return s.startsWith("HELLO ") && validPid(s.substring(6)) || ends ? (s + "x").getBytes(StandardCharsets.ISO_8859_1) : line;
    }

    /** The protocol's answer on the slot holder's connection (HeartbeatServer's javadoc). */
    private static String holderReply(String line) {
        if (line.equals("PING")) {
            return "PONG";
        }
        return line.equals("HELLO") || line.startsWith("HELLO ") ? "ERR already attached" : "ERR unknown command";
    }

    /** The protocol's answer to a connection that never said a valid HELLO. */
    private static String strangerReply(String line) {
        if (line.equals("HELLO") || line.startsWith("HELLO ")) {
            return "ERR bad pid";
        }
        return switch (line) {
            case "PING", "CANCEL", "QUIT" -> "ERR hello first";
            default -> "ERR unknown command";
        };
    }

    // ---- (b) control.sock ----------------------------------------------------------------------

    /** What is attached to a control line. */
    private enum Attach { NONE, DEV_NULL, DIRECTORY, SOCKET, EMPTY_PIPE, TWO, FIVE, EIGHT, FD_BEFORE_LINE }

    private record ControlInput(byte[] bytes, Attach attach) {
    }

    @Test
    void junkCommandsOnControlSockWithAndWithoutFdsTakeNothing() throws Exception {
        start(true);
        long deadPid = deadPid();
        long pidMax = Long.parseLong(Files.readString(Path.of("/proc/sys/kernel/pid_max")).strip());
        POSIX posix = FdLine.posix();
        AtomicLong inputs = new AtomicLong();
        Map<Attach, AtomicLong> byAttach = new EnumMap<>(Attach.class);
        for (Attach a : Attach.values()) {
            byAttach.put(a, new AtomicLong());
        }
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        long t0 = System.nanoTime();
        try {
            qt().withExamples(batches(CONNECTIONS_PER_BATCH)).withShrinkCycles(5)
                    .forAll(lists().of(controlInput(deadPid, pidMax)).ofSize(CONNECTIONS_PER_BATCH))
                    .checkAssert(batch -> {
                        List<Future<?>> running = new ArrayList<>();
                        for (ControlInput in : batch) {
                            running.add(clients.submit(() -> {
                                exchangeAndCheck(posix, in);
                                byAttach.get(in.attach()).incrementAndGet();
                                return null;
                            }));
                        }
                        for (Future<?> f : running) {
                            try {
                                f.get(2, TimeUnit.MINUTES);
                            } catch (Exception e) {
                                throw new AssertionError(e.getCause() != null ? e.getCause() : e);
                            }
                        }
                        inputs.addAndGet(batch.size());
                        assertStillHolding(true);
                    });
        } finally {
            clients.shutdownNow();
        }
        figure("control", inputs.get(), inputs.get(), t0);
        System.out.printf("FIGURE fuzz.surface.control.attached %s%n", byAttach);
        assertUndisturbed("control.sock junk with and without fds", true);
    }

    private void exchangeAndCheck(POSIX posix, ControlInput in) throws IOException {
        int[] fds = makeFds(in.attach());
        FdLine.Received got;
        try (FdLine c = FdLine.connect(d.controlSocket(), posix)) {
            if (in.attach() == Attach.FD_BEFORE_LINE && in.bytes().length > 1) {
                // The fd comes with the first byte, the rest of the line in a later message.
                c.send(new byte[] {in.bytes()[0]}, fds);
                c.send(java.util.Arrays.copyOfRange(in.bytes(), 1, in.bytes().length));
            } else if (in.bytes().length > 0) {
                c.send(in.bytes(), fds);
            }
            for (int fd : fds) {
                Fds.closeQuietly(fd);
            }
            c.shutdownOutput();
            got = c.readToEnd(Duration.ofSeconds(30));
        }
        String text = got.text();
        assertTrue(got.closed(), "the daemon closes after one reply, for " + printable(in.bytes()) + " + " + in.attach());
        assertEquals(0, got.fds(), "no fd comes back to junk: " + printable(in.bytes()));
        List<String> lines = completeLines(text);
        int newline = indexOf(in.bytes(), (byte) '\n');
        int expected = newline >= 0 || in.bytes().length >= 256 ? 1 : 0;
        assertEquals(expected, lines.size(), "replies to " + printable(in.bytes()) + " + " + in.attach() + ": " + text);
        for (String line : lines) {
            assertTrue(CONTROL_REPLY.matcher(line).matches(), "reply " + line + " to " + printable(in.bytes()) + " + " + in.attach());
        }
    }

    /** Fds of the kind asked for, ours to close after sending; none that has bytes to read. */
    private static int[] makeFds(Attach attach) throws IOException {
        return switch (attach) {
            case NONE -> new int[0];
            case DEV_NULL, FD_BEFORE_LINE -> new int[] {open("/dev/null")};
            case DIRECTORY -> new int[] {open("/")};
            case SOCKET -> new int[] {closedSocket()};
            case EMPTY_PIPE -> {
                int[] pipe = Fds.pipe();
                Fds.closeQuietly(pipe[1]);
                yield new int[] {pipe[0]};
            }
            case TWO -> new int[] {open("/dev/null"), open("/")};
            case FIVE -> new int[] {open("/dev/null"), open("/"), open("/dev/null"), closedSocket(), open("/dev/null")};
            case EIGHT -> {
                int[] many = new int[8];
                for (int i = 0; i < many.length; i++) {
                    many[i] = open("/dev/null");
                }
                yield many;
            }
        };
    }

    private static int open(String path) {
        int fd = Native.libc().open(path, Sys.O_RDONLY | Sys.O_CLOEXEC, 0);
        if (fd < 0) {
            throw new IllegalStateException("open " + path + ": errno " + Native.errno());
        }
        return fd;
    }

    /** One end of a socket pair whose other end is closed: reading it is end of input at once. */
    private static int closedSocket() throws IOException {
        UnixSocketChannel[] pair = UnixSocketChannel.pair();
        int fd = Native.libc().fcntl(pair[0].getFD(), Sys.F_DUPFD_CLOEXEC, 0);
        pair[0].close();
        pair[1].close();
        return fd;
    }

    /**
     * A command word (weighted towards the ones that act), junk arguments, a line end, an
     * attachment. Never a legitimate act of the owner: PANIC, PANIC HARD and STOP would rightly
     * fire, RUN and REMOVE of the secret the daemon holds would rightly hand it out or wipe it, so
     * those lines are turned into near-misses; REGISTER gets only pids that cannot be registered
     * (dead, beyond pid_max, the daemon itself or its ancestors, this JVM).
     */
    private Gen<ControlInput> controlInput(long deadPid, long pidMax) {
        String[] first = {"ADD", "ADD", "ADD", "REMOVE", "REMOVE", "RUN", "RUN", "RUN", "REGISTER", "REGISTER", "REGISTER",
            "UNREGISTER", "UNREGISTER", "STOP", "PANIC", "SIGNALS", "STATUS", "HELLO", "CANCEL", "QUIT", "add", "run",
            "", " ", "\0", "ADD\t", "REGISTER  ", "STOP ", "PANIC HARD", "PANIC SOFT"};
        String[] arguments = {"default", "DEFAULT", "x", "a.b-c_d", "..", ".", "-", "a/b", "a b", "\u00e4", "", " ", "*",
            "0", "-1", "1", "007", "+5", "0x10", Long.toString(self), Long.toString(d.pid()), Long.toString(deadPid),
            "2147483647", "2147483648", "99999999999999999999", "18446744073709551616", "HARD"};
        int valid = arguments.length;
        int longName = valid + 1;
        int beyondPidMax = valid + 2;
        int junk = valid + 3;
        return integers().between(0, first.length - 1)
                .zip(lists().of(integers().between(0, junk)).ofSizeBetween(0, 4), integers().all(),
                        integers().between(0, 16), (w, args, seed, attach) -> {
                    Random random = new Random(seed);
                    StringBuilder line = new StringBuilder(first[w]);
                    for (int a : args) {
                        line.append(random.nextInt(8) == 0 ? "  " : " ");
                        if (a < arguments.length) {
                            line.append(arguments[a]);
                        } else if (a == valid) {
                            line.append(name(random, 1 + random.nextInt(64)));
                        } else if (a == longName) {
                            line.append(name(random, 65 + random.nextInt(300)));
                        } else if (a == beyondPidMax) {
                            line.append(pidMax + random.nextInt(Integer.MAX_VALUE - (int) Math.min(pidMax, Integer.MAX_VALUE - 1)));
                        } else {
                            line.append(new String(randomBytes(random, 1 + random.nextInt(24)), StandardCharsets.ISO_8859_1));
                        }
                    }
                    String end = switch (random.nextInt(20)) {
                        case 0 -> "";
                        case 1, 2 -> "\r\n";
                        case 3 -> "\nSTOP\n";
                        default -> "\n";
                    };
                    byte[] bytes = (line + end).getBytes(StandardCharsets.ISO_8859_1);
                    Attach kind = attach < 9 ? Attach.NONE : Attach.values()[attach - 8];
                    return new ControlInput(notAnOwnersAct(bytes), kind);
                });
    }

    private static byte[] notAnOwnersAct(byte[] bytes) {
        String first = firstLine(bytes);
        boolean act = first.equals("PANIC") || first.equals("PANIC HARD") || first.equals("STOP")
                || first.equals("RUN default") || first.equals("REMOVE default");
        if (!act) {
            return bytes;
        }
        byte[] near = new byte[bytes.length + 1];
        near[0] = 'X';
        System.arraycopy(bytes, 0, near, 1, bytes.length);
        return near;
    }

    /** The line the daemon would read: up to the first newline, one trailing CR dropped. */
    private static String firstLine(byte[] bytes) {
        String s = new String(bytes, StandardCharsets.ISO_8859_1);
        int nl = s.indexOf('\n');
        return nl < 0 ? s : asLine(s.substring(0, nl).getBytes(StandardCharsets.ISO_8859_1));
    }

    private static String name(Random random, int length) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-";
        StringBuilder sb = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        String s = sb.toString();
        // All digits would be a pid that may be live (REGISTER 5): junk names never are.
        return s.equals("default") ? "defaulx" : s.chars().allMatch(Character::isDigit) ? "n" + s : s;
    }

    /**
     * Fds with no line, and more fds than a message carries. The daemon holds what arrives until
     * the line ends (that is how ADD's fd waits for its line), so this measures how many it holds
     * and checks that every one is closed when the connection ends without a line.
     */
    @Test
    void fdsWithoutALineAreHeldOnlyUntilTheConnectionEnds() throws Exception {
        start(true);
        POSIX posix = FdLine.posix();
        int connections = 4;
        int messages = 200;
        List<FdLine> open = new ArrayList<>();
        int nul = open("/dev/null");
        long peak = 0;
        try {
            for (int i = 0; i < connections; i++) {
                FdLine c = FdLine.connect(d.controlSocket(), posix);
                open.add(c);
                for (int m = 0; m < messages; m++) {
                    // One byte, never a newline, four fds each: the most one message brings.
                    assertTrue(c.send(new byte[] {'A'}, nul, nul, nul, nul), "the daemon still reads at message " + m);
                }
            }
            Host.eventually(Duration.ofSeconds(30), "the daemon read every message",
                    () -> openFds() >= fdBaseline + (long) connections * messages * 4);
            peak = openFds();
            for (FdLine c : open) {
                c.shutdownOutput();
                FdLine.Received r = c.readToEnd(Duration.ofSeconds(30));
                assertTrue(r.closed(), "a connection that ends without a line is closed");
                assertEquals("", r.text(), "nothing to answer: there was no line");
            }
        } finally {
            Fds.closeQuietly(nul);
            for (FdLine c : open) {
                c.close();
            }
        }
        // A line of 255 bytes, each with 4 fds, then the 256th: cut as too long, every fd closed.
        try (FdLine c = FdLine.connect(d.controlSocket(), posix)) {
            int fd = open("/dev/null");
            for (int m = 0; m < 300; m++) {
                if (!c.send(new byte[] {'B'}, fd, fd, fd, fd)) {
                    break;
                }
            }
            Fds.closeQuietly(fd);
            FdLine.Received r = c.readToEnd(Duration.ofSeconds(30));
            // The reply, or a reset: closing with our bytes unread resets the peer on a UNIX socket too.
            assertTrue(r.text().equals("ERR line too long\n") || r.text().isEmpty(), r.text());
        }
        System.out.printf("FIGURE fuzz.surface.fds-without-line connections=%d fdsSent=%d daemonFdsBaseline=%d daemonFdsPeak=%d"
                + " limitNofile=%s%n", connections, connections * messages * 4, fdBaseline, peak, nofile(d.pid()));
        assertUndisturbed("fds without a line, and more than a message carries", true);
    }

    // ---- (c) sessions/ -------------------------------------------------------------------------

    /** What a junk entry is. */
    private enum Entry {
        RANDOM_BYTES, WRONG_STARTTIME, FOREIGN_PROCESS, DEAD_PROCESS, BEYOND_PID_MAX, WRONG_FIELDS, OVER_LONG,
        NAME_NOT_THE_PID, NAME_NOT_A_PID, SYMLINK_TO_A_VALID_ENTRY, DANGLING_SYMLINK, DIRECTORY, WRONG_MODE,
        FOREIGN_OWNER, HUGE_SPARSE, FIFO, SOCKET, EMPTY, CHURN
    }

    /** Facts the entries are made from, found once per test. */
    private record Processes(long live, long liveStart, long dead, long deadStart, Optional<Long> foreign,
                             long foreignStart, long pidMax, boolean root) {
    }

    @Test
    void junkSessionEntriesAreRefusedRemovedAndNeverAdmitted() throws Exception {
        start(true);
        Path sessions = d.socketDir().resolve("sessions");
        Path stage = Files.createDirectories(tmp.resolve("stage"));
        Processes p = processes();
        Map<Entry, AtomicLong> made = new EnumMap<>(Entry.class);
        for (Entry e : Entry.values()) {
            made.put(e, new AtomicLong());
        }
        AtomicLong inputs = new AtomicLong();
        AtomicLong serial = new AtomicLong();
        AtomicLong unseen = new AtomicLong();
        long t0 = System.nanoTime();
        qt().withExamples(batches(ENTRIES_PER_BATCH)).withShrinkCycles(0)
                .forAll(lists().of(integers().all()).ofSize(ENTRIES_PER_BATCH))
                .checkAssert(batch -> {
                    List<Path> madeInPlace = new ArrayList<>();
                    for (int seed : batch) {
                        // QuickTheories favours a few boundary seeds; the serial makes each entry its own.
                        long n = serial.incrementAndGet();
                        Random random = new Random(seed * 0x9E3779B97F4A7C15L + n);
                        Entry kind = Entry.values()[random.nextInt(Entry.values().length)];
                        if (kind == Entry.FOREIGN_PROCESS && p.foreign().isEmpty()
                                || kind == Entry.FOREIGN_OWNER && !p.root()) {
                            kind = Entry.WRONG_STARTTIME;
                        }
                        try {
                            put(sessions, stage, kind, random, p, n).ifPresent(madeInPlace::add);
                        } catch (IOException raced) {
                            // The watcher removed it while we were still at it: that is a refusal too.
                        }
                        made.get(kind).incrementAndGet();
                        inputs.incrementAndGet();
                    }
                    // Made without a write or a rename, the watcher is not told of them (it watches
                    // IN_CLOSE_WRITE, IN_MOVED_TO, IN_DELETE, IN_MOVED_FROM): we remove what it left.
                    for (Path f : madeInPlace) {
                        try {
                            if (Files.deleteIfExists(f)) {
                                unseen.incrementAndGet();
                            }
                        } catch (IOException e) {
                            throw new AssertionError(e);
                        }
                    }
                    // Backpressure: the watcher keeps up, or the directory would grow without bound.
                    awaitDrained(sessions, 2 * ENTRIES_PER_BATCH);
                    assertStillHolding(true);
                });
        awaitDrained(sessions, 0);
        figure("sessions", inputs.get(), 0, t0);
        long refused = Pattern.compile("session entry .* refused").matcher(d.log()).results().count();
        System.out.printf("FIGURE fuzz.surface.sessions.kinds %s refusedInJournal=%d madeInPlaceNeverSeen=%d foreign=%s root=%s%n",
                made, refused, unseen.get(), p.foreign().isPresent(), p.root());
        assertTrue(refused > 0, "the watcher saw and refused junk");
        assertFalse(Pattern.compile("\\bSESSION_START\\b").matcher(d.log()).find(), "no junk entry admitted:\n" + tail(d.log()));
        assertUndisturbed("junk in sessions/", true);
    }

    /**
     * One junk entry of {@code kind}: written in place, or made aside and renamed in whole where a
     * half-made one could pass. Links, directories, FIFOs and sockets are made in place (returned:
     * the watcher is not told of those) or aside and renamed in (it is), half and half.
     */
    private Optional<Path> put(Path sessions, Path stage, Entry kind, Random r, Processes p, long serial) throws IOException {
        boolean inPlace = r.nextBoolean();
        Path oddPath = (inPlace ? sessions : stage).resolve(Long.toString(p.pidMax() + serial));
        long livePid = p.live();
        String tty = r.nextBoolean() ? "pts/" + r.nextInt(10) : "-";
        switch (kind) {
            case RANDOM_BYTES -> write(sessions.resolve(Long.toString(p.pidMax() + serial)), randomBytes(r, r.nextInt(128)));
            case WRONG_STARTTIME -> {
                long start = p.liveStart() + 1 + r.nextInt(1_000_000);
                write(sessions.resolve(Long.toString(livePid)), line(livePid, start, tty, "bash"));
            }
            case FOREIGN_PROCESS -> write(sessions.resolve(Long.toString(p.foreign().orElseThrow())),
                    line(p.foreign().orElseThrow(), p.foreignStart(), tty, "zsh"));
            case DEAD_PROCESS -> write(sessions.resolve(Long.toString(p.dead())), line(p.dead(), p.deadStart(), tty, "bash"));
            case BEYOND_PID_MAX -> {
                long pid = p.pidMax() + r.nextInt(1_000_000);
                write(sessions.resolve(Long.toString(pid)), line(pid, r.nextInt(Integer.MAX_VALUE), tty, "bash"));
            }
            case WRONG_FIELDS -> {
                String[] forms = {livePid + " " + p.liveStart() + "\n", livePid + "\n", livePid + " " + p.liveStart() + " " + tty
                    + " bash with too many words\n", livePid + " x " + tty + " bash\n", livePid + " " + p.liveStart() + " " + tty
                    + " bash", livePid + "  " + p.liveStart() + " " + tty + " bash\n", "\n\n\n", livePid + " -1 - bash\n"};
                // Each names the live process by its right start time but is malformed: refused on form alone.
                stageAndRename(sessions, stage, Long.toString(livePid), forms[r.nextInt(forms.length)].getBytes(StandardCharsets.US_ASCII), null, serial);
            }
            case OVER_LONG -> {
                String kindWord = "k".repeat(129 + r.nextInt(2000));
                stageAndRename(sessions, stage, Long.toString(livePid),
                        line(livePid, p.liveStart(), tty, kindWord), null, serial);
            }
            case NAME_NOT_THE_PID -> stageAndRename(sessions, stage, Long.toString(p.dead()),
                    line(livePid, p.liveStart(), tty, "bash"), null, serial);
            case NAME_NOT_A_PID -> {
                String[] names = {"0" + livePid, livePid + ".tmp", ".hidden" + serial, "x" + serial, "~" + serial,
                    "a b " + serial, "-" + serial, "9".repeat(11), "n".repeat(200 + r.nextInt(50))};
                stageAndRename(sessions, stage, names[r.nextInt(names.length)], line(livePid, p.liveStart(), tty, "bash"), null, serial);
            }
            case SYMLINK_TO_A_VALID_ENTRY -> {
                // The target is a valid entry of ours; only the link stands in the way.
                Path target = stage.resolve("valid");
                if (!Files.exists(target)) {
                    Files.write(target, line(livePid, p.liveStart(), "-", "bash"));
                }
                Path link = stage.resolve("link-" + serial);
                Files.createSymbolicLink(link, target);
                Files.move(link, sessions.resolve(Long.toString(livePid)), StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            }
            case DANGLING_SYMLINK -> Files.createSymbolicLink(oddPath, Path.of(r.nextBoolean() ? "/nonexistent/" + serial : "/etc/passwd"));
            case DIRECTORY -> Files.createDirectory(oddPath);
            case WRONG_MODE -> {
                String[] modes = {"---------", "rwxrwxrwx", "rw-rw-rw-", "-w-------", "r--r--r--"};
                // Mode is no part of the check (owner, type and content are): the content is what is wrong.
                stageAndRename(sessions, stage, Long.toString(livePid),
                        line(livePid, p.liveStart() + 1 + r.nextInt(1000), tty, "bash"), modes[r.nextInt(modes.length)], serial);
            }
            case FOREIGN_OWNER -> {
                // A valid line for our own live process in a file owned by someone else: refused for the owner alone.
                Path f = stage.resolve("foreign-" + serial);
                Files.write(f, line(livePid, p.liveStart(), tty, "bash"));
                Files.setAttribute(f, "unix:uid", 65534, LinkOption.NOFOLLOW_LINKS);
                Files.move(f, sessions.resolve(Long.toString(livePid)), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            case HUGE_SPARSE -> {
                Path f = stage.resolve("huge-" + serial);
                try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
                    raf.write(line(livePid, p.liveStart(), tty, "bash"));
                    raf.setLength(1L << (20 + r.nextInt(11)));
                }
                Files.move(f, sessions.resolve(Long.toString(livePid)), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            case FIFO -> {
                try {
                    Host.run(Duration.ofSeconds(10), List.of("mkfifo", oddPath.toString()));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            case SOCKET -> {
                try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
                    s.bind(UnixDomainSocketAddress.of(oddPath));
                }
            }
            case EMPTY -> write(sessions.resolve(Long.toString(p.dead())), new byte[0]);
            case CHURN -> {
                Path f = sessions.resolve(Long.toString(p.pidMax() + serial));
                write(f, randomBytes(r, r.nextInt(64)));
                Files.deleteIfExists(f);
            }
        }
        boolean odd = kind == Entry.DANGLING_SYMLINK || kind == Entry.DIRECTORY || kind == Entry.FIFO || kind == Entry.SOCKET;
        if (!odd) {
            return Optional.empty();
        }
        if (inPlace) {
            return Optional.of(oddPath);
        }
        Files.move(oddPath, sessions.resolve(oddPath.getFileName()), StandardCopyOption.ATOMIC_MOVE);
        return Optional.empty();
    }

    /** Waits until at most {@code most} entries are left; on failure, says which, and how the journal ends. */
    private void awaitDrained(Path sessions, long most) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (entries(sessions) > most) {
            if (System.nanoTime() - deadline > 0) {
                StringBuilder left = new StringBuilder();
                try (var s = Files.list(sessions)) {
                    s.limit(20).forEach(f -> left.append(' ').append(f.getFileName()).append(Files.isSymbolicLink(f) ? "(link)"
                            : Files.isDirectory(f, LinkOption.NOFOLLOW_LINKS) ? "(dir)" : Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)
                            ? "(file)" : "(other)"));
                } catch (IOException e) {
                    left.append(e);
                }
                fail(entries(sessions) + " entries left in " + sessions + " after 60 s, e.g." + left + "\n" + tail(d.log()));
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted");
            }
        }
    }

    private static void write(Path f, byte[] bytes) throws IOException {
        Files.write(f, bytes);
    }

    private static void stageAndRename(Path sessions, Path stage, String name, byte[] bytes, String mode, long serial) throws IOException {
        Path f = stage.resolve("e-" + serial);
        Files.write(f, bytes);
        if (mode != null) {
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(mode));
        }
        Files.move(f, sessions.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static byte[] line(long pid, long start, String tty, String kind) {
        return (pid + " " + start + " " + tty + " " + kind + "\n").getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * The processes entries name. None of them can make a valid session: the live one is ours but
     * every entry naming it has the wrong start time, a malformed line, a link, a foreign owner or
     * the wrong name; the foreign one runs as uid 65534 (root only); the dead one has ended.
     */
    private Processes processes() throws Exception {
        long pidMax = Long.parseLong(Files.readString(Path.of("/proc/sys/kernel/pid_max")).strip());
        Process live = lab.holder();
        long liveStart = startTime(live.pid());
        Process dead = lab.holder();
        long deadPid = dead.pid();
        long deadStart = startTime(deadPid);
        dead.destroyForcibly().waitFor();
        Optional<Long> foreign = Optional.empty();
        long foreignStart = 0;
        if (Host.isRoot() && Host.onPath("setpriv")) {
            Process f = lab.spawn(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "sleep", "1000"));
            Host.eventually(Duration.ofSeconds(10), "setpriv dropped to uid 65534", () -> Host.uid(f.pid()).orElse(-1) == 65534);
            foreign = Optional.of(f.pid());
            foreignStart = startTime(f.pid());
        }
        return new Processes(live.pid(), liveStart, deadPid, deadStart, foreign, foreignStart, pidMax, Host.isRoot());
    }

    private static long startTime(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(after[19]);
    }

    private long deadPid() throws Exception {
        Process p = lab.holder();
        long pid = p.pid();
        p.destroyForcibly().waitFor();
        return pid;
    }

    private static long entries(Path dir) {
        try (var s = Files.list(dir)) {
            return s.count();
        } catch (IOException e) {
            return Long.MAX_VALUE;
        }
    }

    // ---- set-up and the invariant --------------------------------------------------------------

    /** A dry-run daemon with a 600 s panic window pending; {@code attach}: our heartbeat holds the slot. */
    private void start(boolean attach) throws Exception {
        lab = new Lab(tmp);
        d = lab.daemon("fuzz").grace(600).jvm(PINNED_HEAP).start();
        if (attach) {
            heartbeat = UnixLine.connect(d.heartbeatSocket());
            heartbeat.send("HELLO " + self + "\n", Duration.ofSeconds(10));
            assertEquals("WELCOME", heartbeat.readLine(Duration.ofSeconds(30)));
        }
        assertEquals("OK", d.request("PANIC").orElseThrow());
        Host.eventually("a pending grace window", () -> {
            try {
                return "Grace".equals(d.statusField("state"));
            } catch (IOException e) {
                return false;
            }
        });
        for (int i = 0; i < 50; i++) {
            d.status();
        }
        rssBaselineKb = Host.statusKb(d.pid(), "VmRSS").orElseThrow();
        fdBaseline = openFds();
    }

    /**
     * After every batch, what STATUS and the heartbeat say: alive, in Grace with the panic's window,
     * the slot as we left it, nothing registered, added, removed or admitted. The journal is read
     * once per surface, at the end ({@link #assertUndisturbed}): it grows by a line per refused entry.
     */
    private void assertStillHolding(boolean attached) {
        try {
            assertTrue(d.alive(), "the daemon died:\n" + tail(d.log()));
            String status = d.status();
            assertEquals("Grace", Host.jsonField(status, "state"), status);
            assertEquals("Panic", Host.jsonField(status, "window"), status);
            assertEquals(attached ? Long.toString(self) : "null", Host.jsonField(status, "heartbeat_pid"), status);
            assertTrue(status.contains("\"sessions\":[]") && status.contains("\"holders\":[]")
                    && status.contains("\"secrets\":[{\"name\":\"default\",\"bytes\":32}]"), status);
            if (attached) {
                heartbeat.send("PING\n", Duration.ofSeconds(10));
                assertEquals("PONG", heartbeat.readLine(Duration.ofSeconds(30)), "our heartbeat is answered");
            }
        } catch (IOException e) {
            throw new AssertionError("the daemon stopped answering:\n" + tail(d.log()), e);
        }
    }

    private void assertUndisturbed(String after, boolean attached) throws Exception {
        assertTrue(d.alive(), "the daemon died after " + after + ":\n" + tail(d.log()));
        String status = d.status();
        assertEquals("Grace", Host.jsonField(status, "state"), "the window is still pending after " + after + ": " + status);
        assertEquals("Panic", Host.jsonField(status, "window"), status);
        assertTrue(Long.parseLong(Host.jsonField(status, "grace_left_ms")) > 0, status);
        assertEquals(attached ? Long.toString(self) : "null", Host.jsonField(status, "heartbeat_pid"),
                "the slot is as we left it: " + status);
        assertTrue(status.contains("\"sessions\":[]"), "no session admitted: " + status);
        assertTrue(status.contains("\"holders\":[]"), "no holder registered: " + status);
        assertTrue(status.contains("\"secrets\":[{\"name\":\"default\",\"bytes\":32}]"), "no secret added or removed: " + status);
        if (attached) {
            heartbeat.send("PING\n", Duration.ofSeconds(10));
            assertEquals("PONG", heartbeat.readLine(Duration.ofSeconds(30)), "our heartbeat is answered after " + after);
        }
        String log = d.log();
        for (String forbidden : List.of("CANCELLED", "RECONNECTED", "LOST", "FIRE", "WIPED", "REGISTERED", "SESSION_START",
                "UNREGISTERED", "TRIGGER.*HARD")) {
            assertFalse(Pattern.compile("\\b" + forbidden + "\\b").matcher(log).find(),
                    forbidden + " in the journal after " + after + ":\n" + tail(log));
        }
        assertEquals(attached ? 1 : 0, Pattern.compile("\\bATTACHED\\b").matcher(log).results().count(), "ATTACHED: ours only");
        assertEquals(1, Pattern.compile("\\bLOADED\\b").matcher(log).results().count(), "LOADED once, at start-up");
        long rss = Host.statusKb(d.pid(), "VmRSS").orElseThrow();
        long hwm = Host.statusKb(d.pid(), "VmHWM").orElseThrow();
        Host.eventually("descriptors back to the baseline", () -> openFds() <= fdBaseline + 2);
        System.out.printf("FIGURE fuzz.surface.rss after=%s baselineKb=%d nowKb=%d peakKb=%d growthKb=%d fds=%d/%d%n",
                after, rssBaselineKb, rss, hwm, rss - rssBaselineKb, openFds(), fdBaseline);
        assertTrue(rss - rssBaselineKb < RSS_BOUND_KB, "RSS grew from " + rssBaselineKb + " kB to " + rss + " kB after " + after);
    }

    private void figure(String surface, long inputs, long connections, long t0) {
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        System.out.printf("FIGURE fuzz.surface.%s inputs=%d connections=%d wallMs=%d perSecond=%d%n",
                surface, inputs, connections, ms, ms == 0 ? 0 : inputs * 1000 / ms);
        assertTrue(inputs >= INPUTS, surface + ": " + inputs + " inputs, fewer than the " + INPUTS + " asked for");
    }

    private static int batches(int perBatch) {
        return Math.max(1, (INPUTS + perBatch - 1) / perBatch);
    }

    private long openFds() {
        try (var s = Files.list(Path.of("/proc", Long.toString(d.pid()), "fd"))) {
            return s.count();
        } catch (IOException e) {
            return -1;
        }
    }

    private static String nofile(long pid) {
        for (String l : Host.read(Path.of("/proc", Long.toString(pid), "limits")).split("\n")) {
            if (l.startsWith("Max open files")) {
                return l.replaceAll("\\s+", " ").replace("Max open files ", "").replace(" files", "").strip().replace(' ', '/');
            }
        }
        return "?";
    }

    // ---- plumbing ------------------------------------------------------------------------------

    /** What the server makes of one line: bytes as ISO-8859-1, one trailing CR dropped. */
    private static String asLine(byte[] line) {
        String s = new String(line, StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    /** As the daemon's Numbers.pid: digits, no sign, no leading zero, 1 to 2^31-1. */
    private static boolean validPid(String s) {
        if (s.isEmpty() || s.length() > 10 || s.charAt(0) == '0' || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return false;
        }
        long v = Long.parseLong(s);
        return v >= 1 && v <= Integer.MAX_VALUE;
    }

    private static int indexOf(byte[] b, byte x) {
        for (int i = 0; i < b.length; i++) {
            if (b[i] == x) {
                return i;
            }
        }
        return -1;
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
