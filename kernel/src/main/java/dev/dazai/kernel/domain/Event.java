package dev.dazai.kernel.domain;

/**
 * The steps the state machine takes, each named exactly as the spec action it mirrors
 * (spec/DeadMan.tla). Actions that move no state (registrations, PING, a connection that hangs up
 * without holding the slot, a BUSY answer) are the kernel's alone and are not events.
 */
public enum Event {
    DaemonInstallsHandlers,
    DaemonLoadsSecret,
    DaemonAbortsStart,
    EarlySignalArrives,
    OwnerStops,
    OwnerPanics,
    OwnerPanicsHard,
    HeartbeatAttaches,
    HeartbeatReconnects,
    HeartbeatCancels,
    HeartbeatQuits,
    OwnerLosesHeartbeat,
    HeartbeatLeaves,
    SessionStarts,
    SessionReturns,
    SessionEnds,
    LastSessionEnds,
    PingDeadlinePasses,
    TimerExpires,
    DaemonFinishesKilling,
    DaemonWipesSecret,
    DaemonUnlinksFiles
}
