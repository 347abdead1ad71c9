package dev.dazai.kernel.port.out;

/** A holder could not be pinned: no such process, start time mismatch, or not permitted. */
public final class RegistrationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public RegistrationException(String message) {
        super(message);
    }
}
