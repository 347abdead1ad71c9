package dev.dazai.adapters.out.memory;

import dev.dazai.adapters.nativ.Errnos;
import dev.dazai.adapters.nativ.Fds;
import dev.dazai.adapters.nativ.Native;
import dev.dazai.adapters.nativ.NativeException;
import dev.dazai.adapters.nativ.Sys;
import dev.dazai.kernel.port.out.Journal;
import dev.dazai.kernel.port.out.JournalEntry;
import dev.dazai.kernel.port.out.SecretLoadException;
import dev.dazai.kernel.port.out.SecretMemory;
import java.util.Objects;

/**
 * The kernel's {@link SecretMemory} on a {@link LockedBuffer}.
 *
 * <p>{@link #wipe} may come from another thread at any moment, including while {@link #load} is
 * waiting for input that never ends (a panic during start-up). So the load never blocks inside
 * the buffer's lock: it polls the fd in short slices, reads only what is ready, and checks between
 * slices whether a wipe happened. A wipe is final: once wiped, this memory stays empty and a load
 * in progress returns with nothing held (the kernel sees its own gate and reports the abort).
 */
public final class LockedSecretMemory implements SecretMemory {

    /** How long one wait for input lasts before the load looks for a wipe again. */
    private static final int POLL_SLICE_MILLIS = 50;
    private static final long FIRST_CAPACITY = 4096;

    private final SecretSource source;
    private final MemoryOptions options;
    private final Journal journal;
    private final Object lock = new Object();
    private volatile boolean wiped;
    private LockedBuffer buffer;
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
            loadFrom(f.fd(), "fd " + f.fd(), "pipe or redirect the secret into it");
        } else if (source instanceof SecretSource.FromFile f) {
            loadFile(f);
        }
    }

    private void loadGenerated(int bytes) {
        if (bytes > options.maxBytes()) {
            throw new SecretLoadException("dazai: --generate " + bytes + " is over the " + options.maxBytes()
                    + "-byte limit; ask for fewer bytes");
        }
        LockedBuffer fresh = allocate(bytes);
        synchronized (lock) {
            if (wiped) {
                fresh.close();
                return;
            }
            replace(fresh);
            fresh.fillRandom();
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
        try {
            loadFrom(fd, "file " + path, "put the secret in it");
        } finally {
            Fds.closeQuietly(fd);
        }
    }

    private void loadFrom(int fd, String what, String fix) {
        LockedBuffer current = allocate(Math.min(FIRST_CAPACITY, options.maxBytes()));
        synchronized (lock) {
            if (wiped) {
                current.close();
                return;
            }
            replace(current);
        }
        try {
            while (true) {
                if (current.full()) {
                    current = grow(current, what);
                    if (current == null) {
                        return;
                    }
                }
                if (!Fds.await(fd, Sys.POLLIN, POLL_SLICE_MILLIS)) {
                    if (wiped) {
                        return;
                    }
                    continue;
                }
                synchronized (lock) {
                    if (wiped) {
                        return;
                    }
                    long n = current.readOnce(fd);
                    if (n == 0) {
                        break;
                    }
                }
            }
        } catch (NativeException e) {
            wipeHeld();
            throw new SecretLoadException("dazai: reading the secret from " + what + " failed: " + e.getMessage(), e);
        }
        synchronized (lock) {
            if (!wiped && current.length() == 0) {
                wipeHeld();
                throw new SecretLoadException("dazai: the secret from " + what + " is empty; " + fix);
            }
        }
    }

    /** Moves the bytes into a buffer twice as large, natively, and wipes the old one. Null if wiped meanwhile. */
    private LockedBuffer grow(LockedBuffer current, String what) {
        long cap = current.capacity();
        if (cap >= options.maxBytes()) {
            wipeHeld();
            throw new SecretLoadException("dazai: the secret from " + what + " is over the " + options.maxBytes()
                    + "-byte limit; pass a smaller secret");
        }
        LockedBuffer bigger = allocate(Math.min(cap * 2, options.maxBytes()));
        synchronized (lock) {
            if (wiped) {
                bigger.close();
                return null;
            }
            bigger.copyFrom(current);
            replace(bigger);
        }
        return bigger;
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
        synchronized (lock) {
            kind = b.kind();
            if (b.lockRefusal().isPresent() && !warned) {
                warned = true;
                journal.record(JournalEntry.of(JournalEntry.Kind.WARNING,
                        "secret memory is NOT locked and may be swapped to disk: " + b.lockRefusal().get()
                                + "; raise the limit (ulimit -l) or pass --require-lock to refuse"));
            }
        }
        return b;
    }

    /** Holds {@code fresh} from now on; the previous buffer is wiped and unmapped. Under the lock. */
    private void replace(LockedBuffer fresh) {
        LockedBuffer old = buffer;
        buffer = fresh;
        if (old != null && old != fresh) {
            old.close();
        }
    }

    private void wipeHeld() {
        synchronized (lock) {
            if (buffer != null) {
                buffer.close();
                buffer = null;
            }
        }
    }

    @Override
    public void wipe() {
        wiped = true;
        wipeHeld();
    }

    @Override
    public long size() {
        synchronized (lock) {
            return buffer == null ? 0 : buffer.length();
        }
    }

    /** Writes the secret to {@code fd} (an {@code --exec} child's pipe) with write(2) from the mapping. */
    public void drainTo(int fd) {
        synchronized (lock) {
            if (buffer == null) {
                throw new IllegalStateException("no secret held");
            }
            buffer.drainTo(fd);
        }
    }

    /** The protection in force now, from /proc/self/smaps ("none" kind before a load). */
    public Protections protections() {
        synchronized (lock) {
            return buffer == null ? Protections.none(kind) : buffer.protections();
        }
    }

    /** "secretmem" or "anonymous" for the memory used by the last load; "none" before any. */
    public String kind() {
        synchronized (lock) {
            return kind;
        }
    }
}
