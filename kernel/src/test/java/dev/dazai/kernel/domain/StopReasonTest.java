package dev.dazai.kernel.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dazai.kernel.domain.StopReason.Reason;
import org.junit.jupiter.api.Test;

/** The classification rule, one case each; the race itself is in jcstress/StopReason_01_MarkBeforeKill. */
class StopReasonTest {

    private final StopReason reason = new StopReason();

    @Test
    void aChildThatExitsByItselfIsReportedExited() {
        assertEquals(Reason.EXITED, reason.classify(false));
    }

    @Test
    void anExitStatusWinsOverAMarkThatCameTooLate() {
        reason.markKilling();
        assertEquals(Reason.EXITED, reason.classify(false), "the child exited before our kill landed");
    }

    @Test
    void aSignalAfterTheMarkIsTheSwitchsKill() {
        assertTrue(reason.markKilling());
        assertEquals(Reason.KILLED_BY_SWITCH, reason.classify(true));
    }

    @Test
    void aSignalWithoutTheMarkIsSomebodyElses() {
        assertEquals(Reason.KILLED_BY_OTHER, reason.classify(true));
        assertFalse(reason.isKilling());
    }

    @Test
    void onlyTheFirstCallerSendsTheKill() {
        assertTrue(reason.markKilling());
        assertFalse(reason.markKilling());
        assertTrue(reason.isKilling());
    }
}
