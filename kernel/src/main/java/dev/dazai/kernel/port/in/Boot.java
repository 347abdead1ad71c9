package dev.dazai.kernel.port.in;

/**
 * Start-up, in the only order the spec allows: handlers, secret, ready. Called by the app's main
 * thread; every decision is taken on the kernel's own threads.
 */
public interface Boot {

    /** DaemonInstallsHandlers: every signal has its handler; Starting → Loading. */
    void daemonInstallsHandlers();

    /**
     * DaemonLoadsSecret: reads the secret into locked memory on the caller's thread; Loading →
     * Waiting. False if a panic or stop that arrived during start-up took over (the load is
     * aborted and whatever was read is wiped by the sequence).
     */
    boolean daemonLoadsSecret();

    /** DaemonBecomesReady: sockets and pidfile are up; from now on start-up can no longer abort. */
    void daemonBecomesReady();

    /**
     * DaemonAbortsStart: start-up failed after the handlers were live. Goes through the gate like
     * every other ending: a clean stop with {@code exitCode} (wipe, unlink, the line on stderr,
     * exit), a fire if a panic window is pending, and nothing at all if the sequence has already
     * begun (it ends the process). Returns at once; the process ends on the kernel's thread.
     */
    void daemonAbortsStart(int exitCode, String line);
}
