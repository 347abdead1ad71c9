package dev.dazai.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon (Locations) and the shell files (dazai.bash, dazai.zsh) must name the same socket
 * directory in every case, or a shell registers where no daemon looks. Each case runs all three.
 */
class SocketDirAgreementTest {

    private static final Path SHELL = Path.of("..", "shell").toAbsolutePath().normalize();

    @TempDir
    Path tmp;

    @Test
    void theDaemonAndBothShellsAgreeInEveryCase() throws Exception {
        long uid = Locations.uid();
        Path mine = Files.createDirectory(tmp.resolve("run"));
        Files.setPosixFilePermissions(mine, PosixFilePermissions.fromString("rwx------"));
        Path file = Files.writeString(tmp.resolve("a-file"), "");
        Path link = Files.createSymbolicLink(tmp.resolve("run-link"), mine);

        Map<String, Map<String, String>> cases = new LinkedHashMap<>();
        cases.put("DAZAI_SOCKET_DIR wins over everything", env("DAZAI_SOCKET_DIR", "/srv/x/dazai", "XDG_RUNTIME_DIR", mine.toString()));
        cases.put("XDG_RUNTIME_DIR is a directory of ours", env("XDG_RUNTIME_DIR", mine.toString()));
        cases.put("XDG_RUNTIME_DIR with a trailing slash", env("XDG_RUNTIME_DIR", mine + "/"));
        cases.put("XDG_RUNTIME_DIR is a link to a directory of ours", env("XDG_RUNTIME_DIR", link.toString()));
        cases.put("XDG_RUNTIME_DIR set but missing (after su, in a container)", env("XDG_RUNTIME_DIR", tmp.resolve("gone").toString()));
        cases.put("XDG_RUNTIME_DIR unset", env());
        cases.put("XDG_RUNTIME_DIR empty", env("XDG_RUNTIME_DIR", ""));
        cases.put("XDG_RUNTIME_DIR relative", env("XDG_RUNTIME_DIR", "run"));
        cases.put("XDG_RUNTIME_DIR is a file", env("XDG_RUNTIME_DIR", file.toString()));
        cases.put("DAZAI_SOCKET_DIR empty counts as unset", env("DAZAI_SOCKET_DIR", "", "XDG_RUNTIME_DIR", mine.toString()));
        if (uid == 0) {
            Path theirs = Files.createDirectory(tmp.resolve("theirs"));
            Files.setAttribute(theirs, "unix:uid", 65534);
            cases.put("XDG_RUNTIME_DIR is someone else's (su to root keeps the user's)", env("XDG_RUNTIME_DIR", theirs.toString()));
        } else {
            cases.put("XDG_RUNTIME_DIR is someone else's", env("XDG_RUNTIME_DIR", "/"));
        }

        List<String> disagreements = new ArrayList<>();
        for (Map.Entry<String, Map<String, String>> c : cases.entrySet()) {
            // As Locations.of makes it: absolute and normalized.
            String java = Locations.defaultSocketDir(c.getValue(), uid).toAbsolutePath().normalize().toString();
            for (String shell : shells()) {
                String got = shellSays(shell, c.getValue());
                if (!java.equals(got)) {
                    disagreements.add(c.getKey() + ": the daemon says " + java + ", " + shell + " says " + got);
                }
            }
        }
        assertEquals(List.of(), disagreements);
        // And what the cases mean, so both sides cannot agree on something wrong.
        assertEquals(mine.resolve("dazai"), Locations.defaultSocketDir(cases.get("XDG_RUNTIME_DIR is a directory of ours"), uid));
        assertEquals(Path.of("/tmp/dazai-" + uid), Locations.defaultSocketDir(cases.get("XDG_RUNTIME_DIR set but missing (after su, in a container)"), uid));
    }

    private static List<String> shells() {
        List<String> shells = new ArrayList<>(List.of("bash"));
        if (Files.isExecutable(Path.of("/usr/bin/zsh")) || Files.isExecutable(Path.of("/bin/zsh"))) {
            shells.add("zsh");
        }
        return shells;
    }

    /**
     * What an interactive shell exports after sourcing its file. STY (GNU screen) is set so the file
     * stops right after computing the directory: nothing is written into a directory a real daemon
     * may be watching.
     */
    private String shellSays(String shell, Map<String, String> env) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(shell));
        cmd.addAll(shell.equals("bash") ? List.of("--norc", "-i", "-c") : List.of("-f", "-i", "-c"));
        cmd.add(". " + SHELL.resolve("dazai." + shell) + " 2>/dev/null; printf '%s' \"$DAZAI_SOCKET_DIR\"");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(tmp.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().clear();
        pb.environment().put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        pb.environment().put("HOME", tmp.toString());
        pb.environment().put("STY", "agreement-test");
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), shell + " did not finish");
        return out;
    }

    private static Map<String, String> env(String... kv) {
        Map<String, String> env = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            env.put(kv[i], kv[i + 1]);
        }
        return env;
    }
}
