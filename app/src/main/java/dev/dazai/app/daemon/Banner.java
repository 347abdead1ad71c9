package dev.dazai.app.daemon;

import dev.dazai.adapters.out.memory.Protections;
import dev.dazai.adapters.out.memory.SecretSource;
import dev.dazai.adapters.out.process.Hardening;
import dev.dazai.adapters.out.pidfd.Containment;
import dev.dazai.app.cli.Locations;
import dev.dazai.app.cli.Seconds;
import dev.dazai.kernel.domain.Mode;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What the daemon prints on stdout once it is ready: what it holds, how it is protected, and the
 * commands to attach a heartbeat, rehearse a panic and arm it. The journal goes to stderr, so a
 * script can read this once and leave stderr to the log.
 */
final class Banner {

    private Banner() {
    }

    static String text(long pid, DaemonOptions o, Protections p, long secretBytes, Containment containment) {
        String jar = jar();
        String dir = dirOption(o.locations());
        boolean armed = o.mode() == Mode.Armed;
        StringBuilder sb = new StringBuilder();
        sb.append("dazai: daemon pid ").append(pid).append(" ready, ")
                .append(armed ? "ARMED: a lost heartbeat kills the holders and this daemon"
                        : "DRY-RUN: a rehearsal, nothing is killed")
                .append('\n');
        if (o.secret() instanceof SecretSource.Nothing) {
            sb.append("  secret:    none yet; add one: dazai add NAME").append(dir).append(" < FILE").append('\n');
        } else {
            sb.append("  secret:    ").append(secretBytes).append(" bytes").append(synthetic(o.secret()))
                    .append(" in ").append(p.kind()).append(" memory").append(protections(p)).append('\n');
        }
        sb.append("  contain:   ").append(containment.name()).append(containment.name().equals("cgroup")
                ? ": each consumer (--exec, dazai run) in a cgroup of its own, killed whole by cgroup.kill"
                : ": each consumer's tree kept by child subreapers and walked at the fire").append('\n');
        sb.append("  consume:   dazai run").append(dir).append(" --secret NAME -- CMD ARGS   (CMD reads $DAZAI_SECRET_FD)")
                .append('\n');
        sb.append("  process:   ").append(new Hardening().noNewPrivs()
                ? "no_new_privs set: nothing it or its holders exec gains privileges (setuid, file capabilities)"
                : "no_new_privs NOT set on every thread: what it execs may gain privileges through setuid").append('\n');
        sb.append("  heartbeat: ").append(jar).append(" heartbeat").append(dir).append(" &").append('\n');
        sb.append("  status:    ").append(jar).append(" status").append(dir).append('\n');
        sb.append("  panic:     kill -USR1 ").append(pid).append("   (fires after the ")
                .append(Seconds.text(o.graceMillis())).append(" grace window; a heartbeat reconnect, or ")
                .append(jar).append(" cancel").append(dir).append(", stops it)").append('\n');
        sb.append("  stop:      kill -TERM ").append(pid).append('\n');
        if (!armed) {
            sb.append("  arm it:    ").append(jar).append(" --arm").append(dir)
                    .append(" --secret-file FILE   (or --secret-stdin, or --exec -- CMD ARGS)").append('\n');
        }
        return sb.toString();
    }

    private static String synthetic(SecretSource s) {
        return s instanceof SecretSource.Generated ? " (random, synthetic)" : "";
    }

    private static String protections(Protections p) {
        List<String> have = new ArrayList<>();
        if (p.locked()) {
            have.add("locked");
        }
        if (p.dontDump()) {
            have.add("left out of core dumps");
        }
        if (p.guardPages()) {
            have.add("guard pages");
        }
        if (p.forkSafe()) {
            have.add("not inherited by fork");
        }
        String s = have.isEmpty() ? "" : ": " + String.join(", ", have);
        return p.locked() ? s : s + "; NOT LOCKED, may be swapped";
    }

    /**
     * How to run dazai again: the launcher that started this JVM (bin/dazai names itself in
     * -Ddazai.launcher), else "java -jar /path/app.jar", or "dazai" when run from classes.
     */
    private static String jar() {
        String launcher = System.getProperty("dazai.launcher");
        if (launcher != null && !launcher.isBlank()) {
            return launcher;
        }
        try {
            Path p = Path.of(Banner.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (p.toString().endsWith(".jar")) {
                return "java -jar " + p;
            }
        } catch (URISyntaxException | SecurityException | NullPointerException e) {
            // Run from classes: the short name is the best hint.
        }
        return "dazai";
    }

    /** " --socket-dir DIR" unless DIR is the default every client finds by itself. */
    private static String dirOption(Locations at) {
        Path usual = Locations.of(null, null).socketDir();
        return usual.equals(at.socketDir()) ? "" : " --socket-dir " + at.socketDir();
    }
}
