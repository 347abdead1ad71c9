package dev.dazai.adapters.out.cgroup;

import dev.dazai.adapters.out.pidfd.Containment;
import dev.dazai.adapters.nativ.Pidfds;
import dev.dazai.kernel.port.out.Journal;
import dev.dazai.kernel.port.out.JournalEntry;
import dev.dazai.kernel.port.out.KillOutcome;
import dev.dazai.kernel.port.out.RegistrationException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Containment by cgroup v2: each consumer gets a cgroup of its own under the daemon's, and is in
 * it before it can fork (an {@code --exec} child joins it before exec; a {@code dazai run} client
 * is moved in before it is sent its fd, when it has started nothing yet). Whatever it starts is
 * born inside, however it detaches ({@code setsid}, double fork), and the fire ends them all at
 * once by writing 1 to {@code cgroup.kill} (Linux ≥ 5.14).
 *
 * <p>Needs a cgroup the daemon may make children in: as root, or under systemd with
 * {@code Delegate=yes}. {@link #probe} says whether this one can; otherwise the daemon uses a
 * {@link dev.dazai.adapters.out.pidfd.SubreaperContainment}. A consumer the daemon may not move
 * (a client in a cgroup outside the delegated subtree, not root) falls back to being a subreaper
 * tree, and its reply says so.
 */
public final class CgroupContainment implements Containment {

    public static final String NAME = "cgroup";

    private static final long KILL_WAIT_NANOS = 1_000_000_000L;
    private static final int EVACUATE_ROUNDS = 20;

    private final Path parent;
    private final String prefix;
    private final Journal journal;
    private final Containment fallback;
    private final long self;
    private final AtomicLong next = new AtomicLong();
    private final Set<Path> made = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean warnedFallback = new AtomicBoolean();

    /**
     * @param parent   the daemon's own cgroup directory ({@link Probe#dir})
     * @param fallback for a consumer that cannot be moved into a cgroup of its own
     */
    public CgroupContainment(Path parent, Journal journal, Containment fallback) {
        this.parent = parent;
        this.self = ProcessHandle.current().pid();
        this.prefix = "dazai-" + self + "-";
        this.journal = journal;
        this.fallback = fallback;
        sweepStale(parent);
    }

    /**
     * A daemon ended by SIGKILL (or a crash) cleans nothing up: its consumers' cgroups stay, empty
     * once the consumers ended. Those of a daemon no longer running are removed here; rmdir
     * refuses a populated one, so a consumer still alive keeps its cgroup.
     */
    public static void sweepStale(Path parent) {
        java.util.regex.Pattern ours = java.util.regex.Pattern.compile("dazai-(\\d+)-(\\d+|probe)");
        try (java.util.stream.Stream<Path> dirs = Files.list(parent)) {
            for (Path dir : dirs.toList()) {
                java.util.regex.Matcher m = ours.matcher(dir.getFileName().toString());
                if (m.matches() && ProcessHandle.of(Long.parseLong(m.group(1))).isEmpty()) {
                    try {
                        Files.delete(dir);
                    } catch (IOException stillPopulated) {
                        // A consumer of that daemon still runs in it: not ours to touch.
                    }
                }
            }
        } catch (IOException | NumberFormatException e) {
            // Nothing to sweep, or no way to: the leftovers are empty directories.
        }
    }

    /** Where the daemon's cgroup is and whether consumer cgroups can be made under it; {@code why} if not. */
    public record Probe(Optional<Path> dir, String why) {
    }

    /**
     * Finds the cgroup2 mount (/proc/self/mountinfo; on a hybrid layout it is
     * /sys/fs/cgroup/unified) and this process's cgroup (the {@code 0::} line of /proc/self/cgroup),
     * then makes and removes one child cgroup there to see that it has {@code cgroup.kill} and a
     * writable {@code cgroup.procs}.
     */
    public static Probe probe() {
        Optional<Path> mount = cgroup2Mount();
        if (mount.isEmpty()) {
            return new Probe(Optional.empty(), "no cgroup2 file system is mounted");
        }
        Optional<String> own = ownCgroup();
        if (own.isEmpty()) {
            return new Probe(Optional.empty(), "this process has no cgroup v2 path (no 0:: line in /proc/self/cgroup)");
        }
        Path dir = mount.get().resolve(own.get().replaceFirst("^/+", ""));
        Path trial = dir.resolve("dazai-" + ProcessHandle.current().pid() + "-probe");
        try {
            Files.createDirectory(trial);
        } catch (AccessDeniedException e) {
            return new Probe(Optional.empty(), "cannot make a cgroup under " + dir + " (permission denied: not root,"
                    + " and not a delegated subtree such as systemd's Delegate=yes)");
        } catch (IOException e) {
            return new Probe(Optional.empty(), "cannot make a cgroup under " + dir + " (" + e + ")");
        }
        try {
            if (!Files.exists(trial.resolve("cgroup.kill"))) {
                return new Probe(Optional.empty(), "cgroup.kill is missing (Linux before 5.14)");
            }
            if (!Files.isWritable(trial.resolve("cgroup.procs"))) {
                return new Probe(Optional.empty(), "cgroup.procs under " + dir + " is not writable");
            }
            return new Probe(Optional.of(dir), "");
        } finally {
            try {
                Files.deleteIfExists(trial);
            } catch (IOException ignored) {
                // An empty cgroup left behind; the next start's probe uses another name.
            }
        }
    }

    private static Optional<Path> cgroup2Mount() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                int dash = line.indexOf(" - ");
                if (dash < 0) {
                    continue;
                }
                String[] after = line.substring(dash + 3).split(" ");
                String[] before = line.substring(0, dash).split(" ");
                if (after.length > 0 && after[0].equals("cgroup2") && before.length > 4) {
                    return Optional.of(Path.of(unescape(before[4])));
                }
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** mountinfo writes space, tab, newline and backslash as \040-style octal. */
    static String unescape(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length() && s.substring(i + 1, i + 4).chars().allMatch(d -> d >= '0' && d <= '7')) {
                sb.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static Optional<String> ownCgroup() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
                if (line.startsWith("0::")) {
                    return Optional.of(line.substring(3));
                }
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    @Override
    public String name() {
        return NAME;
    }

    /** A fresh cgroup for an {@code --exec} child, which writes "0" into its cgroup.procs before exec. */
    @Override
    public Prepared prepare() {
        Path leaf = makeLeaf();
        return new Leaf(leaf);
    }

    private record Leaf(Path path) implements Prepared {
        @Override
        public Optional<Path> joinPath() {
            return Optional.of(path.resolve("cgroup.procs"));
        }
    }

    private Path makeLeaf() {
        Path leaf = parent.resolve(prefix + next.incrementAndGet());
        try {
            Files.createDirectory(leaf);
        } catch (IOException e) {
            throw new RegistrationException("cannot make a cgroup for the consumer (" + leaf + ": " + e + ")");
        }
        made.add(leaf);
        return leaf;
    }

    @Override
    public Tree contain(long pid, int pidfd, Prepared prepared) {
        Path leaf = prepared instanceof Leaf l ? l.path() : makeLeaf();
        try {
            Files.writeString(leaf.resolve("cgroup.procs"), Long.toString(pid));
        } catch (IOException e) {
            remove(leaf);
            if (prepared != null) {
                throw new RegistrationException("cannot move pid " + pid + " into its cgroup " + leaf + ": " + e);
            }
            if (warnedFallback.compareAndSet(false, true)) {
                journal.record(JournalEntry.of(JournalEntry.Kind.WARNING, "pid " + pid + " cannot be moved into a"
                        + " cgroup under " + parent + " (" + e.getMessage() + "): such consumers are contained as"
                        + " subreaper trees instead").with("pid", pid));
            }
            return fallback.contain(pid, pidfd, null);
        }
        // The PID was this process's when written if its pidfd still answers now: it cannot have changed hands.
        if (Pidfds.send(pidfd, 0) != Pidfds.Sent.DELIVERED) {
            evacuate(leaf);
            remove(leaf);
            throw new RegistrationException("process " + pid + " has already exited");
        }
        return new CgroupTree(pid, leaf);
    }

    @Override
    public void cleanUp() {
        for (Path leaf : List.copyOf(made)) {
            evacuate(leaf);
            remove(leaf);
        }
    }

    /** Moves whatever is still in {@code leaf} back into the daemon's cgroup, so the leaf can go. */
    private void evacuate(Path leaf) {
        for (int round = 0; round < EVACUATE_ROUNDS; round++) {
            List<Long> pids = procs(leaf);
            if (pids.isEmpty()) {
                return;
            }
            for (long pid : pids) {
                try {
                    Files.writeString(parent.resolve("cgroup.procs"), Long.toString(pid));
                } catch (IOException e) {
                    // Exited meanwhile, or not ours to move: the next round sees.
                }
            }
        }
    }

    private void remove(Path leaf) {
        try {
            Files.deleteIfExists(leaf);
            made.remove(leaf);
        } catch (IOException e) {
            // Still populated (a process we could not move): left for the service manager.
        }
    }

    static List<Long> procs(Path leaf) {
        List<Long> pids = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(leaf.resolve("cgroup.procs"))) {
                if (!line.isBlank()) {
                    pids.add(Long.parseLong(line.strip()));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // Gone: nothing in it.
        }
        return pids;
    }

    private static boolean populated(Path leaf) {
        try {
            return Files.readAllLines(leaf.resolve("cgroup.events")).contains("populated 1");
        } catch (IOException e) {
            return false;
        }
    }

    /** One consumer's cgroup. */
    private final class CgroupTree implements Tree {
        private final long root;
        private final Path leaf;

        CgroupTree(long root, Path leaf) {
            this.root = root;
            this.leaf = leaf;
        }

        @Override
        public String kind() {
            return NAME;
        }

        @Override
        public synchronized List<KillOutcome> kill(Set<Long> spare) {
            List<Long> pids = procs(leaf);
            for (long p : pids) {
                if (spare.contains(p)) {
                    // Never in a consumer's cgroup by the daemon's doing; out it goes before the kill.
                    try {
                        Files.writeString(parent.resolve("cgroup.procs"), Long.toString(p));
                    } catch (IOException ignored) {
                        // Then cgroup.kill would reach it: refuse to write it.
                        return List.of(new KillOutcome(root, KillOutcome.Kind.FAILED));
                    }
                }
            }
            pids.removeAll(spare);
            rootFirst(pids);
            List<KillOutcome> outcomes = new ArrayList<>();
            if (!pids.contains(root)) {
                outcomes.add(new KillOutcome(root, KillOutcome.Kind.GONE));
            }
            try {
                Files.writeString(leaf.resolve("cgroup.kill"), "1");
            } catch (IOException e) {
                journal.record(JournalEntry.of(JournalEntry.Kind.ERROR, "cgroup.kill of " + leaf + ": " + e));
                for (long p : pids) {
                    outcomes.add(new KillOutcome(p, KillOutcome.Kind.FAILED));
                }
                return outcomes;
            }
            for (long p : pids) {
                outcomes.add(new KillOutcome(p, KillOutcome.Kind.KILLED));
            }
            // SIGKILL is asynchronous: nothing killed may still run while the secret is wiped.
            long deadline = System.nanoTime() + KILL_WAIT_NANOS;
            while (populated(leaf) && System.nanoTime() - deadline < 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(2_000_000);
            }
            remove(leaf);
            return outcomes;
        }

        @Override
        public synchronized List<KillOutcome> rehearse(Set<Long> spare) {
            List<Long> pids = procs(leaf);
            pids.removeAll(spare);
            rootFirst(pids);
            List<KillOutcome> outcomes = new ArrayList<>();
            if (!pids.contains(root)) {
                outcomes.add(new KillOutcome(root, KillOutcome.Kind.GONE));
            }
            for (long p : pids) {
                outcomes.add(new KillOutcome(p, KillOutcome.Kind.WOULD_KILL));
            }
            return outcomes;
        }

        @Override
        public boolean finished() {
            return !populated(leaf);
        }

        private void rootFirst(List<Long> pids) {
            if (pids.remove(root)) {
                pids.add(0, root);
            }
        }

        @Override
        public synchronized void release() {
            evacuate(leaf);
            remove(leaf);
        }
    }
}
