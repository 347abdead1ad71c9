package dev.dazai.app.cli;

import dev.dazai.app.client.ControlClient;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code dazai status}: what the daemon is doing, for people or (--json) for scripts. */
@Command(name = "status", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Show the daemon's state, heartbeat, holders and how its secret is protected.")
public final class StatusCommand implements Callable<Integer> {

    @Mixin
    SocketDirOption where;

    @Option(names = "--json", description = "Print the daemon's STATUS line as it is (one JSON object).")
    boolean json;

    @Override
    public Integer call() {
        ControlClient control = new ControlClient(where.locations().controlSocket());
        PrintStream out = System.out;
        if (json) {
            String line = control.ask("STATUS");
            ControlClient.okOrRefuse("STATUS", line);
            out.println(line);
        } else {
            out.print(human(control.status()));
            out.print(signals(SignalCommand.table(ControlClient.okOrRefuse("SIGNALS", control.ask("SIGNALS")))));
        }
        out.flush();
        return ExitCodes.OK;
    }

    @SuppressWarnings("unchecked")
    static String human(Map<String, Object> s) {
        StringBuilder sb = new StringBuilder();
        sb.append("dazai pid ").append(ControlClient.number(s, "pid")).append(": ")
                .append(ControlClient.text(s, "state"))
                .append("Armed".equals(ControlClient.text(s, "mode")) ? " (ARMED)" : " (dry-run)").append('\n');
        long hb = ControlClient.number(s, "heartbeat_pid");
        sb.append("  heartbeat:    ");
        if (hb > 0) {
            sb.append("pid ").append(hb).append(", last ping ")
                    .append(seconds(ControlClient.number(s, "last_ping_ms_ago"))).append(" ago\n");
        } else {
            sb.append("none attached\n");
        }
        long left = ControlClient.number(s, "grace_left_ms");
        sb.append("  grace:        ").append(seconds(ControlClient.number(s, "grace_ms"))).append(" window, ")
                .append(left >= 0 ? seconds(left) + " LEFT before it fires" : "none pending").append('\n');
        long ping = ControlClient.number(s, "ping_timeout_ms");
        sb.append("  ping timeout: ").append(ping > 0 ? seconds(ping) : "off").append('\n');
        List<String> holders = new ArrayList<>();
        Object hs = s.get("holders");
        if (hs instanceof List<?> list) {
            for (Object h : list) {
                if (h instanceof Map<?, ?> m) {
                    holders.add("pid " + ControlClient.number((Map<String, Object>) m, "pid"));
                }
            }
        }
        sb.append("  holders:      ").append(holders.isEmpty() ? "none" : String.join(", ", holders)).append('\n');
        sb.append("  secret:       ").append(ControlClient.number(s, "secret_bytes")).append(" bytes");
        Object mem = s.get("memory");
        if (mem instanceof Map<?, ?> m) {
            Map<String, Object> memory = (Map<String, Object>) m;
            List<String> have = new ArrayList<>();
            for (String flag : List.of("locked", "dontdump", "guard_pages", "fork_safe")) {
                if (Boolean.TRUE.equals(memory.get(flag))) {
                    have.add(flag.replace('_', ' '));
                }
            }
            sb.append(" in ").append(ControlClient.text(memory, "kind")).append(" memory")
                    .append(have.isEmpty() ? "" : "; " + String.join(", ", have));
            if (!Boolean.TRUE.equals(memory.get("locked"))) {
                sb.append("; NOT LOCKED (may be swapped)");
            }
        }
        sb.append('\n');
        return sb.toString();
    }

    /** The daemon's own signal table, one line per action, as SIGNALS reports it. */
    static String signals(Map<String, String> table) {
        Map<String, List<String>> byAction = new java.util.LinkedHashMap<>();
        table.forEach((name, action) -> byAction.computeIfAbsent(action, a -> new ArrayList<>()).add(name));
        StringBuilder sb = new StringBuilder("  signals:\n");
        byAction.forEach((action, names) ->
                sb.append("    ").append(String.format("%-28s", action)).append(String.join(" ", names)).append('\n'));
        return sb.toString();
    }

    static String seconds(long millis) {
        if (millis < 0) {
            return "?";
        }
        return millis % 1000 == 0 ? (millis / 1000) + " s" : String.format("%.1f s", millis / 1000.0);
    }
}
