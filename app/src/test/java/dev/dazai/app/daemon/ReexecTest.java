package dev.dazai.app.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The re-exec's argv surgery; the exec itself is tested on the real jar (StartupIT). */
class ReexecTest {

    @Test
    void flagsGoRightAfterArgv0SoTheyPrecedeJarAndClasspath() {
        List<String> argv = Reexec.withFlags(List.of("java", "-Xmx64m", "-jar", "app.jar", "--arm"), 17);
        assertEquals("java", argv.get(0));
        assertEquals(Reexec.FLAGS, argv.subList(1, 1 + Reexec.FLAGS.size()));
        assertEquals("-D" + Reexec.MARKER_PROPERTY + "=1", argv.get(1 + Reexec.FLAGS.size()));
        assertEquals(List.of("-Xmx64m", "-jar", "app.jar", "--arm"), argv.subList(2 + Reexec.FLAGS.size(), argv.size()));
    }

    @Test
    void newJdksAlsoAllowWhatJnrNeedsSoTheJournalHasNoJdkWarnings() {
        List<String> argv = Reexec.withFlags(List.of("java", "-jar", "app.jar"), 25);
        assertTrue(argv.containsAll(List.of("--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow")));
        assertEquals(List.of("-jar", "app.jar"), argv.subList(argv.size() - 2, argv.size()));
        assertTrue(!Reexec.withFlags(List.of("java"), 21).contains("--sun-misc-unsafe-memory-access=allow"));
    }

    @Test
    void flagNames() {
        assertEquals("DisableAttachMechanism", Reexec.flagName("-XX:+DisableAttachMechanism"));
        assertEquals("UsePerfData", Reexec.flagName("-XX:-UsePerfData"));
        assertEquals("ErrorFile", Reexec.flagName("-XX:ErrorFile=/dev/null"));
    }

    @Test
    void aTestJvmWithoutTheFlagsIsSeenAsMissingThem() {
        // Surefire's forked JVM runs with none of them (unless someone configured it so).
        List<String> missing = Reexec.missingFlags();
        assertTrue(Reexec.FLAGS.containsAll(missing), missing.toString());
    }

    @Test
    void argvIsReadFromProc() throws Exception {
        List<String> argv = Reexec.currentArgv();
        assertTrue(argv.get(0).contains("java"), argv.toString());
    }
}
