package dev.dazai.kernel.port.in;

/** Start-up, in the only order the spec allows: handlers, then secret, then readiness. */
public interface Boot {

    /** Signal handlers are live: Starting → Loading. */
    void handlersLive();

    /**
     * Loads the secret: Loading → Waiting. Returns false if a panic or stop that arrived during
     * start-up took over (the load is aborted and whatever was loaded is wiped).
     */
    boolean loadSecret();
}
