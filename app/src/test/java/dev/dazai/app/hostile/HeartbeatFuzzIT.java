package dev.dazai.app.hostile;

import static dev.dazai.app.hostile.Junk.asLine;
import static dev.dazai.app.hostile.Junk.printable;
import static dev.dazai.app.hostile.Junk.randomBytes;
import static dev.dazai.app.hostile.Junk.validPid;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quicktheories.core.Gen;

/**
 * Hostile round 2, heartbeat.sock: generated junk lines, {@link FuzzedDaemon#INPUTS} per surface,
 * on its two surfaces. The slot holder's own connection (a buggy heartbeat client): one junk line
 * is one input, pipelined {@value #LINES_PER_BATCH} at a time on the attached heartbeat, and each
 * must get exactly the protocol's answer. Strangers, with the slot free (with it held a stranger
 * hears BUSY before any line is read, which ProtocolFuzzIT covers): one junk line is one input,
 * {@value #LINES_PER_BATCH} per fresh connection. Neither may cancel, quit or take the slot.
 */
class HeartbeatFuzzIT {

    private static final int LINES_PER_BATCH = 100;

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

    @Test
    void junkFromTheAttachedHeartbeatIsAnsweredLineByLineAndCancelsNothing() throws Exception {
        start(true);
        AtomicLong lines = new AtomicLong();
        long t0 = System.nanoTime();
        qt().withExamples(FuzzedDaemon.batches(LINES_PER_BATCH)).withShrinkCycles(5)
                .forAll(lists().of(heartbeatLine().map(HeartbeatFuzzIT::notTheHoldersOwnCommand)).ofSize(LINES_PER_BATCH))
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
                    fz.assertStillHolding();
                });
        FuzzedDaemon.figure("heartbeat-holder", lines.get(), 1, t0);
        fz.assertUndisturbed("heartbeat.sock junk from the slot holder");
    }

    @Test
    void junkFromStrangersOnAFreeSlotNeverAttachesNorCancels() throws Exception {
        start(false);
        AtomicLong lines = new AtomicLong();
        AtomicLong connections = new AtomicLong();
        long t0 = System.nanoTime();
        qt().withExamples(FuzzedDaemon.batches(LINES_PER_BATCH)).withShrinkCycles(5)
                .forAll(lists().of(heartbeatLine().map(HeartbeatFuzzIT::notAValidHello)).ofSize(LINES_PER_BATCH),
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
                    fz.assertStillHolding();
                });
        FuzzedDaemon.figure("heartbeat-stranger", lines.get(), connections.get(), t0);
        fz.assertUndisturbed("heartbeat.sock junk from strangers on a free slot");
    }

    /** Tokens of the heartbeat's words and near-misses, random bytes; one line, no newline, under 256 bytes. */
    private Gen<byte[]> heartbeatLine() {
        String[] vocabulary = {"HELLO", "HELLO ", "PING", "CANCEL", "QUIT", "PONG", "BUSY", "WELCOME", "BYE", " ", "\t",
            "\r", "\0", "\u00ff", "0", "1", "-1", "007", Long.toString(fz.self()), "2147483647", "2147483648",
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

}
