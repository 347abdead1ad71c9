package dev.dazai.bench.e2e;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A way to start the app: which {@code java}, which JVM flags, which jar. Without a jar,
 * {@code java} is a program that starts the app itself (bin/dazai, the launcher) and
 * {@code flags} its leading arguments.
 */
public record Jvm(String name, Path java, List<String> flags, Path jar) {

    /**
     * The flags the daemon re-execs itself with when they are missing: a copy of app's
     * Reexec.FLAGS (bench does not depend on app). Keep them equal, or "hardening flags given"
     * silently measures a re-exec.
     */
    public static final List<String> HARDENING = List.of(
            "-XX:+DisableAttachMechanism",
            "-XX:-UsePerfData",
            "-XX:-CreateCoredumpOnCrash",
            "-XX:ErrorFile=/dev/null",
            "-Xmx64m",
            "-XX:MaxMetaspaceSize=64m",
            "-XX:ReservedCodeCacheSize=32m");

    public Jvm {
        flags = List.copyOf(flags);
    }

    /** The distribution's launcher (bin/dazai), run with {@code before} in front (e.g. env VAR=value). */
    public static Jvm launcher(String name, Path launcher, List<String> before) {
        List<String> rest = new ArrayList<>(before);
        if (rest.isEmpty()) {
            return new Jvm(name, launcher, List.of(), null);
        }
        rest.add(launcher.toString());
        return new Jvm(name, Path.of(before.get(0)), rest.subList(1, rest.size()), null);
    }

    /** {@code java FLAGS -jar JAR ARGS}, or {@code LAUNCHER ARGS}. */
    public List<String> command(List<String> args) {
        List<String> cmd = new ArrayList<>(flags.size() + args.size() + 3);
        cmd.add(java.toString());
        cmd.addAll(flags);
        if (jar != null) {
            cmd.add("-jar");
            cmd.add(jar.toString());
        }
        cmd.addAll(args);
        return cmd;
    }

    public Jvm with(String newName, List<String> more) {
        List<String> all = new ArrayList<>(flags);
        all.addAll(more);
        return new Jvm(newName, java, all, jar);
    }

    public String flagText() {
        return flags.isEmpty() ? "(none)" : String.join(" ", flags);
    }
}
