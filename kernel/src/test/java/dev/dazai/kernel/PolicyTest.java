package dev.dazai.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dazai.kernel.Rig.Line;
import dev.dazai.kernel.domain.Mode;
import dev.dazai.kernel.domain.State;
import dev.dazai.kernel.domain.Window;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The switch's policy, one behaviour per test, on fakes. */
class PolicyTest {

    private Rig rig;

    @AfterEach
    void noInvariantBroken() {
        if (rig != null) {
            rig.settle();
            assertEquals(List.of(), Invariants.all(rig.dms.config().mode(), rig.journal));
            assertEquals(0, rig.dms.deniedCount(), "machine refused a step: " + rig.journal);
            assertTrue(rig.ends() <= 1, "the process ended twice: " + rig.calls);
            rig.close();
        }
    }

    @Test
    void dryRunNeverKills() {
        rig = Rig.waiting(Mode.DryRun, 0);
        rig.register(101);
        rig.register(102);
        rig.attach(7).hangUp();
        rig.settle();
        assertEquals(List.of(), rig.callsStartingWith("kill"));
        assertEquals(List.of("load", "wipe", "unlink", "exit 0"), rig.calls);
        assertEquals(2, rig.events().stream().filter("WOULD_SIGKILL"::equals).count() - 1, "one per holder, plus self");
        assertEquals(State.Rehearsed, rig.dms.status().state());
    }

    @Test
    void warmUpChangesNothingAHeartbeatOrAFireCanSee() {
        rig = Rig.waiting(Mode.Armed, 0);
        rig.register(101);
        rig.dms.warmUp();
        Line hb = rig.attach(7);
        rig.settle();
        assertEquals(State.Attached, rig.dms.status().state());
        assertEquals(List.of("load"), rig.calls, "warming acted on a port");
        hb.hangUp();
        rig.settle();
        assertEquals(List.of("load", "kill 101", "wipe", "unlink", "die"), rig.calls);
        assertEquals(State.Dying, rig.dms.status().state());
    }

