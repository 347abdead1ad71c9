package dev.dazai.app.hostile;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

/** What the fuzz tests share about junk: making it, reading replies to it, and showing it in a failure. */
final class Junk {

    private Junk() {
    }

    /** What a line server makes of one line: bytes as ISO-8859-1, one trailing CR dropped. */
    static String asLine(byte[] line) {
        String s = new String(line, StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    /** As the daemon's Numbers.pid: digits, no sign, no leading zero, 1 to 2^31-1. */
    static boolean validPid(String s) {
        if (s.isEmpty() || s.length() > 10 || s.charAt(0) == '0' || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return false;
        }
        long v = Long.parseLong(s);
        return v >= 1 && v <= Integer.MAX_VALUE;
    }

    static int indexOf(byte[] b, byte x) {
        for (int i = 0; i < b.length; i++) {
            if (b[i] == x) {
                return i;
            }
        }
        return -1;
    }

    static byte[] randomBytes(Random random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    /** The lines that ended with a newline; a partial last one is left out. */
    static List<String> completeLines(String received) {
        int last = received.lastIndexOf('\n');
        return last < 0 ? List.of() : List.of(received.substring(0, last).split("\n", -1));
    }

    static String printable(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(b.length, 200); i++) {
            int c = b[i] & 0xff;
            sb.append(c >= 0x20 && c < 0x7f ? String.valueOf((char) c) : String.format("\\x%02x", c));
        }
        return sb.append(b.length > 200 ? "…(" + b.length + " bytes)" : "").toString();
    }

    static String tail(String log) {
        return log.length() <= 4000 ? log : "…" + log.substring(log.length() - 4000);
    }
}
