package dev.dazai.app.cli;

import dev.dazai.app.client.ControlClient;
import dev.dazai.app.client.Json;
import dev.dazai.app.client.Kill;
import dev.dazai.app.daemon.Pidfile;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code dazai signal NAME}: kill(2) the daemon with NAME, but only if the daemon says it handles
 * NAME. A JVM's SigCgt shows most signals as caught whether or not a Java handler exists
 * (DESIGN.md, Signals), so only the daemon itself can say; a signal it does not handle could crash
 * it (USR2 on JDK 17) or end it unwiped.
 */
@Command(name = "signal", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Send signal NAME to the daemon (the PID in its pidfile), if the daemon's SIGNALS says it"
                + " handles NAME.")
public final class SignalCommand implements Callable<Integer> {

    @Mixin
    SocketDirOption where;

    @Option(names = "--pidfile", paramLabel = "PATH", description = "The daemon's pidfile.%n  Default: DIR/dazai.pid.")
    Path pidfile;

    @Parameters(paramLabel = "NAME", description = "Signal name: HUP, USR1, USR2, TERM, INT, …")
    String name;

    @Override
    public Integer call() {
        Locations at = where.locations(pidfile);
        String signal = Kill.canonical(name);
        Kill.number(signal);
        ControlClient control = new ControlClient(at.controlSocket());
        Map<String, String> table = table(ControlClient.okOrRefuse("SIGNALS", control.ask("SIGNALS")));
        String action = table.get(signal);
        if (action == null || !handled(action)) {
            throw UserError.refused("the daemon does not handle SIG" + signal
                    + (action == null ? "" : " (" + action + ")") + "; it handles " + String.join(", ", handledNames(table)));
        }
        OptionalLong pid = Pidfile.read(at.pidfile());
        if (pid.isEmpty()) {
            throw UserError.environment("no pidfile at " + at.pidfile() + "; the daemon is not ready, or pass its --pidfile");
        }
        // The PID to signal must be the one the kernel gives for the process that answers on the
        // socket (SO_PEERCRED), not only what a pidfile or a reply says: those can be planted.
        ControlClient.Answer status = control.exchange("STATUS");
        if (status.line() == null) {
            throw UserError.environment("the daemon on " + at.controlSocket() + " closed the connection without"
                    + " answering STATUS; it may have stopped or fired");
        }
        long statusPid = ControlClient.number(control.parseStatus(status.line()), "pid");
        long kernelPid;
        try {
            kernelPid = dev.dazai.app.client.SocketTrust.daemonPid(at.controlSocket());
        } catch (dev.dazai.app.client.SocketTrust.UntrustedSocketException e) {
            throw UserError.environment(e.getMessage());
        } catch (java.io.IOException e) {
            throw UserError.environment("cannot ask the kernel who listens on " + at.controlSocket() + " ("
                    + e.getMessage() + "); nothing was sent");
        }
        if (kernelPid != pid.getAsLong()) {
            throw UserError.environment("pidfile " + at.pidfile() + " says pid " + pid.getAsLong() + " but the process"
                    + " listening on " + at.controlSocket() + " is pid " + kernelPid + "; nothing was sent: pass the"
                    + " matching --pidfile");
        }
        if (statusPid != pid.getAsLong()) {
            throw UserError.environment("pidfile " + at.pidfile() + " says pid " + pid.getAsLong() + " but the daemon on "
                    + at.controlSocket() + " is pid " + statusPid + "; pass the matching --pidfile");
        }
        Kill.send(pid.getAsLong(), signal);
        System.out.println("sent SIG" + signal + " to pid " + pid.getAsLong() + ": " + action);
        return ExitCodes.OK;
    }

    /**
     * SIGNALS as name → action. Accepts an object ({@code {"HUP":"graceful panic",…}}), or a list of
     * objects with a name and an action field, whichever the socket adapter emits.
     */
    @SuppressWarnings("unchecked")
    static Map<String, String> table(String line) {
        Object parsed;
        try {
            parsed = Json.parse(line);
        } catch (IllegalArgumentException e) {
            throw UserError.environment("the daemon's SIGNALS reply is not JSON (" + e.getMessage() + ")");
        }
        Map<String, String> table = new LinkedHashMap<>();
        if (parsed instanceof Map<?, ?> m) {
            Object inner = m.get("signals");
            if (inner != null) {
                return table(render(inner));
            }
            for (Map.Entry<?, ?> e : m.entrySet()) {
                table.put(Kill.canonical(e.getKey().toString()), describe(e.getValue()));
            }
        } else if (parsed instanceof List<?> list) {
            for (Object o : list) {
                if (o instanceof Map<?, ?> row) {
                    Map<String, Object> r = (Map<String, Object>) row;
                    Object n = r.containsKey("signal") ? r.get("signal") : r.get("name");
                    if (n != null) {
                        table.put(Kill.canonical(n.toString()), describe(r.get("action")));
                    }
                }
            }
        }
        return table;
    }

    private static String render(Object inner) {
        StringBuilder sb = new StringBuilder();
        write(sb, inner);
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object v) {
        if (v instanceof Map<?, ?> m) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                Json.quote(sb, e.getKey().toString()).append(':');
                write(sb, e.getValue());
            }
            sb.append('}');
        } else if (v instanceof List<?> l) {
            sb.append('[');
            for (int i = 0; i < l.size(); i++) {
                if (i > 0) {
                    sb.append(',');
                }
                write(sb, l.get(i));
            }
            sb.append(']');
        } else if (v instanceof String s) {
            Json.quote(sb, s);
        } else {
            sb.append(v);
        }
    }

    private static String describe(Object action) {
        return action == null ? "" : action.toString();
    }

    /** Ignored, JVM-reserved and uncatchable signals are listed by SIGNALS but not handled. */
    static boolean handled(String action) {
        String a = action.toLowerCase(Locale.ROOT);
        return !(a.isEmpty() || a.startsWith("ignore") || a.contains("reserved") || a.contains("cannot")
                || a.contains("uncatchable") || a.contains("not handled"));
    }

    private static List<String> handledNames(Map<String, String> table) {
        return table.entrySet().stream().filter(e -> handled(e.getValue())).map(Map.Entry::getKey).toList();
    }
}
