package dev.dazai.app.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code dazai shell-init bash|zsh}: the one line for the rc file, {@code . /path/to/dazai.bash}.
 * The shell files are static and fork nothing, so a shell's start pays only for reading one; an
 * {@code eval "$(dazai shell-init bash)"} in the rc file still works but starts a JVM per shell,
 * which is why the README puts the printed line itself in the rc file.
 */
@Command(name = "shell-init", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Print the line that makes bash or zsh keep the daemon attached (. /path/to/dazai.SHELL);"
                + " put that line in ~/.bashrc or ~/.zshrc. Where no file is installed, print the file itself.")
public final class ShellInitCommand implements Callable<Integer> {

    /** Which shell; lower case as typed. */
    public enum Shell {
        bash,
        zsh
    }

    @Parameters(paramLabel = "SHELL", description = "${COMPLETION-CANDIDATES}")
    Shell shell;

    @Override
    public Integer call() throws IOException {
        PrintStream out = System.out;
        out.print(text(shell, jarPath()));
        out.flush();
        return ExitCodes.OK;
    }

    /** The line sourcing the installed file, or (none installed) the bundled file with its jar named. */
    static String text(Shell shell, Path jar) throws IOException {
        Optional<Path> file = installedFile(shell, jar);
        if (file.isPresent()) {
            return ". " + quote(file.get().toString()) + "\n";
        }
        String named = jar != null ? "__dazai_jar=" + quote(jar.toString()) + "\n" : "";
        return named + snippet(shell);
    }

    /**
     * dazai.SHELL where an install or this checkout put it beside the jar: the tarball's
     * {@code share/dazai/} next to {@code lib/} (or {@code lib/dazai/}), the jar's own directory, or
     * {@code shell/} of the checkout that built {@code app/target/app.jar}.
     */
    static Optional<Path> installedFile(Shell shell, Path jar) {
        if (jar == null || jar.getParent() == null) {
            return Optional.empty();
        }
        Path dir = jar.toAbsolutePath().getParent();
        String name = "dazai." + shell;
        return Stream.of(dir.resolve("../share/dazai"), dir.resolve("../../share/dazai"), dir,
                        dir.resolve("../../shell"))
                .map(d -> d.resolve(name).normalize())
                .filter(Files::isRegularFile)
                .findFirst();
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /** Where this jar is; null when run from classes. */
    static Path jarPath() {
        try {
            Path p = Path.of(ShellInitCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return Files.isRegularFile(p) ? p.toAbsolutePath() : null;
        } catch (URISyntaxException | RuntimeException e) {
            return null;
        }
    }

    /** The file shell/dazai.SHELL bundled into the jar. */
    static String snippet(Shell shell) throws IOException {
        try (InputStream in = ShellInitCommand.class.getResourceAsStream("/dev/dazai/app/shell/dazai." + shell)) {
            if (in == null) {
                throw UserError.environment("this app.jar was built without shell/dazai." + shell
                        + "; rebuild it (mvn -B -q package -DskipTests)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
