package dev.dazai.adapters.out.memory;

/**
 * How secret memory is obtained.
 *
 * @param requireLock     refuse to hold a secret in memory that could not be locked (--require-lock)
 *                        instead of warning once and going on
 * @param maxBytes        the largest secret accepted; a longer input is refused, not truncated
 * @param preferSecretMem try memfd_secret first (false forces plain anonymous memory, for tests and
 *                        for kernels where secretmem misbehaves)
 */
public record MemoryOptions(boolean requireLock, long maxBytes, boolean preferSecretMem) {

    /** 1 MiB: far above any key or token, far below what mlock limits usually allow. */
    public static final long DEFAULT_MAX_BYTES = 1L << 20;

    public MemoryOptions {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxBytes must be positive: " + maxBytes);
        }
    }

    public MemoryOptions(boolean requireLock, long maxBytes) {
        this(requireLock, maxBytes, true);
    }

    public static MemoryOptions defaults() {
        return new MemoryOptions(false, DEFAULT_MAX_BYTES, true);
    }

    public MemoryOptions anonymousOnly() {
        return new MemoryOptions(requireLock, maxBytes, false);
    }
}
