package dev.dazai.kernel.port.in;

/** The panics and stops that come from outside the heartbeat: signals and the control socket. */
public interface Triggers {

    /** SIGHUP, SIGUSR1, other terminating signals, {@code dazai panic}: open the grace window. */
    void gracefulSignal(String source);

    /** SIGUSR2, {@code dazai panic --hard}: fire now, even inside a grace window. */
    void hardPanic(String source);

    /** SIGTERM, SIGINT, QUIT: wipe, unlink, exit 0; holders are left alone. */
    void shutdown(String source);
}
