package dev.dazai.adapters.nativ;

/** A system call that failed, with its errno and the errno's name (ENOMEM, EPERM, ...). */
public final class NativeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String call;
    private final int errno;

    public NativeException(String call, int errno) {
        super(call + ": " + Errnos.describe(errno));
        this.call = call;
        this.errno = errno;
    }

    public String call() {
        return call;
    }

    public int errno() {
        return errno;
    }

    /** The symbolic name of {@link #errno()}, e.g. "ENOMEM". */
    public String errnoName() {
        return Errnos.name(errno);
    }
}
