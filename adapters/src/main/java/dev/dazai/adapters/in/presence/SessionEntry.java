package dev.dazai.adapters.in.presence;

import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One file in the sessions directory, as a shell writes it: named after the PID, holding one line
 *
 * <pre>PID STARTTIME TTY KIND\n</pre>
 *
 * <p>STARTTIME is field 22 of {@code /proc/PID/stat} (with the PID, the process incarnation), TTY
 * a name such as {@code pts/3} or {@code -} for none, KIND one to four words for people
 * ({@code bash}, {@code zsh}, {@code tmux client}). At most {@value #MAX_BYTES} bytes. The form is
 * all this class checks; whether the process is real, ours and still that incarnation is the
 * watcher's business.
 *
 * @param pid       the PID the line names (equal to the file's name)
 * @param startTime the start time the line claims
 * @param tty       the terminal the line claims, "" for none
 * @param kind      what registered it
 */
record SessionEntry(long pid, long startTime, String tty, String kind) {

    static final int MAX_BYTES = 128;

    private static final String WORD = "[A-Za-z0-9._+-]+";
    private static final Pattern LINE = Pattern.compile(
            "([1-9][0-9]{0,9}) ([0-9]{1,19}) (-|[A-Za-z0-9/._-]{1,32}) (" + WORD + "(?: " + WORD + "){0,3})\n");
    private static final int MAX_KIND = 32;

    /** What was wrong with an entry's name or text: one phrase for the journal. */
    static final class Malformed extends Exception {
        private static final long serialVersionUID = 1L;

        Malformed(String why) {
            super(why, null, false, false);
        }
    }

    /** Parses the text of the file called {@code name}. */
    static SessionEntry parse(String name, byte[] text) throws Malformed {
        if (text.length > MAX_BYTES) {
            throw new Malformed("more than " + MAX_BYTES + " bytes");
        }
        String line = new String(text, StandardCharsets.US_ASCII);
        Matcher m = LINE.matcher(line);
        if (!m.matches() || m.group(4).length() > MAX_KIND) {
            throw new Malformed("not one line \"PID STARTTIME TTY KIND\": " + printable(line));
        }
        if (!m.group(1).equals(name)) {
            throw new Malformed("named " + printable(name) + " but the line says pid " + m.group(1));
        }
        long startTime;
        try {
            startTime = Long.parseLong(m.group(2));
        } catch (NumberFormatException e) {
            throw new Malformed("start time out of range: " + m.group(2));
        }
        String tty = m.group(3).equals("-") ? "" : m.group(3);
        return new SessionEntry(Long.parseLong(m.group(1)), startTime, tty, m.group(4));
    }

    /** A name that could be a PID: digits without a leading zero. */
    static boolean isPidName(String name) {
        return name.matches("[1-9][0-9]{0,9}");
    }

    /** The text as the journal may show it: printable ASCII, at most 60 characters. */
    static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && sb.length() < 60; i++) {
            char c = s.charAt(i);
            if (c == '\n') {
                sb.append("\\n");
            } else if (c < 0x20 || c > 0x7e) {
                sb.append('?');
            } else {
                sb.append(c);
            }
        }
        return "\"" + sb + (s.length() > 60 ? "..." : "") + "\"";
    }
}
