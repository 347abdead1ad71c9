package dev.dazai.app.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dazai.app.daemon.Reexec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The files DistFiles generates for the distribution tree. */
class DistFilesTest {

    @Test
    void theLaunchersOptionsAreReexecsFlagsThenTheStartFlags(@TempDir Path tree) throws Exception {
        DistFiles.main(new String[] {tree.toString()});
        List<String> flags = Files.readAllLines(tree.resolve("lib/dazai/jvm.options")).stream()
                .filter(l -> !l.startsWith("#")).toList();
        assertEquals(Reexec.hardeningFlags(), flags.subList(0, Reexec.hardeningFlags().size()));
        assertEquals(DistFiles.START_FLAGS, flags.subList(Reexec.hardeningFlags().size(), flags.size()));
        List<String> newer = Files.readAllLines(tree.resolve("lib/dazai/jvm-23.options")).stream()
                .filter(l -> !l.startsWith("#")).toList();
        assertEquals(Reexec.quietFlags(23), newer);
    }

    @Test
    void completionsCoverEverySubcommandAndTheZshFileIsACompdefFunction(@TempDir Path tree) throws Exception {
        DistFiles.main(new String[] {tree.toString()});
        String bash = Files.readString(tree.resolve("share/bash-completion/completions/dazai"));
        String zsh = Files.readString(tree.resolve("share/zsh/site-functions/_dazai"));
        assertTrue(zsh.startsWith("#compdef dazai\n"), zsh.substring(0, 40));
        for (String sub : List.of("heartbeat", "status", "register", "panic", "cancel", "signal", "shell-init")) {
            assertTrue(bash.contains(sub) && zsh.contains(sub), sub);
        }
        assertTrue(bash.contains("complete -F _complete_dazai"), "bash registers the function");
    }
}
