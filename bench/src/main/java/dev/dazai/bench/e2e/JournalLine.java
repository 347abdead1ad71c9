package dev.dazai.bench.e2e;

import java.util.Optional;

/**
 * One line of the daemon's text journal, as {@code StreamJournal} writes it:
 * {@code [2026-11-23T22:41:36.929Z ]+1297ms WIPED 4096 bytes}. The wall time is absent under
 * systemd; {@code WOULD SIGKILL} is the one kind written with a space.
 */
public record JournalLine(long monoMillis, String kind, String detail) {

    /** The line parsed, or empty for anything that is not a journal line (a JVM warning, say). */
    public static Optional<JournalLine> parse(String line) {
        String rest = line.strip();
        int plus = rest.indexOf('+');
        if (plus < 0) {
            return Optional.empty();
        }
        if (plus > 0 && !rest.substring(0, plus).strip().endsWith("Z")) {
            return Optional.empty();
        }
        int ms = rest.indexOf("ms ", plus);
        if (ms < 0) {
            return Optional.empty();
        }
        long mono;
        try {
            mono = Long.parseLong(rest.substring(plus + 1, ms));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        String tail = rest.substring(ms + 3);
        String kind;
        String detail;
        if (tail.startsWith("WOULD SIGKILL")) {
            kind = "WOULD_SIGKILL";
            detail = tail.substring("WOULD SIGKILL".length()).strip();
        } else {
            int sp = tail.indexOf(' ');
            kind = sp < 0 ? tail : tail.substring(0, sp);
            detail = sp < 0 ? "" : tail.substring(sp + 1);
        }
        if (kind.isEmpty() || !kind.chars().allMatch(c -> c == '_' || (c >= 'A' && c <= 'Z'))) {
            return Optional.empty();
        }
        return Optional.of(new JournalLine(mono, kind, detail));
    }

    public boolean is(String k) {
        return kind.equals(k);
    }

    /** The line the daemon writes right after the pidfile: from then on it is ready. */
    public boolean isReady() {
        return kind.equals("STATE") && detail.startsWith("Ready pid ");
    }
}
