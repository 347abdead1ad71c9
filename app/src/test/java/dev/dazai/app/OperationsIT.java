package dev.dazai.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The failures a new user causes first, each with its one line and documented exit code
 * (docs/OPERATIONS.md), and the man page built from the same model as --help.
 */
class OperationsIT {

    private static final Path JAR = Path.of(System.getProperty("dazai.jar", "target/app.jar"));

    @TempDir
    Path tmp;

    @Test
    void anExecCommandThatDoesNotExistIsRefusedWithExit3AndNothingLeftBehind() throws Exception {
        Result r = run(Map.of(), "--socket-dir", tmp.resolve("s").toString(), "--exec", "--", "no-such-command-dazai");
        assertEquals(3, r.exit, r.err);
        assertTrue(r.lastLine().startsWith("dazai: cannot start --exec no-such-command-dazai"), r.err);
        assertTrue(r.err.contains("WIPED"), "the loaded secret was not wiped on the way out: " + r.err);
        assertTrue(!Files.exists(tmp.resolve("s/dazai.pid")) && !Files.exists(tmp.resolve("s/heartbeat.sock")),
                "left files behind");
    }

    @Test
    void anUnknownSubcommandIsAUsageError() throws Exception {
        Result r = run(Map.of(), "frobnicate");
        assertEquals(2, r.exit, r.err);
        assertEquals(1, r.err.strip().lines().count(), r.err);
        assertTrue(r.err.startsWith("dazai: unexpected argument 'frobnicate'"), r.err);
    }

    @Test
    void withoutXdgRuntimeDirTheClientLooksInTmpAndSaysWhereItLooked() throws Exception {
        Result r = run(Map.of("XDG_RUNTIME_DIR", "", "DAZAI_SOCKET_DIR", ""), "status");
        assertEquals(3, r.exit, r.err);
        assertTrue(r.lastLine().matches("dazai: no daemon: /tmp/dazai-\\d+/control.sock does not exist; .*"), r.err);
    }

    @Test
    void aSecretFileThatIsADirectoryIsAnEnvironmentError() throws Exception {
        Result r = run(Map.of(), "--socket-dir", tmp.resolve("s").toString(), "--secret-file", tmp.toString());
        assertEquals(3, r.exit, r.err);
        assertTrue(r.lastLine().startsWith("dazai: "), r.err);
    }

    @Test
    void theManPageIsBuiltFromTheCommandModel() throws Exception {
        Path man = JAR.toAbsolutePath().getParent().resolve("man");
        String page = Files.readString(man.resolve("dazai.1"));
        for (String option : List.of("--arm", "--grace", "--ping-timeout", "--socket-dir", "--secret-stdin", "--exec")) {
            assertTrue(page.contains(option.replace("-", "\\-")) || page.contains(option), option + " missing from dazai.1");
        }
        for (String sub : List.of("heartbeat", "status", "register", "panic", "cancel", "signal", "shell-init")) {
            assertTrue(Files.exists(man.resolve("dazai-" + sub + ".1")), "no man page for " + sub);
        }
    }

    /**
     * AsciiDoc turns a "--" between spaces into an em dash; in "--exec -- sh" that misleads. The
     * page must print it as two hyphens (troff "\-\-"), and carry the sections a reader of a man
     * page looks for after OPTIONS.
     */
    @Test
    void theManPagePrintsDoubleDashesAndHasTheSectionsReadersLookFor() throws Exception {
        Path man = JAR.toAbsolutePath().getParent().resolve("man");
        String page = Files.readString(man.resolve("dazai.1"));
        assertTrue(page.contains("\\-\\-exec \\-\\- sh"), "the CMD description shows --exec -- sh:\n" + page);
        try (var pages = Files.list(man)) {
            for (Path p : pages.filter(f -> f.toString().endsWith(".1")).toList()) {
                String text = Files.readString(p);
                assertTrue(!text.contains("\\(em") && !text.contains("\u2014"), "an em dash in " + p.getFileName());
            }
        }
        for (String section : List.of("ENVIRONMENT", "FILES", "EXAMPLES", "SEE ALSO", "EXIT CODES")) {
            assertTrue(page.contains("\n.SH \"" + section), section + " missing from dazai.1");
        }
        assertTrue(page.contains(".TH \"DAZAI\" \"1\"") && !page.contains("dazai dev"), "the version is the build's");
        String status = Files.readString(man.resolve("dazai-status.1"));
        assertTrue(status.contains("\n.SH \"EXAMPLES\"") && status.contains("\n.SH \"SEE ALSO\""), status);
    }

    private record Result(int exit, String out, String err) {
        String lastLine() {
            String[] lines = err.strip().split("\n");
            return lines[lines.length - 1];
        }
    }

    private static Result run(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", JAR.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        env.forEach((k, v) -> {
            if (v.isEmpty()) {
                pb.environment().remove(k);
            } else {
                pb.environment().put(k, v);
            }
        });
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "did not exit");
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }
}
