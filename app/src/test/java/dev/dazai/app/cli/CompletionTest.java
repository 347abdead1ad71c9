package dev.dazai.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The completion shell-init emits, loaded by real bash and zsh in nounset mode. */
class CompletionTest {

    @Test
    void bashRegistersCompletionForEverySubcommandUnderSetU(@TempDir Path dir) throws Exception {
        Path script = dir.resolve("c.bash");
        Files.writeString(script, ShellInitCommand.completion(ShellInitCommand.Shell.bash, "/opt/da'zai/app.jar"));
        String out = run(dir, "bash", "-c", "set -u; source " + script + "; complete -p dazai; type -t dazai");
        assertTrue(out.contains("-F _complete_dazai dazai"), out);
        assertTrue(out.contains("function"), "no dazai function was defined: " + out);
        for (String sub : new String[] {"heartbeat", "status", "register", "panic", "cancel", "signal", "shell-init"}) {
            assertTrue(Files.readString(script).contains(sub), sub);
        }
    }

    @Test
    void zshRegistersCompletionOnlyWhereCompletionIsInitialised(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/zsh")) || Files.isExecutable(Path.of("/bin/zsh")),
                "zsh is not installed (.ci/run installs it)");
        Path script = dir.resolve("c.zsh");
        Files.writeString(script, ShellInitCommand.completion(ShellInitCommand.Shell.zsh, "/opt/dazai/app.jar"));
        String without = run(dir, "zsh", "-f", "-c", "set -u; source " + script + "; whence -w _complete_dazai || echo none");
        assertTrue(without.contains("none"), "registered without compinit: " + without);
        String with = run(dir, "zsh", "-f", "-c",
                "set -u; autoload -U compinit; compinit -u -D; source " + script + "; whence -w _complete_dazai");
        assertTrue(with.contains("_complete_dazai: function"), with);
    }

    private static String run(Path dir, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out;
    }
}
