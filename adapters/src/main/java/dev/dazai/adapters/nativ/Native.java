package dev.dazai.adapters.nativ;

import jnr.ffi.LibraryLoader;
import jnr.ffi.LibraryOption;
import jnr.ffi.Memory;
import jnr.ffi.Platform;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * The one way into the C library: the jnr binding, errno, and scratch memory for small structs.
 *
 * <p>The binding lives in a static final field because it is a constant, not state: it holds no
 * value that changes, and loading it costs a generated class per load, which a per-adapter
 * instance would repeat. errno is per thread in both libc and jnr, so sharing it is safe.
 */
public final class Native {

    private Native() {
    }

    private static final class Binding {
        static final LibC LIBC = LibraryLoader.create(LibC.class)
                .option(LibraryOption.SaveError, Boolean.TRUE)
                .load(Platform.getNativePlatform().getStandardCLibraryName());
        static final Runtime RUNTIME = Runtime.getRuntime(LIBC);
    }

    public static LibC libc() {
        return Binding.LIBC;
    }

    /** errno of the last call on this thread. */
    public static int errno() {
        return Binding.RUNTIME.getLastError();
    }

    /** Zeroed native memory for a struct a call reads or fills; freed when unreachable. */
    public static Pointer scratch(int bytes) {
        return Memory.allocateDirect(Binding.RUNTIME, bytes, true);
    }

    /** A jnr Pointer for an address, for the calls that take one (null for 0). */
    public static Pointer at(long address) {
        return address == 0 ? null : Pointer.wrap(Binding.RUNTIME, address);
    }

    public static boolean isLinux() {
        return Platform.getNativePlatform().getOS() == Platform.OS.LINUX;
    }

    /** The exception for a failed call, carrying errno read right now (call it first thing). */
    public static NativeException failure(String call) {
        return new NativeException(call, errno());
    }

    /** Throws for a negative return value, else passes it through. */
    public static long check(String call, long rc) {
        if (rc < 0) {
            throw failure(call);
        }
        return rc;
    }
}
