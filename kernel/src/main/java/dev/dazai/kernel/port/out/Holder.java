package dev.dazai.kernel.port.out;

/**
 * A registered process incarnation: its PID, its start time in clock ticks since boot (0 if
 * unknown), and how far the sequence's kill reaches: the process alone, or the process and
 * every process it started (a consumer: whatever received a secret dies with it).
 */
public record Holder(long pid, long startTime, Reach reach) {

    public Holder(long pid, long startTime) {
        this(pid, startTime, Reach.PROCESS);
    }

    /** How far a holder's kill reaches. */
    public enum Reach {
        /** Only this process: a holder registered by PID that got its copy elsewhere. */
        PROCESS,
        /** This process and all its descendants, contained so none can slip away (cgroup or subreaper). */
        TREE
    }
}
