package dev.dazai.app.dist;

import dev.dazai.app.Main;
import dev.dazai.app.daemon.Reexec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.AutoComplete;

/**
 * The generated files of the distribution tree (app/pom.xml runs this at package time, on the
 * shaded jar): the JVM options bin/dazai starts every command with, as java {@code @argfiles}
 * ({@code lib/dazai/jvm.options} for every JDK, {@code jvm-23.options} added from Java 23 on), and
 * tab completion for bash and zsh from the same picocli model as {@code --help}.
 *
 * <p>The hardening flags come from {@link Reexec#hardeningFlags()} itself, so the launcher and the
 * re-exec cannot disagree and a daemon started by the launcher never re-execs. The class-data
 * archive is dumped with the same options file, so the two match.
 */
public final class DistFiles {

    /**
     * Start-up flags, for the daemon and the clients alike: C1 alone compiles what a start-up runs
     * soon enough, at a fraction of C2's threads and memory; the serial collector starts no GC
     * threads and suits a heap of a few MiB. The latency benchmarks run the daemon with both.
     */
    static final List<String> START_FLAGS = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

    private DistFiles() {
    }

    /** {@code java -cp app.jar dev.dazai.app.dist.DistFiles TREE}: writes into the prefix image TREE. */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: DistFiles TREE");
            System.exit(2);
        }
        Path tree = Path.of(args[0]);
        write(tree.resolve("lib/dazai/jvm.options"), options("JVM options of every dazai command, read by bin/dazai."
                + "\nGenerated at build time: the hardening flags are app's Reexec.FLAGS, so a daemon"
                + "\nstarted with them needs no re-exec.", jvmOptions()));
        write(tree.resolve("lib/dazai/jvm-23.options"), options("Added by bin/dazai on Java 23 and later, where"
                + " they exist: without them the JDK\nprints warnings on stderr, the daemon's journal.",
                Reexec.quietFlags(Integer.MAX_VALUE)));
        write(tree.resolve("share/bash-completion/completions/dazai"), bashCompletion());
        write(tree.resolve("share/zsh/site-functions/_dazai"), zshCompletion());
    }

    /** The flags of jvm.options, in order. */
    static List<String> jvmOptions() {
        List<String> all = new ArrayList<>(Reexec.hardeningFlags());
        all.addAll(START_FLAGS);
        return all;
    }

    /** picocli's bash completion script, loaded by bash-completion from the completions directory. */
    static String bashCompletion() {
        return AutoComplete.bash("dazai", Main.commandLine());
    }

    /**
     * A zsh completion function file ({@code #compdef}) for a directory on {@code $fpath}: zsh runs
     * it on the first TAB after {@code dazai}; it defines picocli's bash completion through zsh's
     * bashcompinit (which registers it for every later TAB) and completes this first word with it.
     */
    static String zshCompletion() {
        String script = bashCompletion();
        int body = script.indexOf("# CompWordsContainsArray");
        String functions = body < 0 ? script : script.substring(body);
        return "#compdef dazai\n"
                + "# dazai completion for zsh: picocli's bash completion (the same model as --help), run\n"
                + "# through zsh's bashcompinit. Generated at build time.\n"
                + "autoload -U +X bashcompinit && bashcompinit\n"
                // A function, not picocli's alias: this whole file is parsed before any line runs.
                + "(( $+functions[compopt] )) || compopt() { complete \"$@\"; }\n"
                + functions
                + "\n# This first completion too, now that the functions exist.\n"
                + "_bash_complete -F _complete_dazai -o default\n";
    }

    private static String options(String header, List<String> flags) {
        StringBuilder sb = new StringBuilder();
        for (String line : header.split("\n")) {
            sb.append("# ").append(line).append('\n');
        }
        for (String flag : flags) {
            sb.append(flag).append('\n');
        }
        return sb.toString();
    }

    private static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }
}
