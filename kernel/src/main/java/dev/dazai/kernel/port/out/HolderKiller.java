package dev.dazai.kernel.port.out;

import java.util.List;
import java.util.OptionalLong;

/**
 * The processes that must die before the secret is wiped. An adapter holds each one by identity
 * (a pidfd), never by bare PID number, so a recycled PID is reported gone and left alone.
 */
public interface HolderKiller {

    /** Pins the process now. Throws {@link RegistrationException} if it does not exist or its start time differs. */
    Holder register(long pid, OptionalLong startTime);

    /** Forgets a holder; false if it was not registered. */
    boolean unregister(long pid);

    /** The holders registered now, in registration order. */
    List<Holder> holders();

    /** SIGKILLs every registered holder that is still the same process; one outcome per holder. */
    List<KillOutcome> killAll();

    /** What {@link #killAll} would do, sending nothing: WOULD_KILL or GONE per holder (dry-run). */
    List<KillOutcome> rehearseKillAll();
}
