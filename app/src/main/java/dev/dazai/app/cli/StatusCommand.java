package dev.dazai.app.cli;

import dev.dazai.app.client.ControlClient;
import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code dazai status}: what the daemon is doing, for people or (--json) for scripts. */
@Command(name = "status", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Show the daemon's state, heartbeat, the sessions that keep it attached, holders and how its"
                + " secret is protected.")
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
        sb.append(sessions(s.get("sessions"), System.currentTimeMillis()));
        long left = ControlClient.number(s, "grace_left_ms");
        sb.append("  grace:        ").append(seconds(ControlClient.number(s, "grace_ms"))).append(" window, ")
                .append(left >= 0 ? seconds(left) + " LEFT before it fires" + why(ControlClient.text(s, "window"))
                        : "none pending").append('\n');
        long ping = ControlClient.number(s, "ping_timeout_ms");
        sb.append("  ping timeout: ").append(ping > 0 ? seconds(ping) : "off").append('\n');
        List<String> holders = new ArrayList<>();
        Object hs = s.get("holders");
        if (hs instanceof List<?> list) {
            for (Object h : list) {
                if (h instanceof Map<?, ?> m) {
                    Map<String, Object> holder = (Map<String, Object>) m;
                    holders.add("pid " + ControlClient.number(holder, "pid")
                            + ("tree".equals(ControlClient.text(holder, "reach")) ? " and all it started" : ""));
                }
            }
        }
        sb.append("  holders:      ").append(holders.isEmpty() ? "none" : String.join(", ", holders)).append('\n');
        List<String> secrets = new ArrayList<>();
        if (s.get("secrets") instanceof List<?> list) {
            for (Object e : list) {
                if (e instanceof Map<?, ?> m) {
                    Map<String, Object> entry = (Map<String, Object>) m;
                    secrets.add(ControlClient.text(entry, "name") + " (" + ControlClient.number(entry, "bytes") + " bytes)");
                }
            }
            sb.append("  secrets:      ").append(secrets.isEmpty() ? "none (add one: dazai add NAME < FILE)"
                    : String.join(", ", secrets)).append('\n');
        }
        if (!ControlClient.text(s, "containment").isEmpty()) {
            sb.append("  containment:  ").append(ControlClient.text(s, "containment"))
                    .append(" (how a consumer and all it starts are killed whole)").append('\n');
        }
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
        Object nnp = s.get("no_new_privs");
        sb.append("  process:      ").append(Boolean.TRUE.equals(nnp) ? "no_new_privs set (nothing it execs gains privileges)"
                : Boolean.FALSE.equals(nnp) ? "no_new_privs NOT set on every thread (what it execs may gain privileges through setuid)"
                : "no_new_privs unknown (a daemon from before it was reported)").append('\n');
        return sb.toString();
    }

    /**
     * The sessions that keep the switch attached (PID, terminal, kind, since), one line each, or
     * "none"; an old daemon without the field shows nothing.
     */
    private static final DateTimeFormatter SINCE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    @SuppressWarnings("unchecked")
    static String sessions(Object field, long nowMillis) {
        if (!(field instanceof List<?> list)) {
            return "";
        }
        if (list.isEmpty()) {
            return "  sessions:     none\n";
        }
        StringBuilder sb = new StringBuilder("  sessions:     ").append(list.size())
                .append(list.size() == 1 ? " keeps" : " keep").append(" the switch attached\n");
        for (Object o : list) {
            if (o instanceof Map<?, ?> m) {
                Map<String, Object> session = (Map<String, Object>) m;
                String tty = ControlClient.text(session, "tty");
                long since = ControlClient.number(session, "since_ms");
                sb.append(String.format("    pid %-8d %-8s %-12s", ControlClient.number(session, "pid"),
                        tty.isEmpty() ? "-" : tty, ControlClient.text(session, "kind")));
                if (since > 0) {
                    sb.append(" since ").append(SINCE.format(Instant.ofEpochMilli(since).atZone(ZoneId.systemDefault())))
                            .append(" (").append(ago(nowMillis - since)).append(" ago)");
                }
                sb.append('\n');
            }
        }
        return sb.toString();
    }

    /** A duration for people: 42 s, 7 min, 3 h 5 min, 2 d 4 h. */
    static String ago(long millis) {
        long s = Math.max(0, millis) / 1000;
        if (s < 60) {
            return s + " s";
        }
        if (s < 3600) {
            return (s / 60) + " min";
        }
        if (s < 86_400) {
            return (s / 3600) + " h " + (s % 3600 / 60) + " min";
        }
        return (s / 86_400) + " d " + (s % 86_400 / 3600) + " h";
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

    /** What opened the window decides what may cancel it (docs/OPERATIONS.md). */
    static String why(String window) {
        return switch (window) {
            case "Loss" -> " (liveness lost: a reconnect cancels it)";
            case "Panic" -> " (a panic: only the attached heartbeat's CANCEL cancels it)";
            default -> "";
        };
    }

    static String seconds(long millis) {
        if (millis < 0) {
            return "?";
        }
        return millis % 1000 == 0 ? (millis / 1000) + " s" : String.format("%.1f s", millis / 1000.0);
    }
}
