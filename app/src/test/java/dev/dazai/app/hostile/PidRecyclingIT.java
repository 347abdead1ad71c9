package dev.dazai.app.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PID recycling on purpose, end to end (NoInnocentKilled). In a PID namespace of its own, where
 * {@code ns_last_pid} steers which number the next process gets: a holder is registered with an
 * armed daemon, exits and is reaped; an innocent {@code sleep} is started on the very same PID;
 * the daemon fires. The innocent must live, and the journal must say the holder was GONE.
 *
 * <p>The scenario runs as a script that is PID 1 of the namespace, because only a process inside
 * it can read and steer the numbers. {@code --kill-child} takes the whole namespace down if the
 * test ends early.
 */
class PidRecyclingIT {

    /** PID 1 of the namespace. Prints KEY value lines for the test to read. */
    private static final String SCENARIO = String.join("\n",
            "#!/bin/bash",
            "set -u",
            "JAVA=$1; JAR=$2; DIR=$3",
            "sleep 1000 & H=$!",
            "echo \"HOLDER $H\"",
            "\"$JAVA\" -jar \"$JAR\" --arm --grace 0 --socket-dir \"$DIR/s\" --register $H > \"$DIR/daemon.out\" 2> \"$DIR/daemon.err\" &",
            "D=$!",
            "echo \"DAEMON $D\"",
            "for i in $(seq 900); do [ -f \"$DIR/s/dazai.pid\" ] && break; sleep 0.1; done",
            "[ -f \"$DIR/s/dazai.pid\" ] || { echo NOT_READY; exit 2; }",
            "kill -KILL $H; wait $H 2>/dev/null",
            "# The kernel hands out ns_last_pid+1 next; a daemon thread may take it first, so retry.",
            "for attempt in $(seq 50); do",
            "  echo $((H - 1)) > /proc/sys/kernel/ns_last_pid",
            "  sleep 1000 & I=$!",
            "  [ \"$I\" = \"$H\" ] && break",
            "  kill -KILL $I; wait $I 2>/dev/null",
            "done",
            "echo \"INNOCENT $I\"",
            "[ \"$I\" = \"$H\" ] || { echo NOT_RECYCLED; exit 3; }",
            "# The forked shell may not have exec'd sleep yet: wait until the PID really runs it.",
            "for i in $(seq 100); do grep -q '^sleep' /proc/$I/cmdline 2>/dev/null && break; sleep 0.05; done",
            "echo \"CMDLINE $(tr '\\0' ' ' < /proc/$I/cmdline)\"",
            "kill -USR2 $D",
            "wait $D; echo \"DAEMON_EXIT $?\"",
            "if kill -0 $I 2>/dev/null; then echo INNOCENT_ALIVE; else echo INNOCENT_DEAD; fi",
            "kill -KILL $I 2>/dev/null",
            "exit 0",
            "");

    @TempDir
    Path tmp;

    private Lab lab;

    @BeforeAll
    static void rootAndUnshare() {
        assumeTrue(Host.isRoot(), "needs root: a new PID namespace and writing ns_last_pid need CAP_SYS_ADMIN");
        assumeTrue(Host.onPath("unshare") && Host.onPath("bash"), "needs unshare (util-linux) and bash");
    }

    @BeforeEach
    void setUp() throws IOException {
        lab = new Lab(tmp);
    }

    @AfterEach
    void tearDown() {
        lab.close();
    }

    @Test
    void anInnocentOnTheHoldersRecycledPidSurvivesAnArmedFire() throws Exception {
        Path script = Files.writeString(tmp.resolve("scenario.sh"), SCENARIO);
        Path dir = Files.createDirectory(tmp.resolve("ns"));
        Path out = tmp.resolve("scenario.out");
        Path err = tmp.resolve("scenario.err");
        Process ns = lab.track(new ProcessBuilder("unshare", "-p", "-f", "--mount-proc", "--kill-child", "bash",
                script.toString(), Host.jdkTool("java"), lab.jar().toString(), dir.toString())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start());
        assertTrue(ns.waitFor(Host.LIVENESS.toSeconds() * 2, TimeUnit.SECONDS), "the scenario finished");
        String said = Host.read(out);
        String journal = Host.read(dir.resolve("daemon.err"));
        String report = said + Host.read(err) + "\n--- daemon journal ---\n" + journal;
        assumeTrue(!Host.read(err).contains("unshare failed"), "unshare refused here: " + Host.read(err));
        assertEquals(0, ns.exitValue(), "scenario:\n" + report);

        String holder = value(said, "HOLDER");
        assertEquals(holder, value(said, "INNOCENT"), "the innocent got the holder's PID");
        assertTrue(value(said, "CMDLINE").startsWith("sleep 1000"), report);
        assertEquals("137", value(said, "DAEMON_EXIT"), "the armed daemon fired and SIGKILLed itself:\n" + report);
        assertTrue(said.contains("INNOCENT_ALIVE"), "the process on the recycled PID was killed:\n" + report);
        Host.assertInOrder(journal, "FIRE", "GONE " + holder + "$", "WIPED", "DIE");
        assertFalse(journal.contains("KILLED " + holder), report);
        System.out.printf("FIGURE pid-recycling holder=%s innocent=%s innocentAlive=true journal=GONE%n",
                holder, value(said, "INNOCENT"));
    }

    private static String value(String out, String key) {
        Matcher m = Pattern.compile("^" + key + " (.*)$", Pattern.MULTILINE).matcher(out);
        if (!m.find()) {
            throw new AssertionError("no " + key + " line in:\n" + out);
        }
        return m.group(1).strip();
    }
}
