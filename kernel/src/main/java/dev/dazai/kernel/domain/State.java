package dev.dazai.kernel.domain;

/**
 * The switch's states, named as in spec/DeadMan.tla. {@code Fired} is not a state of its own
 * here: it is the four steps of the sequence, {@link #Killing} to {@link #Dying}.
 */
public enum State {
    Starting,
    Loading,
    Waiting,
    Attached,
    Grace,
    Killing,
    Wiping,
    Unlinking,
    Dying,
    Rehearsed,
    Stopped;

    /** True once the sequence has started: nothing cancels it from here. */
    public boolean isFired() {
        return this == Killing || this == Wiping || this == Unlinking || this == Dying || this == Rehearsed;
    }

    /** True when the process is about to end, cleanly or not. */
    public boolean isTerminal() {
        return isFired() || this == Stopped;
    }
}
