package dev.dazai.adapters.out.memory;

import static dev.dazai.adapters.nativ.Sys.MADV_DONTDUMP;
import static dev.dazai.adapters.nativ.Sys.MADV_DONTFORK;
import static dev.dazai.adapters.nativ.Sys.MADV_WIPEONFORK;
import static dev.dazai.adapters.nativ.Sys.MAP_ANONYMOUS;
import static dev.dazai.adapters.nativ.Sys.MAP_FAILED;
import static dev.dazai.adapters.nativ.Sys.MAP_FIXED;
import static dev.dazai.adapters.nativ.Sys.MAP_NORESERVE;
import static dev.dazai.adapters.nativ.Sys.MAP_PRIVATE;
import static dev.dazai.adapters.nativ.Sys.MAP_SHARED;
import static dev.dazai.adapters.nativ.Sys.PROT_NONE;
import static dev.dazai.adapters.nativ.Sys.PROT_READ;
import static dev.dazai.adapters.nativ.Sys.PROT_WRITE;

import dev.dazai.adapters.nativ.Errnos;
import dev.dazai.adapters.nativ.Fds;
import dev.dazai.adapters.nativ.LibC;
import dev.dazai.adapters.nativ.Limits;
import dev.dazai.adapters.nativ.Native;
import dev.dazai.adapters.nativ.NativeException;
import dev.dazai.adapters.nativ.Sys;
import java.util.List;
import java.util.Optional;
import jnr.ffi.Pointer;

/**
 * A few pages of native memory for a secret, after memguard: allocate, fill, drain, wipe, close.
 *
 * <p>Layout: {@code [guard page][data pages][guard page]}, the guards mapped with no access so an
 * overrun faults instead of reading a neighbour. The data pages come from {@code memfd_secret}
 * when the kernel has it (they leave the kernel's direct map, and come back locked and
 * don't-dump), else from private anonymous memory that is {@code mlock}ed, {@code MADV_DONTDUMP}
 * and {@code MADV_WIPEONFORK}. Between calls the data pages are {@code PROT_NONE}: a stray pointer
 * in the JVM cannot read them. The bytes move only by {@code read(2)}, {@code getrandom(2)} and
 * {@code write(2)} on the native address, so the plaintext never passes through a Java array.
 *
 * <p>Thread-safe: every method holds the buffer's monitor.
 */
public final class LockedBuffer implements AutoCloseable {

    public static final String SECRETMEM = "secretmem";
    public static final String ANONYMOUS = "anonymous";

    private final long base;
    private final long total;
    private final long data;
    private final long mapped;
    private final long capacity;
    private final String kind;
    private final boolean mlocked;
    private final String lockRefusal;
    private final String secretMemRefusal;
    private long length;
    private boolean closed;

    private LockedBuffer(long base, long total, long data, long mapped, long capacity, String kind,
            boolean mlocked, String lockRefusal, String secretMemRefusal) {
        this.base = base;
        this.total = total;
        this.data = data;
        this.mapped = mapped;
        this.capacity = capacity;
        this.kind = kind;
        this.mlocked = mlocked;
        this.lockRefusal = lockRefusal;
        this.secretMemRefusal = secretMemRefusal;
    }

