package dev.dazai.kernel.port.out;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One log event: what happened, a short human detail (may be empty, never null), and the facts
 * a script wants without parsing prose (pid, bytes, signal, …), in the order they were added.
 */
public record JournalEntry(Kind kind, String detail, Map<String, Object> fields) {

    public JournalEntry {
        detail = detail == null ? "" : detail;
        fields = fields == null ? Map.of() : fields;
    }

    public static JournalEntry of(Kind kind, String detail) {
        return new JournalEntry(kind, detail, Map.of());
    }

    /** The same entry with one more structured field (a number, a string or a boolean). */
    public JournalEntry with(String key, Object value) {
        Map<String, Object> more = new LinkedHashMap<>(fields);
        more.put(key, value);
        return new JournalEntry(kind, detail, more);
    }

    /** How much a reader should care. */
    public enum Level {
        INFO,
        WARNING,
        ERROR
    }

    /** Every kind of entry the kernel writes, in roughly the order a life produces them. */
    public enum Kind {
        STATE,
        LOADED,
        REGISTERED,
        UNREGISTERED,
        ATTACHED,
        SESSION_START,
        SESSION_END,
        BUSY,
        PING,
        LOST,
        TRIGGER,
        GRACE_START,
        GRACE_IGNORED,
        CANCELLED,
        RECONNECTED,
        FIRE,
        WOULD_SIGKILL,
        KILLED,
        GONE,
        KILL_FAILED,
        WIPED,
        UNLINKED,
        DIE,
        EXIT,
        DENIED,
        WARNING,
        ERROR;

        public Level level() {
            return switch (this) {
                case ERROR, DENIED, KILL_FAILED -> Level.ERROR;
                case WARNING, LOST, TRIGGER, GRACE_START, FIRE -> Level.WARNING;
                default -> Level.INFO;
            };
        }
    }
}
