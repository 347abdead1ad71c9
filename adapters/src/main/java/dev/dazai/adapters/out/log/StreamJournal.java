package dev.dazai.adapters.out.log;

import dev.dazai.kernel.port.out.Journal;
import dev.dazai.kernel.port.out.JournalEntry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Objects;

/**
 * The journal as lines on a stream (stderr, usually), text or JSON.
 *
 * <p>Every entry is written and flushed at once, in one {@code write}: the daemon logs a few
 * dozen lines in a life, and an entry still in a Java buffer would be lost to the SIGKILL that
 * ends an armed fire. Under systemd the wall time is left out because journald stamps each line.
 */
public final class StreamJournal implements Journal {

    /** Line format. */
    public enum Format {
        TEXT,
        JSON
    }

    /**
     * Wall time to the second; the milliseconds are appended by hand. java.time's formatter took
     * 40–300 µs a line in a cold daemon, five lines of which stand between a lost heartbeat and
     * the wipe (bench/), so it runs once per second instead of once per line.
     */
    private static final DateTimeFormatter WALL_SECOND =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss").withZone(ZoneOffset.UTC);

    private record Second(long epochSecond, String text) {
    }

    private volatile Second second = new Second(Long.MIN_VALUE, "");

    private final OutputStream out;
    private final Format format;
    private final boolean underSystemd;
    private final long startNanos;

    public StreamJournal(OutputStream out, Format format, boolean underSystemd) {
        this.out = Objects.requireNonNull(out, "out");
        this.format = Objects.requireNonNull(format, "format");
        this.underSystemd = underSystemd;
        this.startNanos = System.nanoTime();
    }

    /** True if this process was started by systemd with its journal on stderr ({@code JOURNAL_STREAM} set). */
    public static boolean detectSystemd() {
        return System.getenv("JOURNAL_STREAM") != null;
    }

    @Override
    public void record(JournalEntry entry) {
        long monoMillis = (System.nanoTime() - startNanos) / 1_000_000;
        String line = format == Format.TEXT
                ? text(Instant.now(), monoMillis, entry)
                : json(Instant.now(), monoMillis, entry);
        byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
        synchronized (this) {
            try {
                out.write(bytes);
                out.flush();
            } catch (IOException e) {
                // A journal that throws would abort the kill sequence it is describing.
                return;
            }
        }
    }

    @Override
    public synchronized void flush() {
        try {
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String text(Instant wall, long monoMillis, JournalEntry entry) {
        StringBuilder sb = new StringBuilder(64);
        if (!underSystemd) {
            wall(sb, wall).append(' ');
        }
        sb.append('+').append(monoMillis).append("ms ");
        sb.append(entry.kind() == JournalEntry.Kind.WOULD_SIGKILL ? "WOULD SIGKILL" : entry.kind().name());
        if (!entry.detail().isEmpty()) {
            sb.append(' ').append(entry.detail());
        }
        return sb.toString();
    }

    String json(Instant wall, long monoMillis, JournalEntry entry) {
        StringBuilder sb = new StringBuilder(96).append('{');
        if (!underSystemd) {
            wall(sb.append("\"time\":\""), wall).append("\",");
        }
        sb.append("\"mono_ms\":").append(monoMillis);
        sb.append(",\"level\":\"").append(entry.kind().level().name().toLowerCase(java.util.Locale.ROOT)).append('"');
        sb.append(",\"event\":\"").append(entry.kind().name()).append('"');
        sb.append(",\"detail\":");
        quote(sb, entry.detail());
        // The facts a script wants without parsing prose; a field never shadows the fixed keys.
        for (java.util.Map.Entry<String, Object> f : entry.fields().entrySet()) {
            String key = f.getKey();
            if (key.equals("time") || key.equals("mono_ms") || key.equals("level") || key.equals("event") || key.equals("detail")) {
                continue;
            }
            sb.append(',');
            quote(sb, key);
            sb.append(':');
            Object v = f.getValue();
            if (v instanceof Number || v instanceof Boolean) {
                sb.append(v);
            } else {
                quote(sb, String.valueOf(v));
            }
        }
        return sb.append('}').toString();
    }

    /** Appends {@code yyyy-MM-ddTHH:mm:ss.SSSZ} in UTC. */
    private StringBuilder wall(StringBuilder sb, Instant t) {
        Second s = second;
        if (s.epochSecond() != t.getEpochSecond()) {
            s = new Second(t.getEpochSecond(), WALL_SECOND.format(t));
            second = s;
        }
        int millis = t.getNano() / 1_000_000;
        sb.append(s.text()).append('.');
        if (millis < 100) {
            sb.append('0');
        }
        if (millis < 10) {
            sb.append('0');
        }
        return sb.append(millis).append('Z');
    }

    /** JSON string escaping (RFC 8259): quote, backslash and control characters. */
    static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (ch < 0x20) {
                        sb.append(String.format("\\u%04x", (int) ch));
                    } else {
                        sb.append(ch);
                    }
                }
            }
        }
        sb.append('"');
    }
}
