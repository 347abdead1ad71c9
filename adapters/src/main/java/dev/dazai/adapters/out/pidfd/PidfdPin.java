package dev.dazai.adapters.out.pidfd;

import dev.dazai.adapters.nativ.Fds;
import dev.dazai.adapters.nativ.Native;
import dev.dazai.adapters.nativ.Sys;
import dev.dazai.kernel.port.out.Pin;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A process already held by identity: a connection's peer ({@code SO_PEERPIDFD}) or an
 * {@code --exec} child opened before it could be reaped. The kernel passes it through to
 * {@link PidfdHolderKiller#register}, which keeps a duplicate of the pidfd; no PID number is
 * looked up again, so there is no window in which it could name another process.
 *
 * <p>It also carries back how the consumer was contained ({@link #containedAs}), for the reply
 * that tells a {@code dazai run} client whether to make itself a subreaper.
 */
public final class PidfdPin implements Pin, AutoCloseable {

    private final long pid;
    private final Containment.Prepared prepared;
    private int pidfd;
    private volatile String containedAs = "";

    private PidfdPin(long pid, int pidfd, Containment.Prepared prepared) {
        this.pid = pid;
        this.pidfd = pidfd;
        this.prepared = prepared;
    }

    /** Pins {@code pid} by a duplicate of {@code pidfd} (the caller keeps and closes its own). */
    public static PidfdPin of(long pid, int pidfd, Containment.Prepared prepared) {
        int own = Native.libc().fcntl(pidfd, Sys.F_DUPFD_CLOEXEC, 0);
        if (own < 0) {
            throw Native.failure("fcntl(F_DUPFD_CLOEXEC) of a pidfd");
        }
        return new PidfdPin(pid, own, prepared);
    }

    @Override
    public long pid() {
        return pid;
    }

    /** Not needed: the pidfd is the identity. */
    @Override
    public OptionalLong startTime() {
        return OptionalLong.empty();
    }

    /** Still this pin's; duplicate it to keep it. */
    public synchronized int pidfd() {
        return pidfd;
    }

    Optional<Containment.Prepared> prepared() {
        return Optional.ofNullable(prepared);
    }

    void containedAs(String kind) {
        containedAs = kind;
    }

    /** "cgroup" or "subreaper" once registered as a consumer; "" before, or for a single process. */
    public String containedAs() {
        return containedAs;
    }

    @Override
    public synchronized void close() {
        Fds.closeQuietly(pidfd);
        pidfd = -1;
    }

    @Override
    public String toString() {
        return "pid " + pid + " (pidfd)";
    }
}
