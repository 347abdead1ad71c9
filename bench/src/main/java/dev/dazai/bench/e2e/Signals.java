package dev.dazai.bench.e2e;

import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;

/** kill(2) from the harness: Java can send TERM and KILL to a child, but not USR2. */
public final class Signals {

    public static final int SIGKILL = 9;
    public static final int SIGUSR2 = 12;
    public static final int SIGTERM = 15;

    private final POSIX posix = POSIXFactory.getNativePOSIX();

    /** Sends the signal; false if kill(2) refused (the process is gone). */
    public boolean send(long pid, int signal) {
        return posix.kill((int) pid, signal) == 0;
    }
}
