package dev.dazai.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What ssh-agent and gpg-agent users expect: `dazai stop` stands down cleanly; --lifetime panics at a deadline. */
class StopAndLifetimeIT {

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
    void stopWipesRemovesItsFilesAndLeavesHoldersAlone() throws Exception {
        Process holder = dazai.holder();
        Dazai.Daemon d = dazai.start("--arm", "--grace", "30", "--register", Long.toString(holder.pid()));
        Dazai.Run stop = dazai.client("stop");
        assertEquals(0, stop.exit(), stop.stderr());
        assertEquals(0, d.awaitExit(), d.log());
        Dazai.assertInOrder(d.log(), "TRIGGER OwnerStops control.sock STOP", "WIPED", "UNLINKED", "EXIT 0 stopped");
        assertFalse(Files.exists(dazai.pidfile()), "pidfile removed");
        assertTrue(Dazai.alive(holder.pid()), "a clean stop kills no holder");
    }

    @Test
    void stopInsideAPanicsWindowFiresInstead() throws Exception {
        Process holder = dazai.holder();
        Dazai.Daemon d = dazai.start("--arm", "--grace", "3600", "--register", Long.toString(holder.pid()));
        assertEquals(0, dazai.client("panic").exit());
        d.awaitLog("GRACE_START");
        dazai.client("stop");
        d.awaitExit();
        Dazai.assertInOrder(d.log(), "FIRE OwnerStops", "KILLED " + holder.pid(), "WIPED", "DIE");
        assertFalse(Dazai.alive(holder.pid()), "a pending panic was downgraded to a stop");
    }

    @Test
    void theLifetimePanicsWhilePresentAndGraceStillApplies() throws Exception {
        Dazai.Daemon d = dazai.start("--lifetime", "2", "--grace", "1");
        Process hb = dazai.heartbeat(d);
        assertEquals(0, d.awaitExit(), d.log());
        Dazai.assertInOrder(d.log(), "GRACE_START 1000 ms, OwnerPanics --lifetime of 2000 ms", "FIRE TimerExpires",
                "WIPED", "EXIT 0 rehearsed");
        hb.destroyForcibly();
    }

    @Test
    void aLifetimeThatIsNotADurationIsAUsageError() throws Exception {
        Dazai.Run r = dazai.client("--lifetime", "soon");
        assertEquals(2, r.exit(), r.stderr());
        assertTrue(r.stderr().contains("'soon' is not a lifetime"), r.stderr());
    }
}