    @Test
    void armedGraceKillsOnlyAfterTheDeadline() {
        rig = Rig.waiting(Mode.Armed, 1_000);
        rig.register(101);
        rig.attach(7).hangUp();
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
    void aReconnectCancelsAWindowTheLossOpened() {
        rig = Rig.waiting(Mode.Armed, 1_000);
        rig.attach(7).hangUp();
        rig.settle();
        assertEquals(Window.Loss, rig.dms.status().window());
        rig.clock.advance(500);
        Line again = rig.attach(8);
        rig.clock.advance(10_000);
        rig.settle();
        assertEquals(List.of("load"), rig.calls);
        assertEquals(State.Attached, rig.dms.status().state());
        assertEquals("PONG", again.ping());
    }

    @Test
    void aHelloDoesNotCancelAWindowAPanicOpened() {
        rig = Rig.waiting(Mode.Armed, 1_000);
        rig.dms.ownerPanics("SIGUSR1");
        rig.settle();
        assertEquals(Window.Panic, rig.dms.status().window());
        Line hello = rig.attach(8);
        assertEquals(State.Grace, rig.dms.status().state(), "a HELLO cancelled a panic");
        rig.clock.advance(1_000);
        rig.settle();
        assertEquals(List.of("load", "wipe", "unlink", "die"), rig.calls);
        assertEquals(List.of("WELCOME"), hello.answers);
    }

    @Test
    void aPanicInsideALossWindowIsNotUndoneByAReconnect() {
        rig = Rig.waiting(Mode.Armed, 1_000);
        rig.attach(7).hangUp();
        rig.dms.ownerPanics("SIGHUP");
        rig.settle();
        assertEquals(Window.Panic, rig.dms.status().window());
        rig.attach(8);
        rig.clock.advance(1_000);
        rig.settle();
        assertEquals(State.Dying, rig.dms.status().state());
    }

    @Test
    void aLossAfterAPanicLeavesItAPanic() {
        rig = Rig.waiting(Mode.Armed, 1_000);
        Line hb = rig.attach(7);
        rig.dms.ownerPanics("SIGUSR1");
        rig.settle();
        hb.hangUp();
        rig.settle();
        assertEquals(Window.Panic, rig.dms.status().window());
        rig.attach(8);
        assertEquals(State.Grace, rig.dms.status().state());
    }

    @Test
    void theHeartbeatsCancelTakesBackAnyWindow() {
        rig = Rig.waiting(Mode.Armed, 1_000);
        Line hb = rig.attach(7);
        rig.dms.ownerPanics("SIGUSR1");
        rig.settle();
        assertEquals(State.Grace, rig.dms.status().state());
        assertEquals("CANCELLED", hb.cancel());
        rig.clock.advance(5_000);
        rig.settle();
        assertEquals(State.Attached, rig.dms.status().state());
        assertEquals("NOTHING_PENDING", hb.cancel());
    }

    @Test
    void aSecondTriggerDoesNotExtendTheWindow() {
        rig = Rig.waiting(Mode.Armed, 1_000);
        rig.attach(7).hangUp();
        rig.settle();
        rig.clock.advance(600);
        rig.dms.ownerPanics("SIGHUP");
        rig.settle();
        rig.clock.advance(400);
        rig.settle();
        assertEquals(State.Dying, rig.dms.status().state(), "the window was extended by the second trigger");
    }

    @Test
    void hardPanicFiresInsideAWindow() {
        rig = Rig.waiting(Mode.Armed, 60_000);
        rig.register(101);
        rig.attach(7).hangUp();
        rig.settle();
        rig.dms.ownerPanicsHard("SIGUSR2");
        rig.settle();
        assertEquals(List.of("load", "kill 101", "wipe", "unlink", "die"), rig.calls);
    }

    @Test
    void theSequenceFiresOnce() throws Exception {
        rig = Rig.waiting(Mode.Armed, 0);
        rig.register(101);
        Line hb = rig.attach(7);
        Thread[] threads = {
            new Thread(() -> rig.dms.ownerPanicsHard("SIGUSR2")),
            new Thread(() -> rig.dms.ownerPanics("SIGHUP")),
            new Thread(hb::hangUp),
            new Thread(() -> rig.dms.ownerStops("SIGTERM")),
        };
        for (Thread t : threads) {
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        rig.settle();
        assertEquals(1, rig.ends(), rig.calls.toString());
        assertEquals(1, rig.callsStartingWith("wipe").size());
        assertEquals(1, rig.dms.sequenceCount() + (rig.calls.contains("exit 0") ? 1 : 0));
    }

    @Test
    void everyEndingRunsOnTheSequenceThreadNeverOnTheCallers() {
        for (String trigger : List.of("hard", "expiry", "loss", "stop", "quit")) {
            try (Rig r = Rig.waiting(Mode.Armed, trigger.equals("loss") ? 0 : 1_000)) {
                r.register(101);
                Line hb = r.attach(7);
                switch (trigger) {
                    case "hard" -> r.dms.ownerPanicsHard("SIGUSR2");
                    case "expiry" -> {
                        r.dms.ownerPanics("SIGHUP");
                        r.settle();
                        r.clock.advance(1_000);
                    }
                    case "loss" -> hb.hangUp();
                    case "stop" -> r.dms.ownerStops("SIGTERM");
                    default -> hb.quit();
                }
                r.settle();
                assertEquals(1, r.ends(), trigger + ": " + r.calls);
                assertEquals(List.of("dazai-sequence"), r.holders.threads.stream().distinct().toList(),
                        trigger + ": a port of the sequence ran on a caller's thread");
            }
        }
    }

    @Test
    void aSignalDuringLoadingAbortsTheLoadAndWipes() throws Exception {
        rig = new Rig(Mode.Armed, 5_000, 0);
        rig.memory.loadGate = new CountDownLatch(1);
        rig.dms.daemonInstallsHandlers();
        Thread loader = new Thread(() -> assertFalse(rig.dms.daemonLoadsSecret(), "load went on after the signal"));
        loader.start();
        while (!rig.calls.contains("load")) {
            Thread.onSpinWait();
        }
        rig.dms.ownerPanics("SIGHUP");
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
        rig.dms.ownerPanicsHard("SIGUSR2");
        rig.dms.daemonInstallsHandlers();
        rig.settle();
        assertFalse(rig.dms.daemonLoadsSecret());
        rig.settle();
        assertTrue(rig.calls.contains("exit 0"), rig.calls.toString());
        assertFalse(rig.calls.contains("load"), "loaded a secret after a panic");
    }

    @Test
    void aSecondConnectionIsToldBusyAtOnceAndCannotCancel() {
        rig = Rig.waiting(Mode.Armed, 1_000);
        Line first = rig.attach(7);
        Line second = rig.connect(8);
        rig.settle();
        assertEquals(List.of("BUSY"), second.answers, "BUSY must come on connect, before a word");
        assertTrue(second.closed);
        rig.dms.ownerPanics("SIGUSR1");
        rig.settle();
        assertEquals("BUSY", rig.hello(9).last(), "a stranger reconnected while the heartbeat was attached");
        assertEquals(State.Grace, rig.dms.status().state());
        assertEquals(OptionalLong.of(7), rig.dms.status().heartbeatPid());
        assertEquals("CANCELLED", first.cancel());
    }

    @Test
    void aHelloSentBeforeBusyWasReadNeverTakesTheSlotLater() {
        rig = Rig.waiting(Mode.Armed, 1_000);
        Line first = rig.attach(7);
        Line second = rig.connect(8);
        first.hangUp(); // the loss frees the slot after the second was told BUSY...
        rig.dms.clientSaysHello(second, 8); // ...and its HELLO, sent before it read BUSY, arrives now
        rig.settle();
        assertEquals(List.of("BUSY"), second.answers);
        assertEquals(State.Grace, rig.dms.status().state(), "a connection told BUSY cancelled the window");
        assertEquals(OptionalLong.empty(), rig.dms.status().heartbeatPid());
    }

    @Test
    void aStalledKernelThreadDelaysTheAnswerButNeverContradictsIt() throws Exception {
        rig = Rig.waiting(Mode.Armed, 60_000);
        rig.attach(7).hangUp();
        rig.settle();
        CountDownLatch stall = new CountDownLatch(1);
        rig.holders.registerGate = stall;
        rig.dms.ownerRegistersHolder(555, OptionalLong.empty(), answer -> { }); // holds the kernel thread
        Line late = rig.connect(8);
        rig.dms.clientSaysHello(late, 8);
        Thread.sleep(300); // far longer than the kernel needs when it is not stalled
        assertEquals(List.of(), late.answers, "answered before the kernel decided");
        stall.countDown();
        rig.settle();
        assertEquals(List.of("WELCOME"), late.answers);
        assertEquals(State.Attached, rig.dms.status().state());
        assertEquals(OptionalLong.of(8), rig.dms.status().heartbeatPid());
    }

    @Test
    void quitSaysByeWipesUnlinksAndSparesHolders() {
        rig = Rig.waiting(Mode.Armed, 1_000);
        rig.register(101);
        Line hb = rig.attach(7);
        hb.quit();
        rig.settle();
        assertEquals("BYE", hb.last());
        assertEquals(List.of("load", "wipe", "unlink", "exit 0"), rig.calls);
        assertEquals(State.Stopped, rig.dms.status().state());
    }

    @Test
    void quitInsideAWindowFiresAndSaysSo() {
        rig = Rig.waiting(Mode.Armed, 60_000);
        Line hb = rig.attach(7);
        rig.dms.ownerPanics("SIGUSR1");
        rig.settle();
        hb.quit();
        rig.settle();
        assertEquals("PANIC_PENDING", hb.last());
        assertEquals(State.Dying, rig.dms.status().state());
    }

    @Test
    void shutdownInsideAWindowFiresInstead() {
        rig = Rig.waiting(Mode.Armed, 60_000);
        rig.register(101);
        rig.attach(7).hangUp();
        rig.settle();
        rig.dms.ownerStops("SIGTERM");
        rig.settle();
        assertEquals(List.of("load", "kill 101", "wipe", "unlink", "die"), rig.calls);
    }

    @Test
    void anAbortedStartStopsThroughTheGate() {
        rig = Rig.waiting(Mode.Armed, 1_000);
        rig.register(101);
        rig.dms.daemonAbortsStart(3, "dazai: cannot listen");
        rig.settle();
        assertEquals(List.of("load", "wipe", "unlink", "exit 3 dazai: cannot listen"), rig.calls);
        assertEquals(State.Stopped, rig.dms.status().state());
    }

    @Test
    void anAbortAfterAHardPanicLetsTheSequenceFinish() throws Exception {
        rig = Rig.waiting(Mode.Armed, 1_000);
        rig.register(101);
        rig.holders.killGate = new CountDownLatch(1);
        rig.dms.ownerPanicsHard("SIGUSR2");
        rig.holders.killing.await();
        rig.dms.daemonAbortsStart(3, "cannot register pid 5: already fired");
        assertTrue(rig.dms.settleKernelThread(2_000));
        rig.holders.killGate.countDown();
        rig.settle();
        assertEquals(List.of("load", "kill 101", "wipe", "unlink", "die"), rig.calls);
    }

    @Test
    void anAbortInsideAWindowFires() {
        rig = Rig.waiting(Mode.Armed, 60_000);
        rig.register(101);
        rig.dms.ownerPanics("SIGHUP");
        rig.dms.daemonAbortsStart(3, "dazai: cannot listen");
        rig.settle();
        assertEquals(List.of("load", "kill 101", "wipe", "unlink", "die"), rig.calls);
    }

    @Test
    void noAbortOnceReady() {
        rig = Rig.waiting(Mode.Armed, 1_000);
        rig.dms.daemonBecomesReady();
        rig.dms.daemonAbortsStart(3, "late");
        rig.settle();
        assertEquals(List.of("load"), rig.calls);
        assertEquals(State.Waiting, rig.dms.status().state());
    }

    @Test
    void anExitedHolderIsReportedGone() {
        rig = Rig.waiting(Mode.Armed, 0);
        rig.register(101);
        rig.register(102);
        rig.holders.exits(101);
        rig.dms.ownerPanicsHard("SIGUSR2");
        rig.settle();
        assertEquals(List.of("load", "kill 102", "wipe", "unlink", "die"), rig.calls);
        assertTrue(rig.events().contains("GONE"));
    }

    @Test
    void registrationIsRefusedOnceFired() {
        rig = Rig.waiting(Mode.DryRun, 0);
        rig.dms.ownerPanicsHard("SIGUSR2");
        rig.settle();
        assertFalse(rig.register(101).ok());
    }

    @Test
    void unregisterIsRefusedOnceTheFireIsDecided() throws Exception {
        rig = Rig.waiting(Mode.Armed, 1_000);
        rig.register(101);
        rig.holders.killGate = new CountDownLatch(1);
        rig.dms.ownerPanicsHard("SIGUSR2");
        rig.holders.killing.await();
        var answer = new java.util.concurrent.CompletableFuture<dev.dazai.kernel.port.in.Registry.RegistryAnswer>();
        rig.dms.ownerUnregistersHolder(101, answer::complete);
        rig.holders.killGate.countDown();
        assertFalse(answer.get().ok(), "a holder left the kill list after the fire was decided");
        rig.settle();
        assertEquals(List.of("load", "kill 101", "wipe", "unlink", "die"), rig.calls);
    }

    @Test
    void unregisterBeforeTheFireSparesTheHolder() {
        rig = Rig.waiting(Mode.Armed, 0);
        rig.register(101);
        assertTrue(rig.unregister(101).ok());
        assertFalse(rig.unregister(101).ok());
        rig.dms.ownerPanicsHard("SIGUSR2");
        rig.settle();
        assertEquals(List.of("load", "wipe", "unlink", "die"), rig.calls);
    }

    @Test
    void pingTimeoutOpensTheWindowAndPingsKeepItShut() {
        rig = new Rig(Mode.Armed, 1_000, 3_000);
        rig.dms.daemonInstallsHandlers();
        rig.dms.daemonLoadsSecret();
        rig.settle();
        Line hb = rig.attach(7);
        for (int i = 0; i < 5; i++) {
            rig.clock.advance(2_000);
            assertEquals("PONG", hb.ping());
        }
        rig.settle();
        assertEquals(State.Attached, rig.dms.status().state());
        rig.clock.advance(3_000);
        rig.settle();
        assertEquals(State.Grace, rig.dms.status().state());
        assertEquals(Window.Loss, rig.dms.status().window());
        rig.clock.advance(1_000);
        rig.settle();
        assertEquals(State.Dying, rig.dms.status().state());
    }

    @Test
    void aPingFloodKeepsOneTimer() {
        rig = new Rig(Mode.Armed, 1_000, 3_000);
        rig.dms.daemonInstallsHandlers();
        rig.dms.daemonLoadsSecret();
        rig.settle();
        Line hb = rig.attach(7);
        for (int i = 0; i < 20_000; i++) {
            hb.heartbeat.pings();
        }
        rig.settle();
        assertTrue(rig.clock.pending() <= 1, "timers pending after a PING flood: " + rig.clock.pending());
        assertEquals(State.Attached, rig.dms.status().state());
    }

    @Test
    void anErrorInAnyThreadIsAHardPanic() {
        rig = Rig.waiting(Mode.Armed, 60_000);
        rig.register(101);
        rig.dms.threadDied(new Thread("dazai-heartbeat.sock"), new OutOfMemoryError("Java heap space"));
        rig.settle();
        assertEquals(List.of("load", "kill 101", "wipe", "unlink", "die"), rig.calls);
    }

    @Test
    void theJournalNamesThePeersRealPidAndTheClaimedOne() {
        rig = Rig.waiting(Mode.DryRun, 1_000);
        Line liar = rig.connect(4242);
        rig.dms.clientSaysHello(liar, 99999);
        rig.settle();
        assertTrue(rig.journal.stream().anyMatch(e -> e.detail().equals("pid 4242 (HELLO said 99999)")), rig.journal.toString());
        assertEquals(OptionalLong.of(4242), rig.dms.status().heartbeatPid());
    }

    @Test
    void statusShowsTheWindowAndThePeer() {
        rig = Rig.waiting(Mode.DryRun, 10_000);
        Line hb = rig.attach(42);
        rig.clock.advance(300);
        assertEquals(OptionalLong.of(300), rig.dms.status().lastPingAgoMillis());
        rig.dms.ownerPanics("SIGHUP");
        rig.settle();
        rig.clock.advance(4_000);
        assertEquals(OptionalLong.of(6_000), rig.dms.status().graceRemainingMillis());
        assertEquals("CANCELLED", hb.cancel());
        assertEquals(OptionalLong.empty(), rig.dms.status().graceRemainingMillis());
    }

    @Test
    void aHeartbeatThatLostTheSlotCannotCancel() {
        rig = Rig.waiting(Mode.Armed, 1_000);
        Line first = rig.attach(7);
        rig.dms.ownerPanics("SIGUSR1");
        first.hangUp();
        rig.settle();
        rig.attach(8);
        assertEquals("TOO_LATE", first.cancel(), "a connection that no longer holds the slot cancelled");
        assertEquals(State.Grace, rig.dms.status().state());
    }

    @Test
    void aRegistrationAnsweredOkIsKilledByAFireThatRaced() throws Exception {
        rig = Rig.waiting(Mode.Armed, 1_000);
        CountDownLatch release = new CountDownLatch(1);
        rig.holders.registerGate = release;
        var answer = new java.util.concurrent.CompletableFuture<dev.dazai.kernel.port.in.Registry.RegistryAnswer>();
        rig.dms.ownerRegistersHolder(101, OptionalLong.empty(), answer::complete);
        rig.holders.registering.await();
        rig.dms.ownerPanicsHard("SIGUSR2"); // wins the gate while the registration is half done
        Thread.sleep(100); // room for a kill loop that does not wait for the registration to run first
        release.countDown();
        rig.settle();
        assertTrue(answer.get().ok());
        assertEquals(List.of("load", "kill 101", "wipe", "unlink", "die"), rig.calls,
                "a holder registered OK survived the fire that raced its registration");
    }

    @Test
    void theLifetimePanicsGracefullyEvenWhilePresent() {
        rig = new Rig(new dev.dazai.kernel.domain.SwitchConfig(Mode.Armed, 1_000, 0, 60_000));
        rig.dms.daemonInstallsHandlers();
        rig.dms.daemonLoadsSecret();
        rig.settle();
        Line hb = rig.attach(7);
        rig.clock.advance(59_999);
        rig.settle();
        assertEquals(State.Attached, rig.dms.status().state());
        rig.clock.advance(1);
        rig.settle();
        assertEquals(State.Grace, rig.dms.status().state());
        assertEquals(Window.Panic, rig.dms.status().window(), "a lifetime is the owner's panic, not a loss");
        rig.clock.advance(1_000);
        rig.settle();
        assertEquals(State.Dying, rig.dms.status().state());
        assertEquals("TOO_LATE", hb.ping());
    }

    @Test
    void thePingDeadlineRunsFromReadyNotFromTheLoad() {
        rig = new Rig(Mode.Armed, 1_000, 3_000);
        rig.dms.daemonInstallsHandlers();
        rig.dms.daemonLoadsSecret();
        rig.settle();
        rig.clock.advance(10_000); // a slow start: sockets are not up yet, no heartbeat could have come
        rig.settle();
        assertEquals(State.Waiting, rig.dms.status().state(), "the deadline ran before anyone could ping");
        rig.dms.daemonBecomesReady();
        rig.settle();
        rig.clock.advance(2_999);
        rig.settle();
        assertEquals(State.Waiting, rig.dms.status().state());
        rig.clock.advance(1);
        rig.settle();
        assertEquals(State.Grace, rig.dms.status().state());
    }
}
