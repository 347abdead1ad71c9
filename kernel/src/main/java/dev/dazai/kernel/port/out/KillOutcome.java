package dev.dazai.kernel.port.out;

/** What happened to one holder when the sequence reached it. */
public record KillOutcome(long pid, Kind kind) {

    public enum Kind {
        /** The registered incarnation was sent SIGKILL. */
        KILLED,
        /** It had already exited; nothing was sent (its PID may belong to someone else now). */
        GONE,
        /** Dry-run: it would have been sent SIGKILL. */
        WOULD_KILL,
        /** The kill was refused (EPERM): the process may still run, and the journal says so. */
        FAILED
    }
}
