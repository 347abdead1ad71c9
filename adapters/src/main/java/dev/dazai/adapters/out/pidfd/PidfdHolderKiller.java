package dev.dazai.adapters.out.pidfd;

import dev.dazai.adapters.nativ.Pidfds;
import dev.dazai.adapters.nativ.Errnos;
import dev.dazai.adapters.nativ.Fds;
import dev.dazai.adapters.nativ.Native;
import dev.dazai.adapters.nativ.Sys;
import dev.dazai.kernel.port.out.Holder;
import dev.dazai.kernel.port.out.HolderKiller;
import dev.dazai.kernel.port.out.Journal;
import dev.dazai.kernel.port.out.JournalEntry;
import dev.dazai.kernel.port.out.KillOutcome;
import dev.dazai.kernel.port.out.Pin;
import dev.dazai.kernel.port.out.RegistrationException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Holders pinned by pidfd (Linux ≥ 5.3). A pidfd names one process incarnation: once that process
 * exits, signals through the pidfd fail with ESRCH even if its PID number now belongs to someone
 * else, so a recycled PID is reported gone and never signalled. Nothing here ever calls kill(2).
 *
 * <p>A consumer ({@link Holder.Reach#TREE}) is also handed to the {@link Containment}, which
 * keeps everything it starts together and kills it whole. The daemon itself and its ancestors are
 * refused as holders, and spared by every kill: killing one before the wipe would end the daemon
 * with the secret still in memory.
 */
public final class PidfdHolderKiller implements HolderKiller, AutoCloseable {

    /** How long killAll waits for the killed to be gone before the caller wipes. */
    private static final int REAP_WAIT_MILLIS = 1000;

    /** tree is null for a single process. */
    private record Pinned(Holder holder, int pidfd, Containment.Tree tree) {
    }

    private final Journal journal;
    private final Containment containment;
    private final Map<Long, Pinned> pinned = new LinkedHashMap<>();

    /** Single processes only: a consumer is refused (no containment). */
    public PidfdHolderKiller(Journal journal) {
        this(journal, null);
    }

    public PidfdHolderKiller(Journal journal, Containment containment) {
        this.journal = Objects.requireNonNull(journal, "journal");
        this.containment = containment;
    }

    /** True if this kernel has pidfds; if not, use {@link StartTimeHolderKiller}. */
    public static boolean supported() {
        return Pidfds.supported();
    }

    @Override
    public Holder register(Pin pin, Holder.Reach reach) {
        if (reach == Holder.Reach.TREE && containment == null) {
            throw new RegistrationException("consumers cannot be contained here; register single processes only");
        }
        forgetFinishedTrees();
        Holder h;
        if (pin instanceof PidfdPin p) {
            int fd = Native.libc().fcntl(p.pidfd(), Sys.F_DUPFD_CLOEXEC, 0);
            if (fd < 0) {
                throw new RegistrationException("cannot keep the pidfd of pid " + p.pid() + ": " + Errnos.name(Native.errno()));
            }
            h = pin(p.pid(), fd, OptionalLong.empty());
        } else {
            h = register(pin.pid(), pin.startTime());
        }
        if (reach == Holder.Reach.PROCESS) {
            return h;
        }
        Containment.Tree tree;
        synchronized (this) {
            Pinned single = pinned.get(h.pid());
            try {
                tree = containment.contain(h.pid(), single.pidfd(),
                        pin instanceof PidfdPin p ? p.prepared().orElse(null) : null);
            } catch (RuntimeException e) {
                unregister(h.pid());
                throw e instanceof RegistrationException r ? r : new RegistrationException(
                        "cannot contain pid " + h.pid() + ": " + e.getMessage());
            }
            Holder consumer = new Holder(h.pid(), h.startTime(), Holder.Reach.TREE);
            pinned.put(h.pid(), new Pinned(consumer, single.pidfd(), tree));
            if (pin instanceof PidfdPin p) {
                p.containedAs(tree.kind());
            }
            return consumer;
        }
    }

    /** Pins {@code pid} now, checking its start time when given. */
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
        // Checked once pinned, when the number can no longer change hands.
        refuseSelfAndAncestors(pid, fd);
        Holder holder = new Holder(pid, observed.orElse(expected.orElse(0)));
        synchronized (this) {
            Pinned old = pinned.remove(pid);
            if (old != null) {
                release(old);
            }
            pinned.put(pid, new Pinned(holder, fd, null));
        }
        return holder;
    }

    /**
     * A long-lived daemon serves many short `dazai run`s: a consumer whose whole tree has ended
     * holds nothing and can never run again, so its pidfd and cgroup are let go when the next
     * one registers, rather than kept until the daemon ends.
     */
    private synchronized void forgetFinishedTrees() {
        pinned.values().removeIf(p -> {
            if (p.tree() == null || !p.tree().finished()) {
                return false;
            }
            release(p);
            return true;
        });
    }

    /**
     * The daemon and its ancestors (the shell that started it, a terminal, a service manager, init)
     * are never holders: a fire would kill them before the wipe, and the daemon with them.
     */
    static void refuseSelfAndAncestors(long pid, int fd) {
        if (pid == ProcessHandle.current().pid()) {
            Fds.closeQuietly(fd);
            throw new RegistrationException("pid " + pid + " is this daemon: a fire would kill it before the wipe");
        }
        if (ProcTable.selfAndAncestors().contains(pid)) {
            Fds.closeQuietly(fd);
            throw new RegistrationException("pid " + pid + " is an ancestor of this daemon (the shell or service that"
                    + " started it): a fire would end the daemon before the wipe");
        }
    }

    @Override
    public synchronized boolean unregister(long pid) {
        Pinned p = pinned.remove(pid);
        if (p == null) {
            return false;
        }
        release(p);
        return true;
    }

    private static void release(Pinned p) {
        if (p.tree() != null) {
            p.tree().release();
        }
        Fds.closeQuietly(p.pidfd());
    }

    @Override
    public synchronized List<Holder> holders() {
        return pinned.values().stream().map(Pinned::holder).toList();
    }

    @Override
    public synchronized List<KillOutcome> killAll() {
        List<KillOutcome> outcomes = new ArrayList<>();
        List<Integer> sent = new ArrayList<>();
        Set<Long> spare = ProcTable.selfAndAncestors();
        for (Pinned p : pinned.values()) {
            if (p.tree() != null) {
                try {
                    outcomes.addAll(p.tree().kill(spare));
                } catch (RuntimeException e) {
                    journal.record(JournalEntry.of(JournalEntry.Kind.ERROR, "killing the tree of pid " + p.holder().pid()
                            + ": " + e));
                    outcomes.add(new KillOutcome(p.holder().pid(), KillOutcome.Kind.FAILED));
                }
                continue;
            }
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
        // SIGKILL is asynchronous; waiting for the pidfds to turn readable means no holder runs during the wipe.
        Pidfds.awaitExit(sent, REAP_WAIT_MILLIS);
        return outcomes;
    }

    @Override
    public synchronized List<KillOutcome> rehearseKillAll() {
        List<KillOutcome> outcomes = new ArrayList<>();
        Set<Long> spare = ProcTable.selfAndAncestors();
        for (Pinned p : pinned.values()) {
            if (p.tree() != null) {
                outcomes.addAll(p.tree().rehearse(spare));
                continue;
            }
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
            release(p);
        }
        pinned.clear();
    }
}
