package dev.dazai.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** `dazai status` for people: the signal table grouped by what each signal does. */
class StatusFormatTest {

    @Test
    void signalsAreGroupedByActionInTheDaemonsOrder() {
        Map<String, String> table = new LinkedHashMap<>();
        table.put("HUP", "graceful panic");
        table.put("INT", "clean shutdown");
        table.put("USR1", "graceful panic");
        table.put("USR2", "hard panic");
        String out = StatusCommand.signals(table);
        String[] lines = out.split("\n");
        assertEquals("  signals:", lines[0]);
        assertTrue(lines[1].trim().matches("graceful panic\\s+HUP USR1"), lines[1]);
        assertTrue(lines[2].trim().matches("clean shutdown\\s+INT"), lines[2]);
        assertTrue(lines[3].trim().matches("hard panic\\s+USR2"), lines[3]);
    }

    @Test
    void humanStatusNamesTheHeartbeatAndTheWindow() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("pid", 42L);
        s.put("state", "Grace");
        s.put("mode", "Armed");
        s.put("grace_ms", 30_000L);
        s.put("grace_left_ms", 12_500L);
        s.put("heartbeat_pid", 7L);
        s.put("last_ping_ms_ago", 2_000L);
        s.put("ping_timeout_ms", 0L);
        s.put("secret_bytes", 64L);
        s.put("window", "Panic");
        String out = StatusCommand.human(s);
        assertTrue(out.startsWith("dazai pid 42: Grace (ARMED)"), out);
        assertTrue(out.contains("pid 7, last ping 2 s ago"), out);
        assertTrue(out.contains("12.5 s LEFT before it fires (a panic: only the attached heartbeat's CANCEL cancels it)"),
                out);
        s.put("window", "Loss");
        assertTrue(StatusCommand.human(s).contains("LEFT before it fires (liveness lost: a reconnect cancels it)"));
    }

    @Test
    void humanStatusListsTheSessionsThatKeepTheSwitchAttached() {
        long now = 1_700_000_000_000L;
        Map<String, Object> shell = new LinkedHashMap<>();
        shell.put("pid", 4242L);
        shell.put("starttime", 99L);
        shell.put("tty", "pts/3");
        shell.put("kind", "bash");
        shell.put("since_ms", now - 125_000L);
        Map<String, Object> client = new LinkedHashMap<>();
        client.put("pid", 77L);
        client.put("tty", "");
        client.put("kind", "tmux client");
        client.put("since_ms", now - 3 * 3_600_000L - 60_000L);
        String out = StatusCommand.sessions(List.of(shell, client), now);
        String[] lines = out.split("\n");
        assertEquals("  sessions:     2 keep the switch attached", lines[0]);
        assertTrue(lines[1].matches("    pid 4242 +pts/3 +bash +since \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d \\(2 min ago\\)"), lines[1]);
        assertTrue(lines[2].matches("    pid 77 +- +tmux client +since .* \\(3 h 1 min ago\\)"), lines[2]);
        assertEquals("  sessions:     none\n", StatusCommand.sessions(List.of(), now));
        assertEquals("", StatusCommand.sessions(null, now), "an older daemon without the field");
    }
}
