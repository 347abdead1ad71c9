package dev.dazai.bench.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** The harness reads the daemon's journal to time it; a misread line would be a wrong figure, not an error. */
class JournalLineTest {

    @Test
    void readsTheTextJournalWithAndWithoutWallTime() {
        JournalLine wiped = JournalLine.parse("2026-11-23T22:41:36.929Z +1297ms WIPED 4096 bytes").orElseThrow();
        assertEquals(1297, wiped.monoMillis());
        assertEquals("WIPED", wiped.kind());
        assertEquals("4096 bytes", wiped.detail());

        JournalLine underSystemd = JournalLine.parse("+12ms LOST heartbeat pid 7").orElseThrow();
        assertEquals(12, underSystemd.monoMillis());
        assertTrue(underSystemd.is("LOST"));
    }

    @Test
    void wouldSigkillIsOneKindAndReadyIsRecognised() {
        JournalLine would = JournalLine.parse("2026-11-23T22:41:36.930Z +1298ms WOULD SIGKILL self").orElseThrow();
        assertEquals("WOULD_SIGKILL", would.kind());
        assertEquals("self", would.detail());
        assertTrue(JournalLine.parse("2026-11-23T22:41:36.814Z +1181ms STATE Ready pid 30196 mode DryRun, listening on"
                + " /tmp/s/heartbeat.sock").orElseThrow().isReady());
        assertTrue(!JournalLine.parse("+5ms STATE Waiting -> Attached on Attach").orElseThrow().isReady());
    }

    @Test
    void ignoresLinesThatAreNotJournalLines() {
        assertTrue(JournalLine.parse("OpenJDK 64-Bit Server VM warning: Options -Xverify:none are deprecated").isEmpty());
        assertTrue(JournalLine.parse("[0.012s][warning][cds] Pre JDK 6 class not supported by CDS: 49.0 a/B").isEmpty());
        assertTrue(JournalLine.parse("dazai: a daemon is already listening on /tmp/s/heartbeat.sock").isEmpty());
        assertTrue(JournalLine.parse("+x1ms WIPED").isEmpty());
    }

    @Test
    void lineLogStampsInOrderAndFindsFromAnIndex() throws Exception {
        String text = "+1ms LOADED 4096 bytes\n+2ms WIPED 4096 bytes\n+3ms WIPED again\n";
        LineLog log = new LineLog(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), "test");
        LineLog.Stamped first = log.awaitKind("WIPED", 0, 10_000);
        LineLog.Stamped second = log.awaitKind("WIPED", 2, 10_000);
        assertEquals("+2ms WIPED 4096 bytes", first.text());
        assertEquals("+3ms WIPED again", second.text());
        assertTrue(second.nanos() >= first.nanos());
        log.awaitEnd(10_000);
        try {
            log.awaitKind("DIE", 0, 10_000);
            throw new AssertionError("found a line that is not there");
        } catch (TimeoutException expected) {
            assertTrue(expected.getMessage().contains("stream ended"));
        }
    }
}
