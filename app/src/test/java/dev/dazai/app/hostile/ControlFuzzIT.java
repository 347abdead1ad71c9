package dev.dazai.app.hostile;

import static dev.dazai.app.hostile.Junk.asLine;
import static dev.dazai.app.hostile.Junk.completeLines;
import static dev.dazai.app.hostile.Junk.indexOf;
import static dev.dazai.app.hostile.Junk.printable;
import static dev.dazai.app.hostile.Junk.randomBytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import dev.dazai.adapters.nativ.Fds;
import dev.dazai.adapters.nativ.Native;
import dev.dazai.adapters.nativ.Sys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
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
 * Hostile round 2, control.sock: generated junk commands, {@link FuzzedDaemon#INPUTS} connections
 * (the protocol answers one command per connection, so one input is one connection), with no fd,
 * a /dev/null, directory, socket or empty-pipe fd, too many fds, or an fd ahead of its line
 * (SCM_RIGHTS, through {@link FdLine}). Each gets at most one reply, an ERR line or STATUS JSON,
 * never an OK and never an fd; nothing is registered, added, removed, handed out or cancelled.
 * And fds sent without any line: held only until the connection ends.
 */
class ControlFuzzIT {

    private static final int CONNECTIONS_PER_BATCH = 64;
    /** Concurrent clients: enough to keep the daemon's selector busy, under its cap of 64. */
    private static final int CLIENTS = 6;
    private static final Pattern CONTROL_REPLY = Pattern.compile("ERR [ -~]+|\\{.*\\}");

    @TempDir
    Path tmp;

    private FuzzedDaemon fz;
    private TargetDaemon d;
    private UnixLine heartbeat;

    @AfterEach
    void tearDown() throws IOException {
        if (fz != null) {
            fz.close();
        }
    }

    /** The daemon, a panic's window pending; {@code attach}: our heartbeat holds the slot. */
    private void start(boolean attach) throws Exception {
        fz = FuzzedDaemon.start(tmp, attach);
        d = fz.daemon();
        heartbeat = fz.heartbeat();
    }

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
            qt().withExamples(FuzzedDaemon.batches(CONNECTIONS_PER_BATCH)).withShrinkCycles(5)
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
                        fz.assertStillHolding();
                    });
        } finally {
            clients.shutdownNow();
        }
        FuzzedDaemon.figure("control", inputs.get(), inputs.get(), t0);
        System.out.printf("FIGURE fuzz.surface.control.attached %s%n", byAttach);
        fz.assertUndisturbed("control.sock junk with and without fds");
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

    /** A PID that was ours a moment ago and is free now. */
    private long deadPid() throws Exception {
        Process p = fz.lab().holder();
        long pid = p.pid();
        p.destroyForcibly().waitFor();
        return pid;
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
            "0", "-1", "1", "007", "+5", "0x10", Long.toString(fz.self()), Long.toString(d.pid()), Long.toString(deadPid),
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
     * Fds with no line, and more fds than a message carries. The daemon keeps what arrives until
     * the line ends (that is how ADD's fd waits for its line), but at most FdPassing.MAX_FDS per
     * connection: before that bound, these 4 connections made it hold 3,204 more descriptors, and
     * the 64 a socket admits could have held 65,280, past its descriptor limit.
     */
    @Test
    void fdsWithoutALineAreNotHoarded() throws Exception {
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
            // Fds in flight are in no table: watch the daemon's while it reads them.
            long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            while (System.nanoTime() < until) {
                peak = Math.max(peak, fz.openFds());
                Thread.sleep(20);
            }
            // Per connection: its socket, its peer's pidfd and at most MAX_FDS held, plus one
            // arriving before its close. (Without the bound: 3,200 more.)
            long bound = fz.fdBaseline() + (long) connections * (2 + dev.dazai.adapters.nativ.FdPassing.MAX_FDS) + 1;
            assertTrue(peak <= bound, "the daemon held " + (peak - fz.fdBaseline()) + " more descriptors");
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
                + " limitNofile=%s%n", connections, connections * messages * 4, fz.fdBaseline(), peak, fz.nofile());
        fz.assertUndisturbed("fds without a line, and more than a message carries");
    }

}
