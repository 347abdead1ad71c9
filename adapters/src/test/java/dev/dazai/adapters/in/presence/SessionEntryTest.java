package dev.dazai.adapters.in.presence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The entry's one line, and the terminal names the daemon and the shells derive alike. */
class SessionEntryTest {

    private static SessionEntry parse(String name, String text) throws SessionEntry.Malformed {
        return SessionEntry.parse(name, text.getBytes(StandardCharsets.US_ASCII));
    }

    private static String malformed(String name, String text) {
        return assertThrows(SessionEntry.Malformed.class, () -> parse(name, text)).getMessage();
    }

    @Test
    void aShellsLineAndATmuxClientsLine() throws Exception {
        assertEquals(new SessionEntry(4242, 987654, "pts/3", "bash"), parse("4242", "4242 987654 pts/3 bash\n"));
        assertEquals(new SessionEntry(77, 1, "", "tmux client"), parse("77", "77 1 - tmux client\n"));
    }

    @Test
    void everythingElseIsMalformed() {
        assertTrue(malformed("42", "42 1 - bash").contains("not one line"), "no newline");
        assertTrue(malformed("42", "42 1 - bash\n42 1 - bash\n").contains("not one line"), "two lines");
        assertTrue(malformed("42", "42 1 bash\n").contains("not one line"), "a field missing");
        assertTrue(malformed("42", "042 1 - bash\n").contains("not one line"), "a leading zero");
        assertTrue(malformed("42", "42 -1 - bash\n").contains("not one line"));
        assertTrue(malformed("42", "42 1 - $(reboot)\n").contains("not one line"));
        assertTrue(malformed("42", "42 1 - a b c d e\n").contains("not one line"), "five words");
        assertTrue(malformed("42", "42 1 - " + "k".repeat(33) + "\n").contains("not one line"), "a long kind");
        assertTrue(malformed("42", "42 99999999999999999999 - bash\n").contains("not one line"));
        assertTrue(malformed("43", "42 1 - bash\n").contains("named \"43\" but the line says pid 42"));
        assertTrue(malformed("42", "42 1 - bash\n" + " ".repeat(128)).contains("more than 128 bytes"));
    }

    @Test
    void terminalNamesFromTtyNr() {
        assertEquals("", ProcessFacts.ttyName(0));
        assertEquals("pts/0", ProcessFacts.ttyName(136 << 8));
        assertEquals("pts/5", ProcessFacts.ttyName((136 << 8) | 5));
        // Minor numbers above 255 keep their high bits at 20-31; pts/300 is major 137, minor 44.
        assertEquals("pts/300", ProcessFacts.ttyName((137 << 8) | 44));
        assertEquals("pts/1000", ProcessFacts.ttyName((136 << 8) | (1000 & 0xff) | ((1000 & ~0xff) << 12)));
        assertEquals("tty2", ProcessFacts.ttyName((4 << 8) | 2));
        assertEquals("ttyS0", ProcessFacts.ttyName((4 << 8) | 64));
        assertEquals("", ProcessFacts.ttyName((5 << 8) | 1), "/dev/console and others are not named");
    }

    @Test
    void theRealUidIsTheFirstOfFour() {
        assertEquals(1000, ProcessFacts.realUid("Name:\tbash\nUid:\t1000\t0\t0\t0\nGid:\t1000\t1000\t1000\t1000\n"));
        assertEquals(-1, ProcessFacts.realUid("Name:\tbash\n"));
    }
}
