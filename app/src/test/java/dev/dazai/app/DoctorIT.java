package dev.dazai.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dazai.app.client.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code dazai doctor} on the real jar and through the launcher: one line per check, the JSON shape, the exit codes. */
class DoctorIT {

    static final List<String> CHECKS = List.of("memfd_secret", "memlock", "core dumps", "ptrace", "swap", "no_new_privs",
            "containment", "pidfd", "socket dir", "jvm");

    @TempDir
    Path tmp;

    private Dazai dazai;

    @BeforeEach
    void setUp() throws Exception {
        dazai = new Dazai(tmp);
    }

    @AfterEach
    void tearDown() {
        dazai.close();
    }

    @Test
    void oneLinePerCheckAndTheExitStatusSaysWhetherAnyIsWeak() throws Exception {
        Dazai.Run r = dazai.client("doctor");

        List<String> lines = r.stdout().strip().lines().toList();
        assertEquals(CHECKS.size() + 1, lines.size(), r.stdout());
        for (int i = 0; i < CHECKS.size(); i++) {
            assertTrue(lines.get(i).matches("(ok|WEAK|info) +" + CHECKS.get(i) + " .+"), lines.get(i));
        }
        boolean weak = lines.stream().anyMatch(l -> l.startsWith("WEAK "));
        assertEquals(weak ? 1 : 0, r.exit(), r.stdout() + r.stderr());
        assertTrue(lines.get(lines.size() - 1).startsWith("dazai doctor: "), r.stdout());
        for (String line : lines) {
            if (line.startsWith("WEAK ")) {
                assertTrue(line.contains("; "), "a WEAK line says what to do: " + line);
            }
        }
        // Run by java -jar, the JVM lacks the launcher's flags: said, but not counted as weak.
        assertTrue(r.stdout().lines().anyMatch(l -> l.matches("info +jvm +Java .+ re-execs itself with them.*")), r.stdout());
    }

    @Test
    @SuppressWarnings("unchecked")
    void jsonIsOneObjectWithEveryCheck() throws Exception {
        Dazai.Run r = dazai.client("doctor", "--json");

        assertEquals(1, r.stdout().strip().lines().count(), r.stdout());
        Map<String, Object> doc = Json.object(r.stdout().strip());
        List<Object> checks = (List<Object>) doc.get("checks");
        assertEquals(CHECKS.size(), checks.size());
        long weak = 0;
        for (int i = 0; i < checks.size(); i++) {
            Map<String, Object> c = (Map<String, Object>) checks.get(i);
            assertEquals(Set.of("check", "status", "found", "fix"), c.keySet());
            assertEquals(CHECKS.get(i), c.get("check"));
            assertTrue(Set.of("ok", "weak", "info").contains(c.get("status")), c.toString());
            assertTrue(c.get("found") instanceof String s && !s.isBlank(), c.toString());
            if ("weak".equals(c.get("status"))) {
                weak++;
                assertTrue(c.get("fix") instanceof String, "a weak check has a fix: " + c);
            }
        }
        assertEquals(weak, ((Number) doc.get("weak")).longValue());
        assertEquals(weak > 0 ? 1 : 0, r.exit());
    }

    @Test
    void aSocketDirectoryOthersCanReachIsWeakAndExits1() throws Exception {
        Path open = Files.createDirectories(tmp.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwx---"));

        Dazai.Run r = dazai.run(dazai.command(true, List.of("doctor", "--socket-dir", open.toString())), null);

        assertEquals(1, r.exit(), r.stdout() + r.stderr());
        assertTrue(r.stdout().lines().anyMatch(l -> l.startsWith("WEAK ")
                && l.matches("WEAK +socket dir +" + java.util.regex.Pattern.quote(open + " has mode 0770: others can reach it;") + ".*")),
                r.stdout());
        Dazai.Run usage = dazai.run(dazai.command(true, List.of("doctor", "--bogus")), null);
        assertEquals(2, usage.exit(), usage.stderr());
        assertEquals("dazai: Unknown option: '--bogus'; see 'dazai doctor --help'", usage.stderr().strip());
    }

    @Test
    void throughTheLauncherTheJvmHasTheHardeningFlags() throws Exception {
        Path launcher = DistIT.TREE.resolve("bin/dazai");
        Dazai.Run r = dazai.run(List.of(launcher.toString(), "doctor", "--socket-dir", dazai.socketDir().toString()), null);
        assertTrue(r.exit() == 0 || r.exit() == 1, r.stderr());
        assertTrue(r.stdout().lines().anyMatch(l -> l.matches("ok +jvm +Java .+, with the hardening flags .*")), r.stdout());
    }
}
