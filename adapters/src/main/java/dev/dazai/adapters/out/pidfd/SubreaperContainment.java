package dev.dazai.adapters.out.pidfd;

import dev.dazai.adapters.nativ.Pidfds;
import dev.dazai.adapters.nativ.Errnos;
import dev.dazai.adapters.nativ.Fds;
import dev.dazai.adapters.nativ.Native;
import dev.dazai.adapters.nativ.Sys;
import dev.dazai.kernel.port.out.Journal;
import dev.dazai.kernel.port.out.JournalEntry;
import dev.dazai.kernel.port.out.KillOutcome;
import dev.dazai.kernel.port.out.RegistrationException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongPredicate;
import jnr.ffi.Pointer;

/**
 * Containment without cgroups: a consumer's tree is kept in one piece by child subreapers
 * ({@code PR_SET_CHILD_SUBREAPER}), so a descendant whose parent dies (a double fork, a daemon
 * that detaches, a {@code setsid}) is re-parented inside the tree rather than to init. The daemon
 * is one (for {@code --exec}, whose orphans come back to it); a {@code dazai run} client makes
 * itself one before it execs the command (the flag survives execve).
 *
 * <p>The fire walks each tree through /proc, children of children: every member is pinned by a
 * pidfd (after which its PID cannot change hands) and stopped with SIGSTOP before its children
 * are looked for, so a member cannot fork behind the walk's back; the walk repeats until a round
 * over stopped members finds nobody new, and then every member gets SIGKILL through its pidfd.
 * Weaker than a cgroup: if the tree's root itself dies, its orphans go to the next subreaper up
 * (init, or the user's service manager), outside the tree.
 */
public final class SubreaperContainment implements Containment {

    public static final String NAME = "subreaper";

    /** prctl option; Linux ≥ 3.4. */
    public static final int PR_SET_CHILD_SUBREAPER = 36;

    private static final int SIGSTOP = 19;
    private static final int MAX_ROUNDS = 100;
    /** How long one round waits for its members to be really stopped (a D-state sleeper may never be). */
    private static final long STOP_WAIT_NANOS = 200_000_000L;
    private static final int REAP_WAIT_MILLIS = 1000;
    private static final long ORPHAN_REAP_MILLIS = 250;

    private static final Prepared NOTHING_TO_JOIN = Optional::empty;

    private final long self;
    private final boolean daemonIsSubreaper;

