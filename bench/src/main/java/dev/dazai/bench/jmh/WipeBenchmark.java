package dev.dazai.bench.jmh;

import dev.dazai.adapters.out.memory.LockedBuffer;
import dev.dazai.adapters.out.memory.MemoryOptions;
import java.util.concurrent.TimeUnit;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Platform;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The wipe of a locked buffer (unprotect, {@code explicit_bzero}, protect again) against a plain
 * libc {@code memset} of an ordinary anonymous mapping of the same size, in the same run. The
 * ratio of the two is the figure that matters; absolute times depend on the machine.
 *
 * <p>Two more variants split the wipe into its parts, so the report can say where the time goes:
 * {@code plainBzero} is {@code explicit_bzero} alone on the plain mapping (the zeroing), and
 * {@code mprotectPair} is the two {@code mprotect} calls alone (PROT_NONE while idle, then back),
 * which a locked buffer pays on every wipe. {@code protectThenMemset} is that pair followed by a
 * {@code memset} of the plain mapping: on some machines (VMs among them) the first write to each page
 * after an mprotect pair costs far more than the write itself, so this, not bare {@code memset}, is
 * the floor for any buffer that is kept PROT_NONE at rest, as DESIGN.md requires of the secret.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Xmx256m")
public class WipeBenchmark {

    /** The two libc calls the baseline needs; the project's own binding has no plain memset on purpose. */
    public interface Baseline {
        long mmap(jnr.ffi.Pointer addr, long length, int prot, int flags, int fd, long offset);

        int munmap(long addr, long length);

        long memset(long addr, int c, long n);

        void explicit_bzero(long addr, long n);

        int mprotect(long addr, long len, int prot);
    }

    private static final int PROT_NONE = 0;
    private static final int PROT_RW = 0x1 | 0x2;
    private static final int MAP_PRIVATE_ANONYMOUS = 0x02 | 0x20;

    @Param({"4096", "1048576", "268435456"})
    public long bytes;

    private LockedBuffer locked;
    private Baseline libc;
    private long plain;

    @Setup(Level.Trial)
    public void map() {
        locked = LockedBuffer.allocate(bytes, new MemoryOptions(false, bytes, true));
        locked.fillRandom();
        libc = LibraryLoader.create(Baseline.class).load(Platform.getNativePlatform().getStandardCLibraryName());
        plain = libc.mmap(null, bytes, PROT_RW, MAP_PRIVATE_ANONYMOUS, -1, 0);
        if (plain == -1) {
            throw new IllegalStateException("mmap of the baseline failed");
        }
        libc.memset(plain, 0x5a, bytes);
    }

    @Benchmark
    public void lockedWipe() {
        locked.wipe();
    }

    @Benchmark
    public long nativeMemset() {
        return libc.memset(plain, 0, bytes);
    }

    @Benchmark
    public void plainBzero() {
        libc.explicit_bzero(plain, bytes);
    }

    @Benchmark
    public int mprotectPair() {
        return libc.mprotect(plain, bytes, PROT_NONE) | libc.mprotect(plain, bytes, PROT_RW);
    }

    /** What any buffer kept PROT_NONE at rest must pay to be zeroed: unprotect-protect, then the writes. */
    @Benchmark
    public long protectThenMemset() {
        libc.mprotect(plain, bytes, PROT_NONE);
        libc.mprotect(plain, bytes, PROT_RW);
        return libc.memset(plain, 0, bytes);
    }

    @TearDown(Level.Trial)
    public void unmap() {
        System.out.println("\n[wipe] buffer " + bytes + " bytes: " + locked.kind() + ", " + locked.protections());
        locked.close();
        libc.munmap(plain, bytes);
    }
}
