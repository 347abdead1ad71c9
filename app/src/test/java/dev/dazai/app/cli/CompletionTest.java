package dev.dazai.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dazai.app.Main;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * shell-init's one line, and the static completions in shell/ held to the CLI's picocli model: a
 * subcommand or option added to the CLI and not to shell/dazai.bash or shell/zsh/_dazai fails here.
 */
class CompletionTest {

    private static final Path SHELL = Path.of("..", "shell").toAbsolutePath().normalize();

    @Test
    void shellInitNamesTheFileBesideTheJarInOneLine(@TempDir Path prefix) throws Exception {
        // The tarball's layout: lib/app.jar and share/dazai/dazai.bash under one prefix.
        Path jar = Files.createDirectories(prefix.resolve("lib")).resolve("app.jar");
        Files.writeString(jar, "");
        Path file = Files.createDirectories(prefix.resolve("share/dazai")).resolve("dazai.bash");
        Files.writeString(file, "");
        assertEquals(". '" + file + "'\n", ShellInitCommand.text(ShellInitCommand.Shell.bash, jar));
        // This checkout's layout: app/target/app.jar and shell/dazai.zsh.
        Path built = SHELL.resolve("../app/target/app.jar").normalize();
        assertEquals(". '" + SHELL.resolve("dazai.zsh") + "'\n", ShellInitCommand.text(ShellInitCommand.Shell.zsh, built));
    }

    @Test
    void withNoFileInstalledShellInitPrintsTheBundledFileAndNamesItsJar(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(ShellInitCommand.class.getResource("/dev/dazai/app/shell/dazai.bash") != null,
                "the shell files are bundled by `mvn package`, not by an IDE's build");
        Path jar = dir.resolve("o'dd/app.jar");
        String text = ShellInitCommand.text(ShellInitCommand.Shell.bash, jar);
        assertTrue(text.startsWith("__dazai_jar='" + dir + "/o'\\''dd/app.jar'\n"), text);
        assertTrue(text.contains("__dazai_register"), text);
    }

    @Test
    void bashCompletesEverySubcommandAndOptionOfTheModel() throws Exception {
        String bash = Files.readString(SHELL.resolve("dazai.bash"));
        CommandLine cli = Main.commandLine();
        Set<String> top = new TreeSet<>(options(cli.getCommandSpec()));
        top.addAll(cli.getSubcommands().keySet());
        assertEquals(top, words(bash, "''"), "the top-level words in dazai.bash");
        for (Map.Entry<String, CommandLine> sub : cli.getSubcommands().entrySet()) {
            Set<String> listed = words(bash, sub.getKey());
            listed.removeIf(w -> !w.startsWith("-") && !sub.getKey().equals("shell-init"));
            Set<String> expected = options(sub.getValue().getCommandSpec());
            if (sub.getKey().equals("shell-init")) {
                expected.addAll(Set.of("bash", "zsh"));
            }
            assertEquals(expected, listed, "the words of " + sub.getKey() + " in dazai.bash");
        }
    }

    @Test
    void zshCompletesEverySubcommandAndOptionOfTheModel() throws Exception {
        String zsh = Files.readString(SHELL.resolve("zsh/_dazai"));
        assertTrue(zsh.startsWith("#compdef dazai\n"), "compinit finds it by its first line");
        CommandLine cli = Main.commandLine();
        int cases = zsh.indexOf("case $words[1] in");
        String topLevel = zsh.substring(0, cases);
        for (String option : options(cli.getCommandSpec())) {
            assertTrue(topLevel.contains(option + "[") || topLevel.contains(option + "=[")
                    || topLevel.contains("," + option + "}") || topLevel.contains("{" + option + ","),
                    option + " in _dazai's top level");
        }
        for (Map.Entry<String, CommandLine> sub : cli.getSubcommands().entrySet()) {
            assertTrue(topLevel.contains("'" + sub.getKey() + ":"), sub.getKey() + " in _dazai's commands");
            Matcher block = Pattern.compile("\n\\s+" + Pattern.quote(sub.getKey()) + "\\)(.*?);;", Pattern.DOTALL)
                    .matcher(zsh.substring(cases));
            assertTrue(block.find(), "no " + sub.getKey() + ") case in _dazai");
            for (String option : options(sub.getValue().getCommandSpec())) {
                boolean viaShared = option.equals("--socket-dir") && block.group(1).contains("$socket_dir")
                        || option.matches("-h|--help|-V|--version") && block.group(1).contains("$help");
                assertTrue(viaShared || block.group(1).contains(option), option + " of " + sub.getKey() + " in _dazai");
            }
        }
        assertTrue(topLevel.contains("--help") && topLevel.contains("--version") && topLevel.contains("--socket-dir"));
    }

    @Test
    void bashLoadsTheCompletionUnderSetU(@TempDir Path dir) throws Exception {
        String out = run(dir, "bash", "--norc", "-i", "-c",
                "set -u; DAZAI_SOCKET_DIR=" + dir + " . " + SHELL.resolve("dazai.bash") + " 2>/dev/null;"
                        + " complete -p dazai; COMP_WORDS=(dazai st); COMP_CWORD=1; __dazai_complete;"
                        + " echo \"got ${COMPREPLY[*]}\"");
        assertTrue(out.contains("complete -o default -F __dazai_complete dazai"), out);
        assertTrue(out.contains("got status"), out);
    }

    @Test
    void zshLoadsTheCompletionUnderNounsetWithAndWithoutCompinit(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/zsh")) || Files.isExecutable(Path.of("/bin/zsh")),
                "zsh is not installed (.ci/run installs it)");
        String source = "DAZAI_SOCKET_DIR=" + dir + " . " + SHELL.resolve("dazai.zsh") + " 2>/dev/null; ";
        String before = run(dir, "zsh", "-f", "-i", "-c",
                "setopt nounset; autoload -U compinit; compinit -u -D; " + source + "print -r -- $_comps[dazai]");
        assertTrue(before.contains("_dazai"), "compdef after compinit: " + before);
        String after = run(dir, "zsh", "-f", "-i", "-c",
                "setopt nounset; " + source + "autoload -U compinit; compinit -u -D; print -r -- $_comps[dazai]");
        assertTrue(after.contains("_dazai"), "compinit after us finds _dazai on fpath: " + after);
        String never = run(dir, "zsh", "-f", "-i", "-c", "setopt nounset; " + source + "compctl -L dazai");
        assertTrue(never.contains("heartbeat status register panic cancel signal shell-init"), never);
    }

    /** Every name of every option of {@code spec} (picocli adds -h/--help and -V/--version); hidden test hooks are not offered. */
    private static Set<String> options(CommandSpec spec) {
        Set<String> names = new TreeSet<>();
        for (OptionSpec o : spec.options()) {
            if (!o.hidden()) {
                names.addAll(Arrays.asList(o.names()));
            }
        }
        return names;
    }

    /** The words of {@code label) words='…'} in dazai.bash's completion. */
    private static Set<String> words(String bash, String label) {
        Matcher m = Pattern.compile("\n\\s+" + Pattern.quote(label) + "\\) words='([^']*)'").matcher(bash);
        assertTrue(m.find(), "no " + label + ") words='…' in dazai.bash");
        return new TreeSet<>(Arrays.asList(m.group(1).trim().split("\\s+")));
    }

    private static String run(Path dir, String... cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().put("HOME", dir.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out;
    }
}
