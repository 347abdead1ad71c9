package dev.dazai.kernel.domain;

/**
 * The transition table behind an interface of the kernel's own, so the Spring machine can be
 * replaced without touching a caller. Only the kernel thread calls {@link #apply}.
 */
public interface SwitchMachine {

    /** Builds and starts the machine in {@link State#Starting}. */
    void start();

    /** Sends one event; false if the table has no transition for it in the current state (DENIED). */
    boolean apply(Event event);

    State state();

    /**
     * Takes a scratch machine of the same table through one path to the kill sequence and drops
     * it, so the live machine's first fire does not pay for the library's first use (class
     * linking, lambdas, reactive plumbing). Never touches the live machine; safe to skip.
     */
    default void warmUp() {
    }

    /** How many {@link #warmUp} calls make the fire path warm (0: nothing to warm). */
    default int warmUpCalls() {
        return 0;
    }
}
