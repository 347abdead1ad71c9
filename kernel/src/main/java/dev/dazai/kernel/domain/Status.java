package dev.dazai.kernel.domain;

import dev.dazai.kernel.port.out.Holder;
import java.util.List;
import java.util.OptionalLong;

/**
 * What STATUS reports about the switch itself.
 *
 * @param graceRemainingMillis time left in a pending grace window, empty when none is pending
 * @param heartbeatPid         PID the attached heartbeat gave in HELLO, empty when the slot is free
 * @param lastPingAgoMillis    time since the last HELLO or PING on the slot, empty when the slot is free
 */
public record Status(
        State state,
        Mode mode,
        long graceMillis,
        long pingTimeoutMillis,
        OptionalLong graceRemainingMillis,
        OptionalLong heartbeatPid,
        OptionalLong lastPingAgoMillis,
        List<Holder> holders,
        long secretBytes) {

    public Status {
        holders = List.copyOf(holders);
    }
}
