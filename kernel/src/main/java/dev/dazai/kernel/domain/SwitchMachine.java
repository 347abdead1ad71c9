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
}
