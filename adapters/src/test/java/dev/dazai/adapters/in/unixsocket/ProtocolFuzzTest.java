package dev.dazai.adapters.in.unixsocket;

import static dev.dazai.adapters.in.unixsocket.Recorders.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import dev.dazai.adapters.in.unixsocket.Recorders.RecordingCommands;
import dev.dazai.adapters.in.unixsocket.Recorders.RecordingLiveness;
import dev.dazai.adapters.in.unixsocket.Recorders.RecordingLog;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random mixes of protocol lines and binary garbage, each on a fresh connection: every reply is
 * one the protocol defines, the slot is always given back (a QUIT or exactly one loss per
 * WELCOME), and the server is still serving after each one.
 */
class ProtocolFuzzTest {

    private static final Set<String> HEARTBEAT_REPLIES = Set.of("WELCOME", "BUSY", "PONG", "CANCELLED", "BYE",
            "ERR unknown command", "ERR bad pid", "ERR hello first", "ERR line too long", "ERR already attached",
            "ERR nothing pending", "ERR too late", "ERR timeout", "ERR panic pending");

    private static final Set<String> CONTROL_REPLIES = Set.of("OK", "ERR not registered", "ERR unknown command",
            "ERR bad pid", "ERR bad starttime", "ERR line too long", "ERR timeout", "ERR usage: STATUS",
            "ERR usage: SIGNALS", "ERR usage: PANIC [HARD]", "ERR usage: UNREGISTER <pid>",
            "ERR usage: REGISTER <pid> [starttime]", "{\"state\":\"Waiting\",\"mode\":\"DryRun\"}",
            "{\"USR1\":\"graceful panic\"}");

    @TempDir
    Path dir;

    private static byte[] bytes(List<Integer> tokens, int seed, String... vocabulary) {
        Random random = new Random(seed);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int t : tokens) {
            if (t < vocabulary.length) {
                out.writeBytes(vocabulary[t].getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            } else if (t == vocabulary.length) {
                byte[] garbage = new byte[1 + random.nextInt(60)];
                random.nextBytes(garbage);
                out.writeBytes(garbage);
            } else {
                byte[] run = new byte[200 + random.nextInt(200)];
                Arrays.fill(run, (byte) random.nextInt(256));
                out.writeBytes(run);
            }
        }
        return out.toByteArray();
    }

    private static List<String> completeLines(String received) {
        int last = received.lastIndexOf('\n');
        return last < 0 ? List.of() : List.of(received.substring(0, last).split("\n", -1));
    }

    @Test
    void heartbeatSurvivesAnything() throws Exception {
        try (RecordingLiveness liveness = new RecordingLiveness();
             HeartbeatServer server = new HeartbeatServer(dir.resolve("heartbeat.sock"), liveness, new RecordingLog(),
                     new SocketLimits(64, Duration.ofMillis(300))).start()) {
            qt().withExamples(120).withShrinkCycles(10)
                    .forAll(lists().of(integers().between(0, 11)).ofSizeBetween(0, 25), integers().all())
                    .checkAssert((tokens, seed) -> {
                        byte[] input = bytes(tokens, seed, "HELLO 12\n", "PING\n", "CANCEL\n", "QUIT\n",
                                "HELLO x\n", "\n", "\r\n", "HELLO 12\r\n", "\u0000\u00ff\n", "PING");
                        String received;
                        try (RawClient c = RawClient.connect(server.socket())) {
                            try {
                                c.send(input);
                            } catch (IOException closedOnUs) {
                                // The server may hang up mid-stream (BYE, line too long): fine.
                            }
                            received = c.readFor(40);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                        for (String line : completeLines(received)) {
                            assertTrue(HEARTBEAT_REPLIES.contains(line), "unexpected reply " + line);
                        }
                        try {
                            assertTrue(eventually(() -> liveness.holder.get() == null), "slot given back");
                        } catch (InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                        try {
                            assertTrue(eventually(() -> liveness.hangUps.get() == liveness.connects.get()),
                                    "every connection announced is reported ended, once");
                        } catch (InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                        // Connections never overlap here (the slot is back before the next), so every HELLO was a WELCOME.
                        assertEquals(liveness.hellos.size(), liveness.quits.get() + liveness.losts.get(),
                                "every WELCOME ends in one QUIT or one loss");
                    });
            try (RawClient c = RawClient.connect(server.socket())) {
                assertEquals("WELCOME\n", c.exchange("HELLO 1\n"), "still serving");
            }
        }
    }

    @Test
    void controlSurvivesAnything() throws Exception {
        try (RecordingCommands commands = new RecordingCommands();
             ControlServer server = new ControlServer(dir.resolve("control.sock"), commands, new RecordingLog(),
                     new SocketLimits(64, Duration.ofMillis(200))).start()) {
            qt().withExamples(80).withShrinkCycles(10)
                    .forAll(lists().of(integers().between(0, 10)).ofSizeBetween(0, 6), integers().all())
                    .checkAssert((tokens, seed) -> {
                        byte[] input = bytes(tokens, seed, "STATUS\n", "REGISTER 5 7\n", "UNREGISTER 1\n",
                                "PANIC HARD\n", "PANIC\n", "REGISTER\n", "SIGNALS\n", " \n", "REGISTER 5 x\n");
                        int callsBefore = commands.calls.size();
                        String received;
                        try (RawClient c = RawClient.connect(server.socket())) {
                            try {
                                c.send(input);
                            } catch (IOException closedOnUs) {
                                // Closed after the first reply, with our later lines unread: fine.
                            }
                            received = c.readToEof();
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                        List<String> lines = completeLines(received);
                        assertEquals(1, lines.size(), "one reply per connection: " + received);
                        assertTrue(CONTROL_REPLIES.contains(lines.get(0)), "unexpected reply " + lines.get(0));
                        assertTrue(commands.calls.size() - callsBefore <= 1, "at most one command ran");
                    });
            try (RawClient c = RawClient.connect(server.socket())) {
                assertEquals("OK\n", c.exchange("PANIC\n"), "the server still answers after the fuzz");
            }
        }
    }
}
