package dev.dazai.kernel.port.out;

/** The end of the process. Both flush the journal first; neither returns in production. */
public interface SelfTerminator {

    /** Armed: SIGKILL self, so nothing (no hook, no finalizer) runs after the wipe. */
    void die();

    /**
     * Clean stop, aborted start or finished rehearsal: exit with {@code status}. {@code lastWords},
     * if not empty, is the one line for people (why start-up failed), written after the journal.
     */
    void exit(int status, String lastWords);
}
