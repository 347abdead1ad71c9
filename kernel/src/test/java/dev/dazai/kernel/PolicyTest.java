package dev.dazai.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dazai.kernel.domain.Invariants;
import dev.dazai.kernel.domain.Mode;
import dev.dazai.kernel.domain.State;
import dev.dazai.kernel.port.in.Liveness.CancelOutcome;
import dev.dazai.kernel.port.in.Liveness.Heartbeat;
import dev.dazai.kernel.port.out.RegistrationException;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The reference policy, one behaviour per test, on fakes. */
class PolicyTest {

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

    private Heartbeat attach(long pid) {
        return rig.dms.hello(pid).orElseThrow(() -> new AssertionError("BUSY for the first heartbeat"));
    }

    @Test
    void dryRunNeverKills() {
        rig = Rig.waiting(Mode.DryRun, 0);
        rig.dms.register(101, OptionalLong.empty());
        rig.dms.register(102, OptionalLong.empty());
        attach(7).lost();
        rig.settle();
        assertEquals(List.of(), rig.callsStartingWith("kill"));
        assertEquals(List.of("load", "wipe", "unlink", "exit 0"), rig.calls);
        assertEquals(2, rig.events().stream().filter("WOULD_SIGKILL"::equals).count() - 1, "one per holder, plus self");
        assertEquals(State.Rehearsed, rig.dms.status().state());
    }

    @Test
    void warmUpChangesNothingAHeartbeatOrAFireCanSee() {
        rig = Rig.waiting(Mode.Armed, 0);
        rig.dms.register(101, OptionalLong.empty());
        rig.dms.warmUp();
        Heartbeat hb = attach(7);
        rig.settle();
        assertEquals(State.Attached, rig.dms.status().state());
        assertEquals(List.of("load"), rig.calls, "warming acted on a port");
        hb.lost();
        rig.settle();
        assertEquals(List.of("load", "kill 101", "wipe", "unlink", "die"), rig.calls);
        assertEquals(State.Dying, rig.dms.status().state());
    }

    @Test
    void armedGraceKillsOnlyAfterTheDeadline() {
        rig = Rig.waiting(Mode.Armed, 1_000);
        rig.dms.register(101, OptionalLong.empty());
        attach(7).lost();
        rig.settle();
        assertEquals(State.Grace, rig.dms.status().state());
        rig.clock.advance(999);
        rig.settle();
        assertEquals(List.of(), rig.callsStartingWith("kill"), "killed before the deadline");
        rig.clock.advance(1);
        rig.settle();
        assertEquals(List.of("load", "kill 101", "wipe", "unlink", "die"), rig.calls);
        assertEquals(State.Dying, rig.dms.status().state());
    }

    @Test
    void reconnectInsideTheWindowCancels() {
        rig = Rig.waiting(Mode.Armed, 1_000);
        attach(7).lost();
        rig.settle();
        rig.clock.advance(500);
        Heartbeat again = attach(8);
        rig.clock.advance(10_000);
        rig.settle();
        assertEquals(List.of("load"), rig.calls);
        assertEquals(State.Attached, rig.dms.status().state());
        assertTrue(again.ping());
    }

    @Test
    void cancelFromTheAttachedHeartbeatCancels() {
        rig = Rig.waiting(Mode.Armed, 1_000);
        Heartbeat hb = attach(7);
        rig.dms.gracefulSignal("SIGUSR1");
        rig.settle();
        assertEquals(State.Grace, rig.dms.status().state());
        assertEquals(CancelOutcome.CANCELLED, hb.cancel());
        rig.clock.advance(5_000);
        rig.settle();
        assertEquals(State.Attached, rig.dms.status().state());
        assertEquals(CancelOutcome.NOTHING_PENDING, hb.cancel());
    }

    @Test
    void aSecondTriggerDoesNotExtendTheWindow() {
        rig = Rig.waiting(Mode.Armed, 1_000);
        attach(7).lost();
        rig.settle();
        rig.clock.advance(600);
        rig.dms.gracefulSignal("SIGHUP");
        rig.settle();
        rig.clock.advance(400);
        rig.settle();
        assertEquals(State.Dying, rig.dms.status().state(), "the window was extended by the second trigger");
    }

    @Test
    void hardPanicFiresInsideAWindow() {
        rig = Rig.waiting(Mode.Armed, 60_000);
        rig.dms.register(101, OptionalLong.empty());
        attach(7).lost();
        rig.settle();
        rig.dms.hardPanic("SIGUSR2");
        rig.settle();
        assertEquals(List.of("load", "kill 101", "wipe", "unlink", "die"), rig.calls);
    }

