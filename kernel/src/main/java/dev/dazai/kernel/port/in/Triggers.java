package dev.dazai.kernel.port.in;

/**
 * The panics and stops that come from outside the heartbeat: signals and the control socket.
 * Each call only posts to the kernel and returns at once; it is safe on a signal-dispatch thread.
 */
public interface Triggers {

    /** OwnerPanics (EarlySignalArrives in Starting/Loading): SIGHUP, SIGUSR1, PANIC. */
    void ownerPanics(String source);

    /** OwnerPanicsHard: SIGUSR2, PANIC HARD; fires now, even inside a grace window. */
    void ownerPanicsHard(String source);

    /** OwnerStops: SIGTERM, SIGINT; wipe, unlink, exit 0; inside a window it fires instead. */
    void ownerStops(String source);
}
