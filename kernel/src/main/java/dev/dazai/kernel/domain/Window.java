package dev.dazai.kernel.domain;

/**
 * Why a grace window is pending: the spec's {@code window}. Only a window opened by a loss of
 * liveness may be cancelled by liveness coming back (a reconnect); one the owner asked for (a
 * panic) is cancelled only by a deliberate CANCEL from the heartbeat that holds the slot.
 */
public enum Window {
    /** No window is pending. */
    None,
    /** The heartbeat was lost or went silent past its ping deadline. */
    Loss,
    /** The owner asked for it: a signal or PANIC; a panic inside a loss window makes it this. */
    Panic
}
