package dev.dazai.kernel.port.in;

import java.util.Optional;

/**
 * The liveness slot. Only the connection holding a {@link Heartbeat} can ping, cancel or quit:
 * a second connection gets nothing, so it can neither displace the holder nor cancel a panic.
 */
public interface Liveness {

    /** HELLO: claims the free slot (WELCOME), cancelling a pending window after a loss; empty means BUSY. */
    Optional<Heartbeat> hello(long peerPid);

    /** The slot, as held by one connection. */
    interface Heartbeat {

        /** PING: refreshes the ping deadline. False once the switch has fired or stopped. */
        boolean ping();

        /** CANCEL: aborts a pending grace window. */
        CancelOutcome cancel();

        /** QUIT: intentional stand-down, a clean shutdown. */
        void quit();

        /** The connection ended without QUIT: heartbeat lost. Idempotent. */
        void lost();
    }

    /** What a CANCEL achieved. */
    enum CancelOutcome {
        CANCELLED,
        NOTHING_PENDING,
        TOO_LATE
    }
}
