package dev.dazai.adapters.in.signal;

import dev.dazai.adapters.nativ.Errnos;
import dev.dazai.adapters.nativ.Native;
import jnr.ffi.Platform;
import jnr.ffi.Pointer;

/**
 * What the kernel does with a signal (its handler word: SIG_DFL, SIG_IGN or a function), read and
 * set through the raw {@code rt_sigaction} system call on Linux.
 *
 * <p>Raw, because glibc's {@code sigaction} refuses 32 and 33 with EINVAL: glibc keeps them for
 * itself (thread cancellation and set*id across threads) and starts its SIGRTMIN at 34, yet the
 * kernel delivers them like any other real-time signal, default action "terminate". The kernel's
 * {@code struct sigaction} on x86_64 and aarch64 is handler, flags, restorer, then an 8-byte mask;
 * only SIG_DFL and SIG_IGN are ever set here, which need no restorer. Elsewhere (macOS, other
 * CPUs) the C library's sigaction is used, which has no 32 or 33 to refuse.
 */
final class Dispositions {

    static final long SIG_DFL = 0;
    static final long SIG_IGN = 1;
    /** Returned by {@link #get} when the kernel would not say. */
    static final long UNKNOWN = -1;

    /** The kernel's struct sigaction: four 8-byte words. */
    private static final int KERNEL_SIGACTION_BYTES = 32;
    /** sizeof(kernel sigset_t) on both CPUs, which rt_sigaction checks. */
    private static final long KERNEL_SIGSET_BYTES = 8;
    /** glibc's struct sigaction, for the fallback: 152 bytes on Linux, 16 on macOS; the handler comes first. */
    private static final int LIBC_SIGACTION_BYTES = 152;

    /** rt_sigaction's number on this CPU, or -1 where it is not known here (then the C library is used). */
    private final long rtSigaction;

    Dispositions() {
        this.rtSigaction = rtSigactionNumber();
    }

    private static long rtSigactionNumber() {
        if (!Native.isLinux()) {
            return -1;
        }
        return switch (Platform.getNativePlatform().getCPU()) {
            case X86_64 -> 13;
            case AARCH64 -> 134;
            default -> -1;
        };
    }

    /** True if 32 and 33 can be read and set here (Linux on x86_64 or aarch64). */
    boolean raw() {
        return rtSigaction >= 0;
    }

    /** The handler word of {@code number}'s disposition, or {@link #UNKNOWN}. */
    long get(int number) {
        if (raw()) {
            Pointer old = Native.scratch(KERNEL_SIGACTION_BYTES);
            long rc = Native.libc().syscall(rtSigaction, number, 0, old.address(), KERNEL_SIGSET_BYTES);
            return rc == 0 ? old.getLong(0) : UNKNOWN;
        }
        Pointer old = Native.scratch(LIBC_SIGACTION_BYTES);
        return Native.libc().sigaction(number, null, old) == 0 ? old.getLong(0) : UNKNOWN;
    }

    /** Sets SIG_DFL or SIG_IGN (flags and mask empty); null if done, else errno's name. */
    String set(int number, long handler) {
        if (handler != SIG_DFL && handler != SIG_IGN) {
            throw new IllegalArgumentException("only SIG_DFL or SIG_IGN, not " + handler);
        }
        if (raw()) {
            Pointer act = Native.scratch(KERNEL_SIGACTION_BYTES);
            act.putLong(0, handler);
            long rc = Native.libc().syscall(rtSigaction, number, act.address(), 0, KERNEL_SIGSET_BYTES);
            return rc == 0 ? null : Errnos.name(Native.errno());
        }
        Pointer act = Native.scratch(LIBC_SIGACTION_BYTES);
        act.putLong(0, handler);
        return Native.libc().sigaction(number, act, null) == 0 ? null : Errnos.name(Native.errno());
    }
}
