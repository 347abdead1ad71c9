package dev.dazai.kernel.port.in;

import dev.dazai.kernel.domain.Mode;
import dev.dazai.kernel.domain.State;
import dev.dazai.kernel.domain.Window;
import dev.dazai.kernel.port.in.Presence.Session;
import dev.dazai.kernel.port.out.Holder;
import java.util.List;
import java.util.OptionalLong;

/**
 * What STATUS reports about the switch itself: a recent snapshot, never a decision.
 *
 * @param window               why a grace window is pending ({@link Window#None} when none is)
 * @param graceRemainingMillis time left in a pending grace window, empty when none is pending
 * @param heartbeatPid         the real PID (SO_PEERCRED) of the connection holding the slot, empty when free
 * @param lastPingAgoMillis    time since the slot holder last showed life, empty when the slot is free
 * @param sessions             the sessions that keep the switch attached, oldest first
 * @param secrets              the named secrets held, in the order they came
 */
public record Status(
        State state,
        Mode mode,
        long graceMillis,
        long pingTimeoutMillis,
        Window window,
        OptionalLong graceRemainingMillis,
        OptionalLong heartbeatPid,
        OptionalLong lastPingAgoMillis,
        List<Session> sessions,
        List<Holder> holders,
        List<SecretEntry> secrets,
        long secretBytes) {

    public Status {
        sessions = List.copyOf(sessions);
        holders = List.copyOf(holders);
        secrets = List.copyOf(secrets);
    }

    /** A secret by name and size; never its bytes. */
    public record SecretEntry(String name, long bytes) {
    }
}
