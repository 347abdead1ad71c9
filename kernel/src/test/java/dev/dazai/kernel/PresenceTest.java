package dev.dazai.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dazai.kernel.Rig.Line;
import dev.dazai.kernel.domain.Mode;
import dev.dazai.kernel.domain.State;
import dev.dazai.kernel.domain.Window;
import dev.dazai.kernel.port.in.Presence.Session;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Presence: the slot plus the user's sessions; only the last one out is a loss. */
class PresenceTest {

    private Rig rig;

    @AfterEach
    void noInvariantBroken() {
        if (rig != null) {
            rig.settle();
            assertEquals(List.of(), Invariants.all(rig.dms.config().mode(), rig.journal));
            assertEquals(0, rig.dms.deniedCount(), "machine refused a step: " + rig.journal);
            rig.close();
        }
    }

    private static Session shell(long pid) {
        return new Session(pid, 1000 + pid, "pts/" + pid, "bash", 0);
    }

    private void starts(Session s) {
        rig.dms.sessionStarts(s);
        rig.settle();
    }

    private void ends(Session s) {
        rig.dms.sessionEnds(s);
        rig.settle();
    }

    @Test
    void aSessionAttachesTheSwitch() {
        rig = Rig.waiting(Mode.Armed, 1_000);
        starts(shell(11));
        assertEquals(State.Attached, rig.dms.status().state());
        assertEquals(List.of(shell(11)), rig.dms.status().sessions());
    }

    @Test
    void leavingOneOfTwoShellsChangesNothingTheLastOneOutOpensTheWindow() {
        rig = Rig.waiting(Mode.Armed, 1_000);
        starts(shell(11));
        starts(shell(12));
        ends(shell(11));
        rig.clock.advance(5_000);
        rig.settle();
        assertEquals(State.Attached, rig.dms.status().state(), "a session that was not the last opened a window");
        ends(shell(12));
        assertEquals(State.Grace, rig.dms.status().state());
        assertEquals(Window.Loss, rig.dms.status().window());
        rig.clock.advance(1_000);
        rig.settle();
        assertEquals(State.Dying, rig.dms.status().state());
    }

    @Test
    void aNewSessionInsideTheLossWindowCancelsIt() {
        rig = Rig.waiting(Mode.Armed, 1_000);
        starts(shell(11));
        ends(shell(11));
        rig.clock.advance(500);
        starts(shell(13));
        rig.clock.advance(5_000);
        rig.settle();
        assertEquals(State.Attached, rig.dms.status().state());
        assertEquals(List.of("load"), rig.calls);
    }

    @Test
    void aNewSessionDoesNotCancelAPanic() {
        rig = Rig.waiting(Mode.Armed, 1_000);
        starts(shell(11));
        rig.dms.ownerPanics("SIGUSR1");
        starts(shell(12));
        assertEquals(State.Grace, rig.dms.status().state());
        rig.clock.advance(1_000);
        rig.settle();
        assertEquals(State.Dying, rig.dms.status().state());
    }

    @Test
    void theHeartbeatLeavingWhileASessionLivesIsNoLoss() {
        rig = Rig.waiting(Mode.Armed, 1_000);
        Line hb = rig.attach(7);
        starts(shell(11));
        hb.hangUp();
        rig.settle();
        assertEquals(State.Attached, rig.dms.status().state());
        ends(shell(11));
        assertEquals(State.Grace, rig.dms.status().state(), "the last presence left and nothing opened");
    }

    @Test
    void aSessionLeavingWhileTheHeartbeatHoldsTheSlotIsNoLoss() {
        rig = Rig.waiting(Mode.Armed, 1_000);
        Line hb = rig.attach(7);
        starts(shell(11));
        ends(shell(11));
        assertEquals(State.Attached, rig.dms.status().state());
        hb.hangUp();
        rig.settle();
        assertEquals(State.Grace, rig.dms.status().state());
    }

    @Test
    void aSilentHeartbeatIsNoLossWhileASessionLives() {
        rig = new Rig(Mode.Armed, 1_000, 3_000);
        rig.dms.daemonInstallsHandlers();
        rig.dms.daemonLoadsSecret();
        rig.settle();
        starts(shell(11));
        rig.attach(7);
        rig.clock.advance(10_000);
        rig.settle();
        assertEquals(State.Attached, rig.dms.status().state(), "the ping deadline tripped while a shell lived");
    }

    @Test
    void theLastSessionOutWithGraceZeroFires() {
        rig = Rig.waiting(Mode.Armed, 0);
        rig.register(101);
        starts(shell(11));
        ends(shell(11));
        assertEquals(List.of("load", "kill 101", "wipe", "unlink", "die"), rig.calls);
    }

    @Test
    void aSessionReportedTwiceCountsOnceAndAnUnknownEndIsNothing() {
        rig = Rig.waiting(Mode.Armed, 1_000);
        starts(shell(11));
        starts(shell(11));
        ends(shell(99));
        assertEquals(1, rig.dms.status().sessions().size());
        ends(shell(11));
        assertEquals(State.Grace, rig.dms.status().state());
        assertTrue(rig.dms.status().sessions().isEmpty());
    }

    @Test
    void aSessionWithTheSamePidButAnotherIncarnationIsAnotherSession() {
        rig = Rig.waiting(Mode.Armed, 1_000);
        starts(shell(11));
        ends(new Session(11, 1, "pts/11", "bash", 0)); // the PID reused by someone else
        assertEquals(State.Attached, rig.dms.status().state());
    }

    @Test
    void aHeartbeatSilentPastItsDeadlineDoesNotKeepTheSwitchAttachedOnceTheLastSessionEnds() {
        rig = new Rig(Mode.Armed, 1_000, 3_000);
        rig.dms.daemonInstallsHandlers();
        rig.dms.daemonLoadsSecret();
        rig.dms.daemonBecomesReady();
        rig.settle();
        starts(shell(11));
        rig.attach(7);
        rig.clock.advance(10_000);
        rig.settle();
        assertEquals(State.Attached, rig.dms.status().state());
        ends(shell(11));
        rig.clock.advance(10_000);
        rig.settle();
        assertEquals(State.Dying, rig.dms.status().state(), "a silent heartbeat kept the switch attached for ever");
    }

    @Test
    void aSessionTakingBackASilenceWindowLeavesTheHeartbeatWatched() {
        rig = new Rig(Mode.Armed, 1_000, 3_000);
        rig.dms.daemonInstallsHandlers();
        rig.dms.daemonLoadsSecret();
        rig.dms.daemonBecomesReady();
        rig.settle();
        rig.attach(7);
        rig.clock.advance(3_000); // the heartbeat goes silent: a Loss window, the slot still held
        rig.settle();
        assertEquals(State.Grace, rig.dms.status().state());
        starts(shell(11)); // a session takes it back
        assertEquals(State.Attached, rig.dms.status().state());
        ends(shell(11));
        rig.clock.advance(3_000);
        rig.settle();
        assertEquals(State.Grace, rig.dms.status().state(), "the silent heartbeat was no longer watched");
    }
}
