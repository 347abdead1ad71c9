package dev.dazai.bench.e2e;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A way to start the app: which {@code java}, which JVM flags, which jar. */
public record Jvm(String name, Path java, List<String> flags, Path jar) {

    /** The flags the daemon re-execs itself with when they are missing (app's Reexec.FLAGS). */
    public static final List<String> HARDENING = List.of(
            "-XX:+DisableAttachMechanism",
            "-XX:-UsePerfData",
            "-XX:-CreateCoredumpOnCrash",
            "-XX:ErrorFile=/dev/null");

    public Jvm {
        flags = List.copyOf(flags);
    }

    /** {@code java FLAGS -jar JAR ARGS}. */
    public List<String> command(List<String> args) {
        List<String> cmd = new ArrayList<>(flags.size() + args.size() + 3);
        cmd.add(java.toString());
        cmd.addAll(flags);
        cmd.add("-jar");
        cmd.add(jar.toString());
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
