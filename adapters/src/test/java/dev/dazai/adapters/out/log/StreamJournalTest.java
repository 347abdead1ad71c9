package dev.dazai.adapters.out.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.strings;

import dev.dazai.kernel.port.out.JournalEntry;
import dev.dazai.kernel.port.out.JournalEntry.Kind;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class StreamJournalTest {

    private static final Instant T = Instant.parse("2026-11-23T21:00:00Z");

    @Test
    void textCarriesWallTimeMonotonicMillisKindAndDetail() {
        StreamJournal j = new StreamJournal(new ByteArrayOutputStream(), StreamJournal.Format.TEXT, false);
        assertEquals("2026-11-23T21:00:00.000Z +1234ms WIPED 4096 bytes", j.text(T, 1234, JournalEntry.of(Kind.WIPED, "4096 bytes")));
        assertEquals("2026-11-23T21:00:00.000Z +5ms WOULD SIGKILL 1234", j.text(T, 5, JournalEntry.of(Kind.WOULD_SIGKILL, "1234")));
        assertEquals("2026-11-23T21:00:00.000Z +5ms FIRE", j.text(T, 5, JournalEntry.of(Kind.FIRE, "")));
    }

    @Test
    void wallTimeKeepsThreeDigitsOfMillisAcrossSecondsAndBack() {
        StreamJournal j = new StreamJournal(new ByteArrayOutputStream(), StreamJournal.Format.TEXT, false);
        JournalEntry e = JournalEntry.of(Kind.FIRE, "");
        assertEquals("2026-11-23T21:00:00.007Z +1ms FIRE", j.text(T.plusMillis(7), 1, e));
        assertEquals("2026-11-23T21:00:00.042Z +1ms FIRE", j.text(T.plusMillis(42), 1, e));
        assertEquals("2026-11-23T21:00:01.999Z +1ms FIRE", j.text(T.plusMillis(1999), 1, e));
        assertEquals("2026-11-23T21:00:00.100Z +1ms FIRE", j.text(T.plusMillis(100), 1, e));
        assertEquals("2026-11-23T20:59:59.999Z +1ms FIRE", j.text(T.minusMillis(1), 1, e));
    }

    @Test
    void underSystemdTheWallTimeIsLeftToJournald() {
        StreamJournal text = new StreamJournal(new ByteArrayOutputStream(), StreamJournal.Format.TEXT, true);
        assertEquals("+7ms DIE SIGKILL self", text.text(T, 7, JournalEntry.of(Kind.DIE, "SIGKILL self")));
        StreamJournal json = new StreamJournal(new ByteArrayOutputStream(), StreamJournal.Format.JSON, true);
        assertEquals("{\"mono_ms\":7,\"level\":\"info\",\"event\":\"DIE\",\"detail\":\"SIGKILL self\"}", json.json(T, 7, JournalEntry.of(Kind.DIE, "SIGKILL self")));
    }

    @Test
    void jsonIsOneObjectPerLine() {
        StreamJournal j = new StreamJournal(new ByteArrayOutputStream(), StreamJournal.Format.JSON, false);
        assertEquals("{\"time\":\"2026-11-23T21:00:00.000Z\",\"mono_ms\":12,\"level\":\"info\",\"event\":\"WOULD_SIGKILL\",\"detail\":\"say \\\"hi\\\"\\n\\\\\"}",
                j.json(T, 12, JournalEntry.of(Kind.WOULD_SIGKILL, "say \"hi\"\n\\")));
    }

    @Test
    void jsonCarriesTheLevelAndTheEntrysFieldsForScripts() {
        StreamJournal j = new StreamJournal(new ByteArrayOutputStream(), StreamJournal.Format.JSON, true);
        JournalEntry killed = JournalEntry.of(Kind.KILLED, "4242").with("pid", 4242L).with("event", "shadow");
        assertEquals("{\"mono_ms\":3,\"level\":\"info\",\"event\":\"KILLED\",\"detail\":\"4242\",\"pid\":4242}",
                j.json(T, 3, killed));
        JournalEntry trigger = JournalEntry.of(Kind.TRIGGER, "OwnerPanicsHard SIGUSR2")
                .with("action", "OwnerPanicsHard").with("source", "SIGUSR2");
        assertEquals("{\"mono_ms\":3,\"level\":\"warning\",\"event\":\"TRIGGER\",\"detail\":\"OwnerPanicsHard SIGUSR2\","
                + "\"action\":\"OwnerPanicsHard\",\"source\":\"SIGUSR2\"}", j.json(T, 3, trigger));
        assertEquals("{\"mono_ms\":3,\"level\":\"error\",\"event\":\"ERROR\",\"detail\":\"x\"}",
                j.json(T, 3, JournalEntry.of(Kind.ERROR, "x")));
    }

    @Test
    void anyDetailStaysOnOneLineAndRoundTripsThroughTheEscaping() {
        qt().forAll(strings().allPossible().ofLengthBetween(0, 40)).checkAssert(detail -> {
            StringBuilder sb = new StringBuilder();
            StreamJournal.quote(sb, detail);
            String quoted = sb.toString();
            assertTrue(quoted.chars().noneMatch(ch -> ch < 0x20), "no raw control characters: " + quoted);
            assertEquals(detail, unquote(quoted));
        });
    }

    /** A strict JSON string reader, enough to invert {@link StreamJournal#quote}. */
    private static String unquote(String q) {
        assertTrue(q.startsWith("\"") && q.endsWith("\"") && q.length() >= 2);
        StringBuilder out = new StringBuilder();
        for (int i = 1; i < q.length() - 1; i++) {
            char c = q.charAt(i);
            if (c == '"') {
                throw new AssertionError("unescaped quote in " + q);
            }
            if (c != '\\') {
                out.append(c);
                continue;
            }
            char e = q.charAt(++i);
            switch (e) {
                case '"', '\\', '/' -> out.append(e);
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'u' -> {
                    out.append((char) Integer.parseInt(q.substring(i + 1, i + 5), 16));
                    i += 4;
                }
                default -> throw new AssertionError("bad escape in " + q);
            }
        }
        return out.toString();
    }

    @Test
    void concurrentRecordsNeverInterleaveWithinALine() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StreamJournal j = new StreamJournal(out, StreamJournal.Format.TEXT, false);
        int threads = 4;
        int each = 200;
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread th = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < each; i++) {
                    j.record(JournalEntry.of(Kind.PING, "thread-" + id + "-" + i + "-" + "x".repeat(50)));
                }
            });
            th.start();
            ts.add(th);
        }
        go.countDown();
        for (Thread th : ts) {
            th.join();
        }
        j.flush();
        String[] lines = out.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals(threads * each, lines.length);
        for (String line : lines) {
            assertTrue(line.matches("\\S+Z \\+\\d+ms PING thread-\\d-\\d+-x{50}"), line);
        }
    }
}
