package dev.dazai.kernel.port.out;

import java.util.List;

/**
 * The processes that must die before the secret is wiped. An adapter holds each one by identity
 * (a pidfd), never by bare PID number, so a recycled PID is reported gone and left alone.
 */
public interface HolderKiller {

    /**
     * Pins the process now, and with {@link Holder.Reach#TREE} contains it so that everything it
     * starts dies with it. Throws {@link RegistrationException} if it does not exist, its start time
     * differs, or it is the daemon itself or one of its ancestors.
     */
    Holder register(Pin pin, Holder.Reach reach);

    /** Forgets a holder; false if it was not registered. */
    boolean unregister(long pid);

    /** The holders registered now, in registration order. */
    List<Holder> holders();

    /** SIGKILLs every registered holder that is still the same process, trees whole; one outcome per process. */
    List<KillOutcome> killAll();

    /** What {@link #killAll} would do, sending nothing: WOULD_KILL or GONE per holder (dry-run). */
    List<KillOutcome> rehearseKillAll();
}
