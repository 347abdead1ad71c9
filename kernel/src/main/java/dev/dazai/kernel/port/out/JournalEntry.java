package dev.dazai.kernel.port.out;

/** One log event: what happened and a short human detail (may be empty, never null). */
public record JournalEntry(Kind kind, String detail) {

    public JournalEntry {
        if (detail == null) {
            detail = "";
        }
    }

    public static JournalEntry of(Kind kind, String detail) {
        return new JournalEntry(kind, detail);
    }

    /** Every kind of entry the kernel writes, in roughly the order a life produces them. */
    public enum Kind {
        STATE,
        LOADED,
        REGISTERED,
        UNREGISTERED,
        ATTACHED,
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
        ERROR
    }
}
