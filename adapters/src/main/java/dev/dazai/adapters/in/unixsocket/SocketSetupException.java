package dev.dazai.adapters.in.unixsocket;

/**
 * The sockets cannot be set up: the directory is unsafe, a path is too long, or another daemon is
 * listening. The message is one line for people, naming the fix; the CLI exits with
 * {@link #EXIT_CODE} (environment).
 */
public final class SocketSetupException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** DESIGN.md's exit code for environment problems. */
    public static final int EXIT_CODE = 3;

    public SocketSetupException(String message) {
        super(message);
    }

    public SocketSetupException(String message, Throwable cause) {
        super(message, cause);
    }

    public int exitCode() {
        return EXIT_CODE;
    }
}
