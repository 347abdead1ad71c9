package dev.dazai.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
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
        String out = StatusCommand.human(s);
        assertTrue(out.startsWith("dazai pid 42: Grace (ARMED)"), out);
        assertTrue(out.contains("pid 7, last ping 2 s ago"), out);
        assertTrue(out.contains("12.5 s LEFT before it fires"), out);
    }
}
