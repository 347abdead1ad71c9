package dev.dazai.shell;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/** The two shells the integration supports, and what differs between them in a test's rc file. */
enum Shell {
    BASH("bash", ".bashrc", "dazai.bash", "set -u"),
    ZSH("zsh", ".zshrc", "dazai.zsh", "setopt nounset");

    final String binary;
    final String rcFile;
    final String snippet;
    final String nounset;

    Shell(String binary, String rcFile, String snippet, String nounset) {
        this.binary = binary;
        this.rcFile = rcFile;
        this.snippet = snippet;
        this.nounset = nounset;
    }

    /** The snippet file in this checkout, the one users source and app.jar bundles. */
    Path snippetFile() {
        return ShellDir.get().resolve(snippet);
    }

    /** Skips the calling test, with the reason, where this shell is not installed. */
    void assumeInstalled() {
        Assumptions.assumeTrue(installed(binary),
                binary + " is not installed (apt-get install -y " + binary + "; .ci/run does)");
    }

    static boolean installed(String binary) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        return Stream.of(path.split(":")).anyMatch(d -> !d.isEmpty() && Files.isExecutable(Path.of(d, binary)));
    }

    /** The module's directory, passed in by the build (failsafe's dazai.shell.dir). */
    static final class ShellDir {
        private ShellDir() {
        }

        static Path get() {
            return Path.of(System.getProperty("dazai.shell.dir", ".")).toAbsolutePath().normalize();
        }
    }
}
