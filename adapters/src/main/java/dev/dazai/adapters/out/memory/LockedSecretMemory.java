package dev.dazai.adapters.out.memory;

import dev.dazai.adapters.nativ.Errnos;
import dev.dazai.adapters.nativ.Fds;
import dev.dazai.adapters.nativ.Native;
import dev.dazai.adapters.nativ.NativeException;
import dev.dazai.adapters.nativ.Sys;
import dev.dazai.kernel.port.out.Journal;
import dev.dazai.kernel.port.out.JournalEntry;
import dev.dazai.kernel.port.out.Secret;
import dev.dazai.kernel.port.out.SecretLoadException;
import dev.dazai.kernel.port.out.SecretMemory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The kernel's {@link SecretMemory}: named secrets, each in its own {@link LockedBuffer}
 * ({@link LockedSecret}); "default" comes from the start-up source, the others from
 * {@code dazai add} ({@link #read}, then the kernel's {@link #adopt}).
 *
 * <p>{@link #wipe} may come from another thread at any moment, including while a read is
 * waiting for input that never ends (a panic during start-up, an {@code add} whose writer
 * stalls). So a read never blocks inside a lock: it polls the fd in short slices, reads only what
 * is ready, and checks between slices whether a wipe happened. A wipe is final: every secret held
 * or being read is wiped, and nothing read or adopted afterwards is kept.
 */
public final class LockedSecretMemory implements SecretMemory {

    /** The name of the start-up secret. */
    public static final String DEFAULT = "default";

    /** How long one wait for input lasts before the read looks for a wipe again. */
    private static final int POLL_SLICE_MILLIS = 50;
    private static final long FIRST_CAPACITY = 4096;

    private final SecretSource source;
    private final MemoryOptions options;
    private final Journal journal;
    private final Object lock = new Object();
    private volatile boolean wiped;
    /** Held secrets by name, in the order they came. */
    private final Map<String, LockedSecret> held = new LinkedHashMap<>();
    /** Read in but not yet adopted: the wipe takes them too. */
    private final Set<LockedSecret> pending = new LinkedHashSet<>();
    private String kind = "none";
    private boolean warned;

    public LockedSecretMemory(SecretSource source, MemoryOptions options, Journal journal) {
        this.source = Objects.requireNonNull(source, "source");
        this.options = Objects.requireNonNull(options, "options");
        this.journal = Objects.requireNonNull(journal, "journal");
    }

    @Override
    public void load() {
        if (wiped) {
            return;
        }
        if (source instanceof SecretSource.Generated g) {
            loadGenerated(g.bytes());
        } else if (source instanceof SecretSource.FromFd f) {
            readFrom(DEFAULT, f.fd(), true, "the secret from fd " + f.fd(), "pipe or redirect the secret into it");
        } else if (source instanceof SecretSource.FromFile f) {
            loadFile(f);
        }
    }

    /**
     * Reads one secret from {@code fd} to its end into new protected memory, for {@code dazai
     * add NAME}. It is not held until the kernel {@link #adopt adopts} it, but a wipe meanwhile
     * takes it too. Throws {@link SecretLoadException} (one line) for an empty or too large input,
     * a read error, or a wipe that came first.
     */
    public Secret read(String name, int fd) {
        String what = "the secret for " + name;
        LockedSecret s = readFrom(name, fd, false, what, "pipe it into dazai add " + name);
        if (s == null) {
            throw new SecretLoadException("dazai: " + what + " was not kept: the daemon is wiping its secrets");
        }
        return s;
    }

    private void loadGenerated(int bytes) {
        if (bytes > options.maxBytes()) {
            throw new SecretLoadException("dazai: --generate " + bytes + " is over the " + options.maxBytes()
                    + "-byte limit; ask for fewer bytes");
        }
        LockedSecret s = newSecret(DEFAULT, bytes, true);
        try {
            if (s != null) {
                s.fillRandom();
            }
        } catch (IllegalStateException wipedMeanwhile) {
            // Nothing is held; the kernel sees its own gate.
        }
    }

    private void loadFile(SecretSource.FromFile f) {
        String path = f.path().toString();
        int fd = Native.libc().open(path, Sys.O_RDONLY | Sys.O_CLOEXEC, 0);
        if (fd < 0) {
            int err = Native.errno();
            if (err == Errnos.ENOENT) {
                throw new SecretLoadException("dazai: secret file " + path + " does not exist; check --secret-file");
            }
            throw new SecretLoadException("dazai: cannot open secret file " + path + ": " + Errnos.describe(err)
                    + "; check its permissions");
        }
        // One line, so nobody believes the file went away with the wipe.
        journal.record(JournalEntry.of(JournalEntry.Kind.WARNING, "secret file " + path + " stays on disk: dazai"
                + " never deletes it, and a wipe reaches only the copy in memory; remove it (shred -u) if that"
                + " copy is to be the only one"));
        try {
            readFrom(DEFAULT, fd, true, "the secret from file " + path, "put the secret in it");
        } finally {
            Fds.closeQuietly(fd);
        }
    }

    /**
     * Reads {@code fd} to its end into a new secret: held from the start when {@code hold} (the
     * start-up secret, which a wipe during the load must reach), else pending. Null if a wipe came
     * first (nothing is kept).
     */
    private LockedSecret readFrom(String name, int fd, boolean hold, String what, String fix) {
        LockedSecret s = newSecret(name, Math.min(FIRST_CAPACITY, options.maxBytes()), hold);
        if (s == null) {
            return null;
        }
        int view = nonBlockingView(fd);
        int in = view >= 0 ? view : fd;
        try {
            long total = 0;
            while (true) {
                if (s.full() && !grow(s, what)) {
                    return null;
                }
                // Poll the fd we were given, read through the view: a FIFO reader opened after its
                // writer left never sees the hang-up (Linux), so polling the view could wait for ever.
                if (!Fds.await(fd, Sys.POLLIN, POLL_SLICE_MILLIS)) {
                    if (wiped) {
                        s.wipe();
                        return null;
                    }
                    continue;
                }
                long n = s.readOnce(in);
                if (n == 0) {
                    break;
                }
                total += Math.max(n, 0);
            }
            if (total == 0) {
                s.wipe();
                throw new SecretLoadException("dazai: " + what + " is empty; " + fix);
            }
        } catch (NativeException e) {
            s.wipe();
            throw new SecretLoadException("dazai: reading " + what + " failed: " + e.getMessage(), e);
        } catch (SecretLoadException e) {
            s.wipe();
            throw e;
        } catch (IllegalStateException wipedMeanwhile) {
            return null;
        } finally {
            if (view >= 0) {
                Fds.closeQuietly(view);
            }
        }
        if (wiped) {
            s.wipe();
            return null;
        }
        return s;
    }

    /**
     * A non-blocking descriptor of the same pipe or terminal, opened anew through /proc, so that
     * input another reader took between poll and read(2) makes read return EAGAIN instead of
     * sleeping inside the secret's lock; -1 (read the fd itself) for files and sockets, which do
     * not block that way or cannot be reopened, and where /proc is missing.
     */
    private static int nonBlockingView(int fd) {
        Path link = Path.of("/proc/self/fd/" + fd);
        try {
            String target = Files.readSymbolicLink(link).toString();
            if (target.startsWith("socket:") || target.startsWith("anon_inode:") || Files.isRegularFile(link)) {
                return -1;
            }
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return -1;
        }
        int view = Native.libc().open(link.toString(), Sys.O_RDONLY | Sys.O_NONBLOCK | Sys.O_CLOEXEC | Sys.O_NOCTTY, 0);
        return view >= 0 ? view : -1;
    }

    /** Doubles the secret's room, natively; false if wiped meanwhile. */
    private boolean grow(LockedSecret s, String what) {
        long cap = s.capacity();
        if (cap >= options.maxBytes()) {
            s.wipe();
            throw new SecretLoadException("dazai: " + what + " is over the " + options.maxBytes()
                    + "-byte limit; pass a smaller secret");
        }
        return s.grow(allocate(Math.min(cap * 2, options.maxBytes())));
    }

    /** A new secret in fresh memory, held (replacing one of that name) or pending; null if already wiped. */
    private LockedSecret newSecret(String name, long bytes, boolean hold) {
        LockedBuffer b = allocate(bytes);
        LockedSecret[] self = new LockedSecret[1];
        LockedSecret s = new LockedSecret(name, b, () -> forget(self[0]));
        self[0] = s;
        LockedSecret replaced = null;
        synchronized (lock) {
            if (!wiped) {
                if (hold) {
                    replaced = held.put(name, s);
                } else {
                    pending.add(s);
                }
            }
        }
        if (wiped) {
            s.wipe();
            return null;
        }
        if (replaced != null) {
            replaced.wipe();
        }
        return s;
    }

    private void forget(LockedSecret s) {
        synchronized (lock) {
            pending.remove(s);
            held.remove(s.name(), s);
        }
    }

    private LockedBuffer allocate(long bytes) {
        LockedBuffer b;
        try {
            b = LockedBuffer.allocate(bytes, options);
        } catch (LockRefusedException e) {
            throw new SecretLoadException("dazai: cannot lock the secret's memory (" + e.getMessage()
                    + "); raise the limit (ulimit -l, systemd LimitMEMLOCK=) or drop --require-lock");
        } catch (NativeException e) {
            throw new SecretLoadException("dazai: cannot map memory for the secret (" + e.getMessage()
                    + "); free some memory and retry", e);
        }
        boolean warn;
        synchronized (lock) {
            kind = b.kind();
            warn = b.lockRefusal().isPresent() && !warned;
            warned |= warn;
        }
        if (warn) {
            journal.record(JournalEntry.of(JournalEntry.Kind.WARNING,
                    "secret memory is NOT locked and may be swapped to disk: " + b.lockRefusal().get()
                            + "; raise the limit (ulimit -l) or pass --require-lock to refuse"));
        }
        return b;
    }

    @Override
    public boolean adopt(Secret secret) {
        if (!(secret instanceof LockedSecret s) || s.isWiped()) {
            return false;
        }
        synchronized (lock) {
            if (wiped || held.containsKey(s.name()) || !pending.remove(s)) {
                return false;
            }
            held.put(s.name(), s);
            return true;
        }
    }

    @Override
    public boolean remove(String name) {
        LockedSecret s;
        synchronized (lock) {
            s = held.remove(name);
        }
        if (s == null) {
            return false;
        }
        s.wipe();
        return true;
    }

    @Override
    public void wipe() {
        List<LockedSecret> all;
        synchronized (lock) {
            wiped = true;
            all = new ArrayList<>(held.values());
            all.addAll(pending);
            held.clear();
            pending.clear();
        }
        for (LockedSecret s : all) {
            s.wipe();
        }
    }

    @Override
    public List<Secret> secrets() {
        synchronized (lock) {
            return List.copyOf(held.values());
        }
    }

    /** Bytes held now, in every secret. */
    public long size() {
        long sum = 0;
        for (Secret s : secrets()) {
            sum += s.size();
        }
        return sum;
    }

    /** Writes the start-up secret to {@code fd} now, on this thread (tests and small tools). */
    public void drainTo(int fd) {
        LockedSecret s;
        synchronized (lock) {
            s = held.get(DEFAULT);
        }
        if (s == null) {
            throw new IllegalStateException("no secret held");
        }
        s.drainTo(fd);
    }

    /** The protection in force now, from /proc/self/smaps, of the first secret held ("none" kind when none is). */
    public Protections protections() {
        LockedSecret first;
        String k;
        synchronized (lock) {
            first = held.values().stream().findFirst().orElse(null);
            k = kind;
        }
        return first == null ? Protections.none(k) : first.protections();
    }

    /** "secretmem" or "anonymous" for the memory used last; "none" before any. */
    public String kind() {
        synchronized (lock) {
            return kind;
        }
    }
}