    /**
     * Maps {@code bytes} of protected memory (rounded up to whole pages, guards around).
     *
     * @throws LockRefusedException if locking is required and the kernel refuses it
     * @throws NativeException      if the memory cannot be mapped at all
     */
    public static LockedBuffer allocate(long bytes, MemoryOptions opts) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("a buffer holds at least one byte: " + bytes);
        }
        LibC c = Native.libc();
        long page = c.getpagesize();
        long mapped = (bytes + page - 1) / page * page;
        long total = mapped + 2 * page;
        // Unprivileged processes may raise the soft limit to the hard one; most systems ship a
        // small soft limit (often 64 KiB or 8 MiB) under a larger hard one.
        Limits.raiseSoftToHard(Sys.RLIMIT_MEMLOCK);
        long base = c.mmap(null, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (base == MAP_FAILED) {
            throw Native.failure("mmap");
        }
        long data = base + page;
        try {
            String secretMemRefusal = opts.preferSecretMem()
                    ? mapSecretMem(c, data, mapped)
                    : "not tried (anonymous memory requested)";
            String kind = secretMemRefusal == null ? SECRETMEM : ANONYMOUS;
            boolean mlocked = false;
            String lockRefusal = null;
            if (kind.equals(ANONYMOUS)) {
                mapAnonymous(c, data, mapped);
                if (c.mlock(data, mapped) == 0) {
                    mlocked = true;
                } else {
                    lockRefusal = describeRefusal(Native.errno(), mapped);
                    if (opts.requireLock()) {
                        throw new LockRefusedException(lockRefusal);
                    }
                }
                if (Native.isLinux()) {
                    // Failures here are not fatal: protections() reports what was obtained.
                    c.madvise(data, mapped, MADV_DONTDUMP);
                    c.madvise(data, mapped, MADV_WIPEONFORK);
                }
            } else {
                // Shared mapping: WIPEONFORK is EINVAL there, so a child gets no mapping at all.
                c.madvise(data, mapped, MADV_DONTFORK);
            }
            protect(c, data, mapped, PROT_NONE);
            return new LockedBuffer(base, total, data, mapped, bytes, kind, mlocked, lockRefusal,
                    secretMemRefusal);
        } catch (RuntimeException e) {
            c.munmap(base, total);
            throw e;
        }
    }

    /** Maps secretmem over the data pages; null on success, else why not. */
    private static String mapSecretMem(LibC c, long data, long mapped) {
        if (!Native.isLinux()) {
            return "not Linux";
        }
        // O_CLOEXEC is the only flag memfd_secret takes (FD_CLOEXEC's value gives EINVAL).
        int fd = (int) c.syscall(Sys.SYS_MEMFD_SECRET, Sys.O_CLOEXEC, 0, 0, 0);
        if (fd < 0) {
            return "memfd_secret: " + Errnos.name(Native.errno());
        }
        try {
            if (c.ftruncate(fd, mapped) != 0) {
                return "ftruncate: " + Errnos.name(Native.errno());
            }
            long p = c.mmap(Native.at(data), mapped, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
            if (p == MAP_FAILED) {
                // EAGAIN here is RLIMIT_MEMLOCK: secretmem pages are charged as locked memory.
                return "mmap of secretmem: " + Errnos.name(Native.errno());
            }
            return null;
        } finally {
            c.close(fd);
        }
    }

    private static void mapAnonymous(LibC c, long data, long mapped) {
        // MAP_FIXED also replaces whatever a failed secretmem mmap may have left in the range.
        long p = c.mmap(Native.at(data), mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
        if (p == MAP_FAILED) {
            throw Native.failure("mmap");
        }
    }

    private static String describeRefusal(int errno, long mapped) {
        Limits.Limit limit = Limits.get(Sys.RLIMIT_MEMLOCK);
        return "mlock of " + mapped + " bytes refused: " + Errnos.name(errno)
                + " (RLIMIT_MEMLOCK soft " + Limits.describe(limit.soft())
                + ", hard " + Limits.describe(limit.hard()) + ")";
    }

    private static void protect(LibC c, long addr, long len, int prot) {
        if (c.mprotect(addr, len, prot) != 0) {
            throw Native.failure("mprotect");
        }
    }

    // ---- filling ---------------------------------------------------------------------------

    /**
     * Appends from {@code fd} with {@code read(2)} straight into the mapping until the buffer is
     * full, the input ends, or (non-blocking fd) nothing more is ready. Returns the bytes read.
     */
    public synchronized long fillFrom(int fd) {
        ensureOpen();
        long before = length;
        LibC c = Native.libc();
        protect(c, data, mapped, PROT_READ | PROT_WRITE);
        try {
            while (length < capacity) {
                long n = c.read(fd, data + length, capacity - length);
                if (n > 0) {
                    length += n;
                } else if (n == 0) {
                    break;
                } else {
                    int err = Native.errno();
                    if (err == Errnos.EAGAIN) {
                        break;
                    }
                    if (err != Errnos.EINTR) {
                        throw new NativeException("read", err);
                    }
                }
            }
        } finally {
            protect(c, data, mapped, PROT_NONE);
        }
        return length - before;
    }

    /**
     * One {@code read(2)} into the free space: bytes read, 0 at end of input, -1 if a non-blocking
     * fd had nothing ready. The caller makes room first ({@link #full()}).
     */
    synchronized long readOnce(int fd) {
        ensureOpen();
        if (length >= capacity) {
            throw new IllegalStateException("buffer full");
        }
        LibC c = Native.libc();
        protect(c, data, mapped, PROT_READ | PROT_WRITE);
        try {
            while (true) {
                long n = c.read(fd, data + length, capacity - length);
                if (n >= 0) {
                    length += n;
                    return n;
                }
                int err = Native.errno();
                if (err == Errnos.EAGAIN) {
                    return -1;
                }
                if (err != Errnos.EINTR) {
                    throw new NativeException("read", err);
                }
            }
        } finally {
            protect(c, data, mapped, PROT_NONE);
        }
    }

    /** Fills the whole capacity from the kernel's CSPRNG with {@code getrandom(2)}. */
    public synchronized void fillRandom() {
        ensureOpen();
        LibC c = Native.libc();
        protect(c, data, mapped, PROT_READ | PROT_WRITE);
        try {
            long done = 0;
            while (done < capacity) {
                long n = c.getrandom(data + done, capacity - done, 0);
                if (n > 0) {
                    done += n;
                } else if (Native.errno() != Errnos.EINTR) {
                    throw Native.failure("getrandom");
                }
            }
            length = capacity;
        } finally {
            protect(c, data, mapped, PROT_NONE);
        }
    }

    /** Copies another buffer's bytes in natively (to grow a secret without a Java copy). */
    synchronized void copyFrom(LockedBuffer source) {
        ensureOpen();
        synchronized (source) {
            source.ensureOpen();
            if (source.length > capacity) {
                throw new IllegalArgumentException("source longer than this buffer");
            }
            LibC c = Native.libc();
            protect(c, data, mapped, PROT_READ | PROT_WRITE);
            protect(c, source.data, source.mapped, PROT_READ);
            try {
                c.memcpy(data, source.data, source.length);
                length = source.length;
            } finally {
                protect(c, source.data, source.mapped, PROT_NONE);
                protect(c, data, mapped, PROT_NONE);
            }
        }
    }

    // ---- draining --------------------------------------------------------------------------

    /**
     * One {@code write(2)} of the held bytes from {@code offset} on, straight from the mapping:
     * the bytes written (0 if none are left), or -1 if a non-blocking {@code fd} is full. Throws
     * {@link NativeException} on any other failure ({@code EPIPE}: the reader is gone).
     */
    public synchronized long writeSome(int fd, long offset) {
        ensureOpen();
        if (offset >= length) {
            return 0;
        }
        LibC c = Native.libc();
        protect(c, data, mapped, PROT_READ);
        try {
            while (true) {
                long n = c.write(fd, data + offset, length - offset);
                if (n >= 0) {
                    return n;
                }
                int err = Native.errno();
                if (err == Errnos.EAGAIN) {
                    return -1;
                }
                if (err != Errnos.EINTR) {
                    throw new NativeException("write", err);
                }
            }
        } finally {
            protect(c, data, mapped, PROT_NONE);
        }
    }

    /**
     * Writes all the held bytes to {@code fd}; all or an exception. On a non-blocking fd the
     * waits for room happen outside this buffer's monitor, so a wipe never waits for a reader.
     */
    public void drainTo(int fd) {
        long done = 0;
        while (true) {
            long n;
            synchronized (this) {
                ensureOpen();
                if (done >= length) {
                    return;
                }
                n = writeSome(fd, done);
            }
            if (n > 0) {
                done += n;
            } else if (n < 0) {
                Fds.await(fd, Sys.POLLOUT, 1000);
            }
        }
    }

    // ---- wiping ----------------------------------------------------------------------------

    /** Zeroes every mapped byte with {@code explicit_bzero}, which no compiler may elide. Idempotent. */
    public synchronized void wipe() {
        if (closed) {
            return;
        }
        LibC c = Native.libc();
        protect(c, data, mapped, PROT_READ | PROT_WRITE);
        try {
            c.explicit_bzero(data, mapped);
            length = 0;
        } finally {
            protect(c, data, mapped, PROT_NONE);
        }
    }

    /** True if every mapped byte is zero (checks the memory itself, for tests and status). */
    public synchronized boolean allZero() {
        ensureOpen();
        LibC c = Native.libc();
        protect(c, data, mapped, PROT_READ);
        try {
            Pointer p = jnr.ffi.Runtime.getSystemRuntime().getMemoryManager().newPointer(data, mapped);
            for (long off = 0; off < mapped; off += Long.BYTES) {
                if (p.getLong(off) != 0) {
                    return false;
                }
            }
            return true;
        } finally {
            protect(c, data, mapped, PROT_NONE);
        }
    }

    /** Wipes, unlocks and unmaps. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        wipe();
        LibC c = Native.libc();
        if (mlocked) {
            c.munlock(data, mapped);
        }
        c.munmap(base, total);
        closed = true;
    }

    // ---- what it is ------------------------------------------------------------------------

    /** "secretmem" or "anonymous". */
    public String kind() {
        return kind;
    }

    /** Bytes held now. */
    public synchronized long length() {
        return length;
    }

    /** Bytes it can hold (what {@link #allocate} was asked for). */
    public long capacity() {
        return capacity;
    }

    public synchronized boolean full() {
        return length >= capacity;
    }

    public synchronized boolean isClosed() {
        return closed;
    }

    /** Why the pages are not locked, if they are not (anonymous memory only). */
    public Optional<String> lockRefusal() {
        return Optional.ofNullable(lockRefusal);
    }

    /** Why memfd_secret was not used, if it was not. */
    public Optional<String> secretMemRefusal() {
        return Optional.ofNullable(secretMemRefusal);
    }

    /** The data's address, for tests that poke at it from outside ({@code /proc/self/mem}). */
    long address() {
        return data;
    }

    /** Reads the protection actually in force from {@code /proc/self/smaps}. */
    public synchronized Protections protections() {
        if (closed || !Native.isLinux()) {
            return Protections.none(kind);
        }
        List<Smaps.Mapping> maps = Smaps.read();
        Optional<Smaps.Mapping> mine = Smaps.containing(maps, data);
        if (mine.isEmpty()) {
            return Protections.none(kind);
        }
        Smaps.Mapping m = mine.get();
        boolean before = Smaps.containing(maps, data - 1).filter(g -> g != m && g.noAccess()).isPresent();
        boolean after = Smaps.containing(maps, data + mapped).filter(g -> g != m && g.noAccess()).isPresent();
        return new Protections(kind,
                m.flags().contains("lo"),
                m.flags().contains("dd"),
                m.name().contains("secretmem"),
                before && after,
                m.flags().contains("wf"),
                m.flags().contains("dc"),
                m.lockedKb());
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("buffer closed");
        }
    }
}
