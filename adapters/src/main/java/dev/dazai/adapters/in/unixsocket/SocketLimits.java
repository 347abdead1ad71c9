package dev.dazai.adapters.in.unixsocket;

import java.time.Duration;
import java.util.Objects;

/**
 * How much one socket server lets its clients take.
 *
 * @param maxConnections connections open at once; one more is closed as soon as it is accepted
 * @param commandTimeout how long a connection may take to send its command (HELLO on the
 *                       heartbeat socket, the one command on the control socket)
 */
public record SocketLimits(int maxConnections, Duration commandTimeout) {

    /** 64 connections, 5 s to send a command: far above what a CLI and a shell ever need. */
    public static final SocketLimits DEFAULT = new SocketLimits(64, Duration.ofSeconds(5));

    public SocketLimits {
        Objects.requireNonNull(commandTimeout, "commandTimeout");
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections must be at least 1: " + maxConnections);
        }
        if (commandTimeout.isNegative() || commandTimeout.isZero()) {
            throw new IllegalArgumentException("commandTimeout must be positive: " + commandTimeout);
        }
    }
}
