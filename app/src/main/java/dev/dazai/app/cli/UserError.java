package dev.dazai.app.cli;

/**
 * A failure meant for people: printed as one line {@code dazai: <what went wrong>; <what to do>}
 * on stderr, and the process exits with {@link #exitCode()}. No stack trace: the message is the help.
 */
public final class UserError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int exitCode;

    public UserError(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public static UserError usage(String message) {
        return new UserError(ExitCodes.USAGE, message);
    }

    public static UserError environment(String message) {
        return new UserError(ExitCodes.ENVIRONMENT, message);
    }

    public static UserError refused(String message) {
        return new UserError(ExitCodes.REFUSED, message);
    }

    public int exitCode() {
        return exitCode;
    }

    /** The line as printed, with the "dazai: " prefix added once. */
    public String line() {
        return oneLine(getMessage());
    }

    /** Prefixes "dazai: " unless the text already has it (adapters' messages sometimes do). */
    public static String oneLine(String message) {
        String m = message == null ? "failed" : message.strip().replace('\n', ' ');
        return m.startsWith("dazai: ") ? m : "dazai: " + m;
    }
}
