package dev.dazai.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real signals sent with kill(1) to the armed daemon, as DESIGN.md's signal table says. */
class SignalsIT {

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
    void usr2FiresAtOnceEvenWithALongWindow() throws Exception {
        Process holder = dazai.holder();
        Dazai.Daemon d = dazai.start("--arm", "--grace", "3600", "--register", Long.toString(holder.pid()));

        d.signal("USR2");

        assertEquals(ArmedIT.SIGKILLED, d.awaitExit(), d.log());
        assertFalse(Dazai.alive(holder.pid()));
        Dazai.assertInOrder(d.log(), "FIRE OwnerPanicsHard SIGUSR2", "KILLED " + holder.pid(), "WIPED", "UNLINKED", "DIE");
        assertFalse(d.log().contains("GRACE_START"), d.log());
    }

    @Test
    void usr1GoesThroughTheWindowThenFires() throws Exception {
        Process holder = dazai.holder();
        Dazai.Daemon d = dazai.start("--arm", "--grace", "2", "--register", Long.toString(holder.pid()));

        d.signal("USR1");

        assertEquals(ArmedIT.SIGKILLED, d.awaitExit(), d.log());
        String log = d.log();
        Dazai.assertInOrder(log, "TRIGGER OwnerPanics SIGUSR1", "GRACE_START 2000 ms", "FIRE TimerExpires",
                "KILLED " + holder.pid(), "WIPED", "UNLINKED", "DIE");
        // Not a speed check: the window is a lower bound, on the journal's own monotonic clock.
        assertTrue(mono(log, "FIRE TimerExpires") - mono(log, "GRACE_START") >= 2000 - 5, log);
        assertFalse(Dazai.alive(holder.pid()));
    }

    @Test
    void aHardPanicInsideAWindowFiresAtOnce() throws Exception {
        Process holder = dazai.holder();
        Dazai.Daemon d = dazai.start("--arm", "--grace", "3600", "--register", Long.toString(holder.pid()));
        d.signal("HUP");
        d.awaitLog("GRACE_START 3600000 ms, OwnerPanics SIGHUP");

        Dazai.Run hard = dazai.client("panic", "--hard");

        assertEquals(0, hard.exit(), hard.stderr());
        assertEquals(ArmedIT.SIGKILLED, d.awaitExit(), d.log());
        Dazai.assertInOrder(d.log(), "FIRE OwnerPanicsHard control.sock PANIC HARD", "KILLED " + holder.pid(), "WIPED");
    }

    @ParameterizedTest
    @ValueSource(strings = {"TERM", "INT"})
    void termAndIntStopCleanlyAndLeaveHoldersAlone(String signal) throws Exception {
        Process holder = dazai.holder();
        Dazai.Daemon d = dazai.start("--arm", "--register", Long.toString(holder.pid()));
        dazai.heartbeat(d);

        d.signal(signal);

        assertEquals(0, d.awaitExit(), d.log());
        Dazai.assertInOrder(d.log(), "TRIGGER OwnerStops SIG" + signal, "WIPED 32 bytes", "UNLINKED",
                "EXIT 0 stopped by SIG" + signal);
        assertFalse(d.log().contains("FIRE"), d.log());
        assertTrue(Dazai.alive(holder.pid()), "a clean stop kills nobody");
        assertFalse(Files.exists(dazai.pidfile()));
    }

    /**
     * {@code nohup dazai &} in a script: nohup ignores HUP, {@code &} without job control ignores
     * INT, and the JVM inherits both through exec. HotSpot would install no handler for them.
     */
    @Test
    void hupAndIntStillWorkWhenIgnoredAtStart() throws Exception {
        Dazai.Daemon d = dazai.startUnder(List.of("sh", "-c", "trap '' INT; exec nohup \"$@\"", "sh"), "--grace", "3600");

        d.signal("HUP");
        d.awaitLog("GRACE_START 3600000 ms, OwnerPanics SIGHUP");
        String signals = Dazai.request(dazai.controlSocket(), "SIGNALS").orElseThrow();
        for (String name : List.of("HUP", "INT")) {
            assertTrue(Pattern.compile("\"signal\":\"" + name + "\",[^}]*\"how\":\"sun.misc.Signal handler; SIG_IGN at start,"
                    + " reset to SIG_DFL\"").matcher(signals).find(), signals);
        }
        d.signal("INT"); // inside the window: the pending panic fires (a rehearsal, exit 0)

        assertEquals(0, d.awaitExit(), d.log());
        Dazai.assertInOrder(d.log(), "WARNING SIGHUP was ignored at start", "WARNING SIGINT was ignored at start",
                "TRIGGER OwnerPanics SIGHUP", "TRIGGER OwnerStops SIGINT", "WIPED");
    }

    @Test
    void dazaiSignalSendsOnlyWhatTheDaemonHandles() throws Exception {
        Dazai.Daemon d = dazai.start("--grace", "3600");

        Dazai.Run pipe = dazai.client("signal", "PIPE");
        Dazai.Run quit = dazai.client("signal", "QUIT");
        Dazai.Run bogus = dazai.client("signal", "NOPE");
        assertEquals(1, pipe.exit(), pipe.stderr());
        assertTrue(pipe.stderr().startsWith("dazai: the daemon does not handle SIGPIPE (ignored)"), pipe.stderr());
        assertEquals(1, quit.exit(), quit.stderr());
        assertEquals(2, bogus.exit(), bogus.stderr());
        assertTrue(d.process.isAlive());

        Dazai.Run usr1 = dazai.client("signal", "usr1");
        assertEquals(0, usr1.exit(), usr1.stderr());
        d.awaitLog("GRACE_START 3600000 ms, OwnerPanics SIGUSR1");
        Dazai.Run term = dazai.client("signal", "SIGTERM");
        assertEquals(0, term.exit(), term.stderr());
        assertEquals(0, d.awaitExit(), d.log());
    }

    /** The monotonic milliseconds of the first journal line containing {@code text}. */
    static long mono(String log, String text) {
        Matcher m = Pattern.compile("\\+(\\d+)ms [^\\n]*" + Pattern.quote(text)).matcher(log);
        assertTrue(m.find(), "no line with " + text + " in:\n" + log);
        return Long.parseLong(m.group(1));
    }
}