    @Test
    void theSequenceFiresOnce() throws Exception {
        rig = Rig.waiting(Mode.Armed, 0);
        rig.dms.register(101, OptionalLong.empty());
        Heartbeat hb = attach(7);
        Thread[] threads = {
            new Thread(() -> rig.dms.hardPanic("SIGUSR2")),
            new Thread(() -> rig.dms.gracefulSignal("SIGHUP")),
            new Thread(hb::lost),
            new Thread(() -> rig.dms.shutdown("SIGTERM")),
        };
        for (Thread t : threads) {
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        rig.settle();
        assertEquals(1, rig.calls.stream().filter(c -> c.equals("die") || c.startsWith("exit")).count(), rig.calls.toString());
        assertEquals(1, rig.callsStartingWith("wipe").size());
        assertTrue(rig.dms.sequenceCount() <= 1);
    }

    @Test
    void aSignalDuringLoadingAbortsTheLoadAndWipes() throws Exception {
        rig = new Rig(Mode.Armed, 5_000, 0);
        rig.memory.loadGate = new CountDownLatch(1);
        rig.dms.handlersLive();
        Thread loader = new Thread(() -> assertFalse(rig.dms.loadSecret(), "load went on after the signal"));
        loader.start();
        while (!rig.calls.contains("load")) {
            Thread.onSpinWait();
        }
        rig.dms.gracefulSignal("SIGHUP");
        rig.settle();
        assertTrue(rig.calls.contains("die"), "the early signal was lost: " + rig.calls);
        rig.memory.loadGate.countDown();
        loader.join();
        assertEquals("wipe", rig.calls.get(rig.calls.size() - 1), "what the load read after the signal was not wiped");
        assertEquals(0, rig.memory.size());
    }

    @Test
    void aSignalBeforeHandlersAreLiveIsNotLost() {
        rig = new Rig(Mode.DryRun, 5_000, 0);
        rig.dms.hardPanic("SIGUSR2");
        rig.dms.handlersLive();
        assertFalse(rig.dms.loadSecret());
        rig.settle();
        assertTrue(rig.calls.contains("exit 0"), rig.calls.toString());
        assertFalse(rig.calls.contains("load"), "loaded a secret after a panic");
    }

    @Test
    void aSecondConnectionGetsBusyAndCannotCancel() {
        rig = Rig.waiting(Mode.Armed, 1_000);
        Heartbeat first = attach(7);
        assertTrue(rig.dms.hello(8).isEmpty(), "second connection took the slot");
        rig.dms.gracefulSignal("SIGUSR1");
        rig.settle();
        assertTrue(rig.dms.hello(9).isEmpty(), "a stranger reconnected while the heartbeat was attached");
        assertEquals(State.Grace, rig.dms.status().state());
        assertEquals(OptionalLong.of(7), rig.dms.status().heartbeatPid());
        assertEquals(CancelOutcome.CANCELLED, first.cancel());
    }

    @Test
    void shutdownWipesUnlinksAndSparesHolders() {
        rig = Rig.waiting(Mode.Armed, 1_000);
        rig.dms.register(101, OptionalLong.empty());
        attach(7).quit();
        rig.settle();
        assertEquals(List.of("load", "wipe", "unlink", "exit 0"), rig.calls);
        assertEquals(State.Stopped, rig.dms.status().state());
    }

    @Test
    void shutdownInsideAWindowFiresInstead() {
        rig = Rig.waiting(Mode.Armed, 60_000);
        rig.dms.register(101, OptionalLong.empty());
        attach(7).lost();
        rig.settle();
        rig.dms.shutdown("SIGTERM");
        rig.settle();
        assertEquals(List.of("load", "kill 101", "wipe", "unlink", "die"), rig.calls);
    }

    @Test
    void anExitedHolderIsReportedGone() {
        rig = Rig.waiting(Mode.Armed, 0);
        rig.dms.register(101, OptionalLong.empty());
        rig.dms.register(102, OptionalLong.empty());
        rig.holders.exits(101);
        rig.dms.hardPanic("SIGUSR2");
        rig.settle();
        assertEquals(List.of("load", "kill 102", "wipe", "unlink", "die"), rig.calls);
        assertTrue(rig.events().contains("GONE"));
    }

    @Test
    void registrationIsRefusedOnceFired() {
        rig = Rig.waiting(Mode.DryRun, 0);
        rig.dms.hardPanic("SIGUSR2");
        assertThrows(RegistrationException.class, () -> rig.dms.register(101, OptionalLong.empty()));
    }

    @Test
    void pingTimeoutOpensTheWindowAndPingsKeepItShut() {
        rig = new Rig(Mode.Armed, 1_000, 3_000);
        rig.dms.handlersLive();
        rig.dms.loadSecret();
        rig.settle();
        Heartbeat hb = attach(7);
        for (int i = 0; i < 5; i++) {
            rig.clock.advance(2_000);
            assertTrue(hb.ping());
            rig.settle();
        }
        assertEquals(State.Attached, rig.dms.status().state());
        rig.clock.advance(3_000);
        rig.settle();
        assertEquals(State.Grace, rig.dms.status().state());
        rig.clock.advance(1_000);
        rig.settle();
        assertEquals(State.Dying, rig.dms.status().state());
    }

    @Test
    void statusShowsTheWindowAndThePeer() {
        rig = Rig.waiting(Mode.DryRun, 10_000);
        Heartbeat hb = attach(42);
        rig.clock.advance(300);
        assertEquals(OptionalLong.of(300), rig.dms.status().lastPingAgoMillis());
        rig.dms.gracefulSignal("SIGHUP");
        rig.settle();
        rig.clock.advance(4_000);
        assertEquals(OptionalLong.of(6_000), rig.dms.status().graceRemainingMillis());
        assertEquals(CancelOutcome.CANCELLED, hb.cancel());
        assertEquals(OptionalLong.empty(), rig.dms.status().graceRemainingMillis());
    }
}
