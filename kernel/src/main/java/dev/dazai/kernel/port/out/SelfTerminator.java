package dev.dazai.kernel.port.out;

/** The end of the process. Both flush the journal first; neither returns in production. */
public interface SelfTerminator {

    /** Armed: SIGKILL self, so nothing (no hook, no finalizer) runs after the wipe. */
    void die();

    /** Clean stop or finished rehearsal: exit with the given status. */
    void exit(int status);
}
