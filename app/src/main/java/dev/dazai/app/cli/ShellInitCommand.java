package dev.dazai.app.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code dazai shell-init bash|zsh}: prints the snippet for {@code eval "$(dazai shell-init bash)"}. */
@Command(name = "shell-init", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Print the shell integration for bash or zsh; use: eval \"$(dazai shell-init bash)\".")
public final class ShellInitCommand implements Callable<Integer> {

    /** Which shell; lower case as typed. */
    public enum Shell {
        bash,
        zsh
    }

    @Parameters(paramLabel = "SHELL", description = "${COMPLETION-CANDIDATES}")
    Shell shell;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintStream out = System.out;
        out.print(snippet(shell));
        out.flush();
        return ExitCodes.OK;
    }

    /** The file shell/dazai.SHELL bundled into the jar, or a minimal stand-in when the build had none. */
    static String snippet(Shell shell) throws IOException {
        try (InputStream in = ShellInitCommand.class.getResourceAsStream("/dev/dazai/app/shell/dazai." + shell)) {
            if (in != null) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        }
        // Starts one heartbeat per interactive shell: when the shell dies, so does the heartbeat,
        // and the daemon sees the loss.
        return "# dazai " + shell + " integration (minimal)\n"
                + "if [ -z \"${DAZAI_HEARTBEAT_PID:-}\" ] && command -v dazai >/dev/null 2>&1; then\n"
                + "  dazai heartbeat &\n"
                + "  DAZAI_HEARTBEAT_PID=$!\n"
                + "fi\n";
    }
}
