package dev.dazai.app.daemon;

import dev.dazai.adapters.out.memory.Protections;
import dev.dazai.app.client.Json;
import dev.dazai.kernel.port.in.Presence.Session;
import dev.dazai.kernel.port.in.Status;
import dev.dazai.kernel.port.out.Holder;
import java.util.OptionalLong;

/**
 * STATUS as one JSON line. Field names are snake_case and stable: scripts and the shell
 * integration read them. Times are milliseconds; absent values are null, not omitted, so a reader
 * can tell "no heartbeat" from "old daemon without the field".
 */
public final class StatusJson {

    private StatusJson() {
    }

    /** {@code noNewPrivs}: the kernel's NoNewPrivs for the daemon, as read back from /proc/self/status. */
    public static String render(long pid, Status s, Protections memory, boolean noNewPrivs, String containment) {
        StringBuilder sb = new StringBuilder(320).append('{');
        sb.append("\"pid\":").append(pid);
        sb.append(",\"state\":");
        Json.quote(sb, s.state().name());
        sb.append(",\"mode\":");
        Json.quote(sb, s.mode().name());
        sb.append(",\"grace_ms\":").append(s.graceMillis());
        sb.append(",\"ping_timeout_ms\":").append(s.pingTimeoutMillis());
        sb.append(",\"window\":");
        Json.quote(sb, s.window().name());
        sb.append(",\"grace_left_ms\":").append(orNull(s.graceRemainingMillis()));
        sb.append(",\"heartbeat_pid\":").append(orNull(s.heartbeatPid()));
        sb.append(",\"last_ping_ms_ago\":").append(orNull(s.lastPingAgoMillis()));
        sb.append(",\"sessions\":[");
        boolean firstSession = true;
        for (Session session : s.sessions()) {
            if (!firstSession) {
                sb.append(',');
            }
            firstSession = false;
            sb.append("{\"pid\":").append(session.pid()).append(",\"starttime\":").append(session.startTime());
            sb.append(",\"tty\":");
            Json.quote(sb, session.tty());
            sb.append(",\"kind\":");
            Json.quote(sb, session.kind());
            sb.append(",\"since_ms\":").append(session.sinceMillis()).append('}');
        }
        sb.append(']');
        sb.append(",\"holders\":[");
        boolean first = true;
        for (Holder h : s.holders()) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            sb.append("{\"pid\":").append(h.pid()).append(",\"starttime\":").append(h.startTime())
                    .append(",\"reach\":");
            Json.quote(sb, h.reach() == Holder.Reach.TREE ? "tree" : "process");
            sb.append('}');
        }
        sb.append(']');
        sb.append(",\"containment\":");
        Json.quote(sb, containment);
        sb.append(",\"secrets\":[");
        first = true;
        for (Status.SecretEntry e : s.secrets()) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            sb.append("{\"name\":");
            Json.quote(sb, e.name());
            sb.append(",\"bytes\":").append(e.bytes()).append('}');
        }
        sb.append(']');
        sb.append(",\"secret_bytes\":").append(s.secretBytes());
        sb.append(",\"memory\":{\"kind\":");
        Json.quote(sb, memory.kind());
        sb.append(",\"locked\":").append(memory.locked());
        sb.append(",\"dontdump\":").append(memory.dontDump());
        sb.append(",\"secretmem\":").append(memory.secretmem());
        sb.append(",\"guard_pages\":").append(memory.guardPages());
        sb.append(",\"fork_safe\":").append(memory.forkSafe());
        sb.append(",\"locked_kb\":").append(memory.lockedKb());
        sb.append('}');
        sb.append(",\"no_new_privs\":").append(noNewPrivs);
        sb.append('}');
        return sb.toString();
    }

    private static String orNull(OptionalLong v) {
        return v.isPresent() ? Long.toString(v.getAsLong()) : "null";
    }
}
