package dev.dazai.adapters.out.memory;

/** Locking was required ({@link MemoryOptions#requireLock()}) and the kernel refused it. */
public final class LockRefusedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public LockRefusedException(String message) {
        super(message);
    }
}
