package dev.dazai.kernel.machine;

import dev.dazai.kernel.domain.Event;
import dev.dazai.kernel.domain.Mode;
import dev.dazai.kernel.domain.State;
import dev.dazai.kernel.domain.SwitchConfig;
import java.util.EnumSet;
import org.springframework.statemachine.StateMachine;
import org.springframework.statemachine.config.StateMachineBuilder;
import org.springframework.statemachine.guard.Guard;

import static dev.dazai.kernel.domain.Event.*;
import static dev.dazai.kernel.domain.State.*;

/**
 * Every transition of the switch, in one place and in the order of spec/DeadMan.tla and of the
 * table in spec/README.md. Each block names the spec action it mirrors. Where two rows share a
 * source and an event, the guard picks one; Spring takes the first row whose guard holds.
 */
final class TransitionTable {

    private TransitionTable() {
    }

    static StateMachine<State, Event> build(SwitchConfig config) throws Exception {
        Guard<State, Event> graceWindow = ctx -> config.graceMillis() > 0;
        Guard<State, Event> graceZero = ctx -> config.graceMillis() == 0;
        Guard<State, Event> armed = ctx -> config.mode() == Mode.Armed;
        Guard<State, Event> dryRun = ctx -> config.mode() == Mode.DryRun;

        StateMachineBuilder.Builder<State, Event> b = StateMachineBuilder.builder();
        b.configureConfiguration().withConfiguration().autoStartup(false).machineId("dazai");
        b.configureStates().withStates()
                .initial(Starting)
                .states(EnumSet.allOf(State.class))
                .end(Dying).end(Rehearsed).end(Stopped);

        var t = b.configureTransitions();
        // DaemonInstallsHandlers, DaemonLoadsSecret: start-up, handlers strictly before the secret.
        t.withExternal().source(Starting).target(Loading).event(HandlersLive);
        t.withExternal().source(Loading).target(Waiting).event(SecretLoaded);
        // EarlySignalArrives: a panic before the secret is held aborts the load and fires (NoSignalLost).
        for (State early : new State[] {Starting, Loading}) {
            t.withExternal().source(early).target(Killing).event(GracefulSignal);
            t.withExternal().source(early).target(Killing).event(HardPanic);
        }
        // OwnerStops: SIGTERM, SIGINT, QUIT; a pending window is not downgraded (see Grace below).
        for (State s : new State[] {Starting, Loading, Waiting, Attached}) {
            t.withExternal().source(s).target(Stopped).event(Shutdown);
        }
        // HeartbeatAttaches: the first HELLO takes the free slot.
        t.withExternal().source(Waiting).target(Attached).event(Attach);
        // OwnerPanics, PingDeadlinePasses, OwnerLosesHeartbeat: graceful panics open the window,
        // or fire at once with --grace 0.
        for (State s : new State[] {Waiting, Attached}) {
            for (Event e : new Event[] {GracefulSignal, PingTimeout}) {
                t.withExternal().source(s).target(Grace).event(e).guard(graceWindow);
                t.withExternal().source(s).target(Killing).event(e).guard(graceZero);
            }
        }
        t.withExternal().source(Attached).target(Grace).event(HeartbeatLost).guard(graceWindow);
        t.withExternal().source(Attached).target(Killing).event(HeartbeatLost).guard(graceZero);
        // OwnerPanicsHard: fires now, even inside a window.
        for (State s : new State[] {Waiting, Attached, Grace}) {
            t.withExternal().source(s).target(Killing).event(HardPanic);
        }
        // HeartbeatReconnects, HeartbeatCancels: only liveness cancels a pending window.
        t.withExternal().source(Grace).target(Attached).event(Reconnect);
        t.withExternal().source(Grace).target(Attached).event(Cancel);
        // TimerExpires; OwnerStops inside a window fires instead of stopping.
        t.withExternal().source(Grace).target(Killing).event(GraceExpired);
        t.withExternal().source(Grace).target(Killing).event(Shutdown);
        // A second graceful trigger inside the window does not extend it; a loss frees the slot.
        t.withInternal().source(Grace).event(GracefulSignal);
        t.withInternal().source(Grace).event(PingTimeout);
        t.withInternal().source(Grace).event(HeartbeatLost);
        // DaemonKillsHolders, DaemonWipes, DaemonUnlinks, DaemonDies: the fixed order of the sequence.
        t.withExternal().source(Killing).target(Wiping).event(HoldersKilled);
        t.withExternal().source(Wiping).target(Unlinking).event(SecretWiped);
        t.withExternal().source(Unlinking).target(Dying).event(FilesUnlinked).guard(armed);
        t.withExternal().source(Unlinking).target(Rehearsed).event(FilesUnlinked).guard(dryRun);
        return b.build();
    }
}