    /**
     * @param becomeSubreaper make this process a child subreaper (the daemon: its {@code --exec}
     *                        children's orphans come back to it) and reap the orphans that die
     *                        here; false leaves the process alone (tests)
     * @param reapedElsewhere children some other thread waits for (the {@code --exec} launcher's)
     */
    public SubreaperContainment(Journal journal, boolean becomeSubreaper, LongPredicate reapedElsewhere) {
        this.self = ProcessHandle.current().pid();
        boolean subreaper = false;
        if (becomeSubreaper) {
            subreaper = Native.libc().prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0;
            if (!subreaper) {
                journal.record(JournalEntry.of(JournalEntry.Kind.WARNING, "prctl(PR_SET_CHILD_SUBREAPER) refused ("
                        + Errnos.name(Native.errno()) + "): an --exec child's orphans may escape its tree"));
            } else {
                startOrphanReaper(reapedElsewhere);
            }
        }
        this.daemonIsSubreaper = subreaper;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Prepared prepare() {
        return NOTHING_TO_JOIN;
    }

    @Override
    public Tree contain(long pid, int pidfd, Prepared prepared) {
        Optional<ProcTable.Proc> p = ProcTable.of(pid);
        int own = Native.libc().fcntl(pidfd, Sys.F_DUPFD_CLOEXEC, 0);
        if (own < 0) {
            throw new RegistrationException("cannot keep a pidfd for pid " + pid + ": " + Errnos.name(Native.errno()));
        }
        if (p.isEmpty() || Pidfds.send(own, 0) != Pidfds.Sent.DELIVERED) {
            Fds.closeQuietly(own);
            throw new RegistrationException("process " + pid + " has already exited");
        }
        // The daemon's own child: its orphans come back to the daemon, so the daemon's children are in its tree.
        boolean orphansComeHere = daemonIsSubreaper && p.get().ppid() == self;
        return new WalkedTree(pid, own, orphansComeHere);
    }

    @Override
    public void cleanUp() {
        // Nothing was made outside the processes themselves.
    }

    /** Orphans re-parented to the daemon and dead are reaped here, so none stays a zombie. */
    private void startOrphanReaper(LongPredicate reapedElsewhere) {
        Thread t = new Thread(() -> {
            Pointer info = Native.scratch(128);
            int[] status = new int[1];
            while (true) {
                try {
                    Thread.sleep(ORPHAN_REAP_MILLIS);
                } catch (InterruptedException e) {
                    return;
                }
                // Peek at one dead child (WNOWAIT), reap it unless another thread waits for it.
                while (true) {
                    info.setMemory(0, 128, (byte) 0);
                    int rc = Native.libc().waitid(P_ALL, 0, info, WEXITED | WNOHANG | WNOWAIT);
                    int pid = info.getInt(SI_PID_OFFSET);
                    if (rc != 0 || pid <= 0 || reapedElsewhere.test(pid)) {
                        break;
                    }
                    Native.libc().waitpid(pid, status, WNOHANG);
                }
            }
        }, "dazai-orphan-reaper");
        t.setDaemon(true);
        t.start();
    }

    private static final int P_ALL = 0;
    private static final int WNOHANG = 1;
    private static final int WEXITED = 4;
    private static final int WNOWAIT = 0x01000000;
    /** siginfo_t: si_signo, si_errno, si_code, padding to 8, then si_pid (Linux, 64-bit). */
    private static final int SI_PID_OFFSET = 16;

    /** One consumer's tree, walked at fire time. */
    private final class WalkedTree implements Tree {
        private final long root;
        private final int rootFd;
        private final boolean orphansComeHere;
        private boolean released;

        WalkedTree(long root, int rootFd, boolean orphansComeHere) {
            this.root = root;
            this.rootFd = rootFd;
            this.orphansComeHere = orphansComeHere;
        }

        @Override
        public String kind() {
            return NAME;
        }

        @Override
        public synchronized List<KillOutcome> kill(Set<Long> spare) {
            Map<Long, Integer> members = new LinkedHashMap<>();
            members.put(root, rootFd);
            Set<Long> parents = new HashSet<>(members.keySet());
            if (orphansComeHere) {
                parents.add(self);
            }
            try {
                Pidfds.send(rootFd, SIGSTOP);
                for (int round = 0; round < MAX_ROUNDS; round++) {
                    awaitStopped(members.keySet());
                    if (!pinNewChildren(members, parents, spare)) {
                        break;
                    }
                }
                List<KillOutcome> outcomes = new ArrayList<>();
                List<Integer> sent = new ArrayList<>();
                for (Map.Entry<Long, Integer> m : members.entrySet()) {
                    Pidfds.Sent s = Pidfds.send(m.getValue(), Sys.SIGKILL);
                    outcomes.add(new KillOutcome(m.getKey(), switch (s) {
                        case DELIVERED -> KillOutcome.Kind.KILLED;
                        case GONE -> KillOutcome.Kind.GONE;
                        case NOT_PERMITTED -> KillOutcome.Kind.FAILED;
                    }));
                    if (s == Pidfds.Sent.DELIVERED) {
                        sent.add(m.getValue());
                    }
                }
                Pidfds.awaitExit(sent, REAP_WAIT_MILLIS);
                return outcomes;
            } finally {
                for (Map.Entry<Long, Integer> m : members.entrySet()) {
                    if (m.getValue() != rootFd) {
                        Fds.closeQuietly(m.getValue());
                    }
                }
            }
        }

        /** One round: pins and stops every child of a member not yet in the tree; true if any was new. */
        private boolean pinNewChildren(Map<Long, Integer> members, Set<Long> parents, Set<Long> spare) {
            boolean found = false;
            for (ProcTable.Proc p : ProcTable.snapshot().values()) {
                if (!parents.contains(p.ppid()) || members.containsKey(p.pid()) || spare.contains(p.pid())
                        || p.pid() == self || p.state() == 'Z') {
                    continue;
                }
                found = true;
                int fd = Pidfds.open(p.pid());
                if (fd < 0) {
                    continue; // gone already; the next round looks again
                }
                // Pinned: if it still has the snapshot's start time and a parent in the tree, it is that child.
                Optional<ProcTable.Proc> now = ProcTable.of(p.pid());
                if (now.isEmpty() || now.get().startTime() != p.startTime() || !parents.contains(now.get().ppid())) {
                    Fds.closeQuietly(fd);
                    continue;
                }
                members.put(p.pid(), fd);
                parents.add(p.pid());
                Pidfds.send(fd, SIGSTOP);
            }
            return found;
        }

        /** SIGSTOP is asynchronous: a member forks no more once /proc says it is stopped (or gone). */
        private void awaitStopped(Set<Long> pids) {
            long deadline = System.nanoTime() + STOP_WAIT_NANOS;
            for (long pid : pids) {
                while (System.nanoTime() - deadline < 0) {
                    char state = ProcStat.state(pid);
                    if (state == 'T' || state == 't' || state == 'Z' || state == 'X' || state == '?') {
                        break;
                    }
                    java.util.concurrent.locks.LockSupport.parkNanos(200_000);
                }
            }
        }

        @Override
        public synchronized List<KillOutcome> rehearse(Set<Long> spare) {
            List<KillOutcome> outcomes = new ArrayList<>();
            boolean rootAlive = Pidfds.send(rootFd, 0) == Pidfds.Sent.DELIVERED;
            outcomes.add(new KillOutcome(root, rootAlive ? KillOutcome.Kind.WOULD_KILL : KillOutcome.Kind.GONE));
            Map<Long, ProcTable.Proc> table = ProcTable.snapshot();
            Set<Long> tree = new HashSet<>();
            if (rootAlive) {
                tree.add(root);
            }
            if (orphansComeHere) {
                tree.add(self);
            }
            boolean grew = true;
            while (grew) {
                grew = false;
                for (ProcTable.Proc p : table.values()) {
                    if (tree.contains(p.ppid()) && !tree.contains(p.pid()) && !spare.contains(p.pid())
                            && p.pid() != self && p.pid() != root && p.state() != 'Z') {
                        tree.add(p.pid());
                        outcomes.add(new KillOutcome(p.pid(), KillOutcome.Kind.WOULD_KILL));
                        grew = true;
                    }
                }
            }
            return outcomes;
        }

        /**
         * A run consumer's tree is out of reach once its root (the subreaper) is gone; a daemon
         * child's orphans come back to the daemon, so that tree is never declared finished here.
         */
        @Override
        public synchronized boolean finished() {
            return !orphansComeHere && (released || Pidfds.exited(rootFd));
        }

        @Override
        public synchronized void release() {
            if (!released) {
                released = true;
                Fds.closeQuietly(rootFd);
            }
        }
    }
}
