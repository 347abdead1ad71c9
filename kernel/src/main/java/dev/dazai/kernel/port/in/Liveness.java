package dev.dazai.kernel.port.in;

/**
 * The liveness slot, as heartbeat connections reach it. Every call only posts to the kernel and
 * returns at once; the kernel answers on its own thread through the connection's
 * {@link HeartbeatLine}, so the answer a client reads is always the decision that was taken.
 * Only a connection that was answered {@link HeartbeatLine#welcome} holds a {@link Heartbeat}: a
 * second connection has nothing to ping, cancel or quit with.
 */
public interface Liveness {

    /** ClientConnects: a new connection; BUSY and closed at once while the slot is held, else admitted. */
    void clientConnects(HeartbeatLine line);

    /**
     * ClientSaysHello: the kernel answers {@code welcome} (HeartbeatAttaches, HeartbeatReconnects)
     * or BUSY (SecondClientConnects). {@code claimedPid} is only journalled beside the peer's real PID.
     */
    void clientSaysHello(HeartbeatLine line, long claimedPid);

    /** The connection ended without QUIT (EOF, error): OwnerLosesHeartbeat if it held the slot. */
    void clientHangsUp(HeartbeatLine line);

    /** The slot, as the connection that holds it may use it. */
    interface Heartbeat {

        /** HeartbeatPings: answered PONG, or TOO_LATE once the switch has fired or stopped. */
        void pings();

        /** HeartbeatCancels: CANCELLED, NOTHING_PENDING or TOO_LATE. */
        void cancels();

        /** HeartbeatQuits: BYE and a clean stop (OwnerStops); inside a window PANIC_PENDING and a fire. */
        void quits();
    }

    /** The adapter's side of one connection: where the kernel's answers go. Called on the kernel's threads. */
    interface HeartbeatLine {

        /** The peer's real PID (SO_PEERCRED), for the journal; 0 if the platform does not say. */
        long peerPid();

        /** The slot was free when this connection arrived: it may speak (nothing is sent). */
        void admitted();

        /** HELLO was granted: WELCOME; {@code heartbeat} is what this connection may use from now on. */
        void welcome(Heartbeat heartbeat);

        /** One answer; the connection stays open. */
        void answer(Answer answer);

        /** One last answer, then the connection is closed; {@code delivered} runs once it was written or failed. */
        void answerAndClose(Answer answer, Runnable delivered);
    }

    /** What the kernel answers, besides WELCOME. The adapter owns the wire spelling. */
    enum Answer {
        BUSY,
        PONG,
        CANCELLED,
        NOTHING_PENDING,
        TOO_LATE,
        BYE,
        PANIC_PENDING
    }
}
