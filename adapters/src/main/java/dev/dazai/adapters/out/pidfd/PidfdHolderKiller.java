package dev.dazai.adapters.out.pidfd;

import dev.dazai.adapters.nativ.Errnos;
import dev.dazai.adapters.nativ.Fds;
import dev.dazai.adapters.nativ.Sys;
import dev.dazai.kernel.port.out.Holder;
import dev.dazai.kernel.port.out.HolderKiller;
import dev.dazai.kernel.port.out.Journal;
import dev.dazai.kernel.port.out.JournalEntry;
import dev.dazai.kernel.port.out.KillOutcome;
import dev.dazai.kernel.port.out.RegistrationException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * Holders pinned by pidfd (Linux ≥ 5.3). A pidfd names one process incarnation: once that process
 * exits, signals through the pidfd fail with ESRCH even if its PID number now belongs to someone
 * else, so a recycled PID is reported gone and never signalled. Nothing here ever calls kill(2).
 */
public final class PidfdHolderKiller implements HolderKiller, AutoCloseable {

    /** How long killAll waits for the killed to be gone before the caller wipes. */
    private static final int REAP_WAIT_MILLIS = 1000;

    private record Pinned(Holder holder, int pidfd) {
    }

    private final Journal journal;
    private final Map<Long, Pinned> pinned = new LinkedHashMap<>();

    public PidfdHolderKiller(Journal journal) {
        this.journal = Objects.requireNonNull(journal, "journal");
    }

    /** True if this kernel has pidfds; if not, use {@link StartTimeHolderKiller}. */
    public static boolean supported() {
        return Pidfds.supported();
    }

    @Override
    public Holder register(long pid, OptionalLong startTime) {
        if (pid <= 0) {
            throw new RegistrationException("pid " + pid + " is not a process");
        }
        int fd = Pidfds.open(pid);
        if (fd < 0) {
            int err = -fd;
            if (err == Errnos.ESRCH) {
                throw new RegistrationException("no process with pid " + pid);
            }
            if (err == Errnos.EINVAL) {
                throw new RegistrationException("pid " + pid + " is not a process (a thread id?)");
            }
            throw new RegistrationException("cannot pin pid " + pid + ": pidfd_open: " + Errnos.describe(err));
        }
        return pin(pid, fd, startTime);
    }

    /**
     * Registers a pidfd the caller already holds: from SO_PEERPIDFD for a connected peer, or opened
     * for an own child before reaping it. Takes ownership of {@code pidfd}, which is closed on
     * unregister, on close, or at once if the process is already gone.
     */
    public Holder adopt(long pid, int pidfd) {
        if (pidfd < 0) {
            throw new IllegalArgumentException("not a pidfd: " + pidfd);
        }
        return pin(pid, pidfd, OptionalLong.empty());
    }

    private Holder pin(long pid, int fd, OptionalLong expected) {
        // The start time is read after the pidfd exists and trusted only if the pidfd's process is
        // still alive afterwards: then the PID could not have changed hands while we read it.
        OptionalLong observed = ProcStat.startTime(pid);
        Pidfds.Sent alive = Pidfds.send(fd, 0);
        if (alive != Pidfds.Sent.DELIVERED) {
            Fds.closeQuietly(fd);
            throw new RegistrationException(alive == Pidfds.Sent.GONE
                    ? "process " + pid + " has already exited"
                    : "not permitted to signal pid " + pid + " (another user's process)");
        }
        if (expected.isPresent() && (observed.isEmpty() || observed.getAsLong() != expected.getAsLong())) {
            Fds.closeQuietly(fd);
            throw new RegistrationException("pid " + pid + " started at " + (observed.isPresent() ? observed.getAsLong() : "?")
                    + ", not " + expected.getAsLong() + ": it is another process now (PID reused)");
        }
        Holder holder = new Holder(pid, observed.orElse(expected.orElse(0)));
        synchronized (this) {
            Pinned old = pinned.remove(pid);
            if (old != null) {
                Fds.closeQuietly(old.pidfd());
            }
            pinned.put(pid, new Pinned(holder, fd));
        }
        return holder;
    }

    @Override
    public synchronized boolean unregister(long pid) {
        Pinned p = pinned.remove(pid);
        if (p == null) {
            return false;
        }
        Fds.closeQuietly(p.pidfd());
        return true;
    }

    @Override
    public synchronized List<Holder> holders() {
        return pinned.values().stream().map(Pinned::holder).toList();
    }

    @Override
    public synchronized List<KillOutcome> killAll() {
        List<KillOutcome> outcomes = new ArrayList<>();
        List<Integer> sent = new ArrayList<>();
        for (Pinned p : pinned.values()) {
            Pidfds.Sent s;
            try {
                s = Pidfds.send(p.pidfd(), Sys.SIGKILL);
            } catch (RuntimeException e) {
                journal.record(JournalEntry.of(JournalEntry.Kind.ERROR, "SIGKILL pid " + p.holder().pid() + ": " + e.getMessage()));
                s = Pidfds.Sent.NOT_PERMITTED;
            }
            switch (s) {
                case DELIVERED -> {
                    outcomes.add(new KillOutcome(p.holder().pid(), KillOutcome.Kind.KILLED));
                    sent.add(p.pidfd());
                }
                case GONE -> outcomes.add(new KillOutcome(p.holder().pid(), KillOutcome.Kind.GONE));
                case NOT_PERMITTED -> {
                    outcomes.add(new KillOutcome(p.holder().pid(), KillOutcome.Kind.FAILED));
                }
            }
        }
        awaitExit(sent);
        return outcomes;
    }

    /** SIGKILL is asynchronous; waiting for the pidfds to turn readable means no holder runs during the wipe. */
    private static void awaitExit(List<Integer> pidfds) {
        long deadline = System.nanoTime() + REAP_WAIT_MILLIS * 1_000_000L;
        for (int fd : pidfds) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                return;
            }
            Fds.await(fd, Sys.POLLIN, (int) left);
        }
    }

    @Override
    public synchronized List<KillOutcome> rehearseKillAll() {
        List<KillOutcome> outcomes = new ArrayList<>();
        for (Pinned p : pinned.values()) {
            Pidfds.Sent s = Pidfds.send(p.pidfd(), 0);
            outcomes.add(new KillOutcome(p.holder().pid(),
                    s == Pidfds.Sent.GONE ? KillOutcome.Kind.GONE : KillOutcome.Kind.WOULD_KILL));
        }
        return outcomes;
    }

    /** Closes every pidfd (the processes are not touched). */
    @Override
    public synchronized void close() {
        for (Pinned p : pinned.values()) {
            Fds.closeQuietly(p.pidfd());
        }
        pinned.clear();
    }
}
