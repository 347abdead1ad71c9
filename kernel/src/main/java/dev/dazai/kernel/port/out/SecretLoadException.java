package dev.dazai.kernel.port.out;

/** The secret could not be loaded: missing file, empty input, refused lock. The message is for people. */
public final class SecretLoadException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SecretLoadException(String message) {
        super(message);
    }

    public SecretLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
