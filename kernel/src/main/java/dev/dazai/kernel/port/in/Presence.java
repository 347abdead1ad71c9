package dev.dazai.kernel.port.in;

/**
 * The user's presence besides the heartbeat slot: sessions (interactive shells, SSH logins, tmux
 * clients) that the daemon watches itself. An adapter admits a session only once it has checked it
 * (same uid, a live process pinned by pidfd and start time) and reports its end exactly once (its
 * pidfd turned readable, or its entry was withdrawn). Each call only posts to the kernel.
 *
 * <p>Leaving a session that is not the last presence changes nothing but the journal; the last one
 * out is a loss of liveness (a grace window, or a fire with --grace 0), and a session that starts
 * inside a window a loss opened cancels it, as a heartbeat's reconnect does.
 */
public interface Presence {

    /** SessionStarts (or SessionReturns inside a loss's window). */
    void sessionStarts(Session session);

    /** SessionEnds (or LastSessionEnds when no other presence is left). */
    void sessionEnds(Session session);

    /**
     * One session, identified by its process incarnation.
     *
     * @param pid       the session's process (a shell, a login, a tmux client)
     * @param startTime field 22 of /proc/PID/stat: with the pid, the incarnation
     * @param tty       its controlling terminal, for people ("pts/3"), or "" if none
     * @param kind      what registered it, for people ("bash", "zsh", "tmux client", "ssh login")
     * @param sinceMillis when it started, in wall-clock milliseconds since the epoch
     */
    record Session(long pid, long startTime, String tty, String kind, long sinceMillis) {

        public Session {
            tty = tty == null ? "" : tty;
            kind = kind == null ? "" : kind;
        }

        /** Two reports of one session: the same incarnation, whatever else they say. */
        public boolean sameAs(Session other) {
            return pid == other.pid && startTime == other.startTime;
        }
    }
}
