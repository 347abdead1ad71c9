package dev.dazai.app.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dazai.app.dist.DistFilesAccess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
        assertEquals("MaxHeapSize", Reexec.flagName("-Xmx64m"));
        assertEquals("MaxMetaspaceSize", Reexec.flagName("-XX:MaxMetaspaceSize=64m"));
    }

    @Test
    void flagValuesAreWhatTheVmReports() {
        assertEquals("true", Reexec.flagValue("-XX:+DisableAttachMechanism"));
        assertEquals("false", Reexec.flagValue("-XX:-UsePerfData"));
        assertEquals("/dev/null", Reexec.flagValue("-XX:ErrorFile=/dev/null"));
        assertEquals("67108864", Reexec.flagValue("-Xmx64m"));
        assertEquals("33554432", Reexec.flagValue("-XX:ReservedCodeCacheSize=32m"));
    }

    @Test
    void aSmallerSizeThanAskedIsEnoughButALargerOneIsNot() {
        assertTrue(Reexec.satisfied("MaxHeapSize", "67108864", "33554432"));
        assertTrue(Reexec.satisfied("MaxHeapSize", "67108864", "67108864"));
        assertTrue(!Reexec.satisfied("MaxHeapSize", "67108864", "6320816128"));
        assertTrue(!Reexec.satisfied("UsePerfData", "false", "true"));
    }

    @Test
    void everyFlagIsOneTheVmKnowsAndReportsBack() {
        var vm = java.lang.management.ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
        for (String flag : Reexec.FLAGS) {
            assertTrue(vm.getVMOption(Reexec.flagName(flag)) != null, flag);
        }
    }

    @Test
    void aTestJvmWithoutTheFlagsIsSeenAsMissingThem() {
        // Surefire's forked JVM runs with none of them (unless someone configured it so).
        List<String> missing = Reexec.missingFlags();
        assertTrue(Reexec.FLAGS.containsAll(missing), missing.toString());
    }

    /**
     * bin/dazai starts every JVM with lib/dazai/jvm.options, written from DistFiles: a JVM given
     * that file as an @argfile must find no flag missing, or the daemon would re-exec after all.
     */
    @Test
    void aJvmStartedWithTheLaunchersOptionsFileLacksNoFlagSoTheDaemonDoesNotReexec(@TempDir Path dir) throws Exception {
        DistFilesAccess.write(dir);
        Path options = dir.resolve("lib/dazai/jvm.options");
        assertTrue(Files.readAllLines(options).containsAll(Reexec.FLAGS), Files.readString(options));

        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "@" + options, "-cp", System.getProperty("java.class.path"), MissingFlagsProbe.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals("END", out.strip(), "flags the launcher's JVM lacks: " + out);

        // And the same probe without them does see them missing: the check has teeth.
        cmd.remove(1);
        Process bare = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String missing = new String(bare.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(bare.waitFor(60, TimeUnit.SECONDS));
        assertTrue(missing.contains("-XX:+DisableAttachMechanism"), missing);
    }

    @Test
    void argvIsReadFromProc() throws Exception {
        List<String> argv = Reexec.currentArgv();
        assertTrue(argv.get(0).contains("java"), argv.toString());
    }
}
