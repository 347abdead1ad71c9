package dev.dazai.app.cli;

/**
 * The exit statuses dazai promises (DESIGN.md, CLI). An armed fire has none: it ends by SIGKILL,
 * which a shell reports as 137.
 */
public final class ExitCodes {

    /** Clean stop, finished rehearsal, or a client command that did what it was asked. */
    public static final int OK = 0;
    /** The daemon answered but refused: BUSY, ERR, a signal it does not handle, nothing to cancel. */
    public static final int REFUSED = 1;
    /** Bad command line. */
    public static final int USAGE = 2;
    /**
     * The environment is not as needed: socket taken, path too long, lock refused, no daemon,
     * missing file, JFR on, a socket directory or daemon that is not yours.
     */
    public static final int ENVIRONMENT = 3;

    private ExitCodes() {
    }
}
