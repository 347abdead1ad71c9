package dev.dazai.adapters.in.unixsocket;

import java.util.OptionalInt;

/**
 * The process at the other end of a connection, as the kernel saw it at connect time
 * ({@code SO_PEERCRED}; {@code SO_PEERPIDFD} on Linux 6.5 and later).
 *
 * @param uid   effective uid of the peer
 * @param pid   PID of the peer (0 if the platform does not say)
 * @param pidfd a pidfd pinned to the very process that connected, when the kernel offers one. It
 *              belongs to the server and is closed when the call it was handed to returns: a
 *              callee that wants to keep it duplicates it ({@code fcntl(F_DUPFD_CLOEXEC)}).
 */
public record Peer(int uid, long pid, OptionalInt pidfd) {

    public Peer {
        if (pidfd == null) {
            pidfd = OptionalInt.empty();
        }
    }

    /** The same peer without a pidfd, for logs and for connections that never need one. */
    public static Peer of(int uid, long pid) {
        return new Peer(uid, pid, OptionalInt.empty());
    }

    @Override
    public String toString() {
        return "uid " + uid + " pid " + pid;
    }
}
