package dev.dazai.kernel.machine;

import dev.dazai.kernel.domain.Event;
import dev.dazai.kernel.domain.Policy;
import dev.dazai.kernel.domain.State;
import dev.dazai.kernel.domain.SwitchConfig;
import java.util.EnumSet;
import org.springframework.statemachine.StateMachine;
import org.springframework.statemachine.config.StateMachineBuilder;
import org.springframework.statemachine.guard.Guard;

import static dev.dazai.kernel.domain.Event.*;
import static dev.dazai.kernel.domain.State.*;

/**
 * Every transition of the switch, in one place and in the order of spec/DeadMan.tla; each event
 * is the spec action of the same name. Where two rows share a source and an event, the guard
 * picks one, and every guard is a {@link Policy} function: the same decision the kernel's code
 * takes, made once. Actions that change no state (PING, registrations, BUSY answers) have no row.
 */
final class TransitionTable {

    private TransitionTable() {
    }

    static StateMachine<State, Event> build(SwitchConfig config) throws Exception {
        Guard<State, Event> graceWindow = ctx -> !Policy.graceFiresAtOnce(config);
        Guard<State, Event> graceZero = ctx -> Policy.graceFiresAtOnce(config);
        Guard<State, Event> sigkill = ctx -> Policy.diesBySigkill(config);
        Guard<State, Event> rehearsal = ctx -> !Policy.diesBySigkill(config);

        StateMachineBuilder.Builder<State, Event> b = StateMachineBuilder.builder();
        b.configureConfiguration().withConfiguration().autoStartup(false).machineId("dazai");
        b.configureStates().withStates()
                .initial(Starting)
                .states(EnumSet.allOf(State.class))
                .end(Dying).end(Rehearsed).end(Stopped);

        var t = b.configureTransitions();
        // DaemonInstallsHandlers, DaemonLoadsSecret: handlers strictly before the secret.
        t.withExternal().source(Starting).target(Loading).event(DaemonInstallsHandlers);
        t.withExternal().source(Loading).target(Waiting).event(DaemonLoadsSecret);
        // EarlySignalArrives: a panic before the secret is held aborts the load and fires.
        t.withExternal().source(Starting).target(Killing).event(EarlySignalArrives);
        t.withExternal().source(Loading).target(Killing).event(EarlySignalArrives);
        // OwnerStops, DaemonAbortsStart: a clean stop; a pending window is not downgraded, it fires.
        for (State s : new State[] {Starting, Loading, Waiting, Attached}) {
            t.withExternal().source(s).target(Stopped).event(OwnerStops);
            t.withExternal().source(s).target(Stopped).event(DaemonAbortsStart);
        }
        t.withExternal().source(Grace).target(Killing).event(OwnerStops);
        t.withExternal().source(Grace).target(Killing).event(DaemonAbortsStart);
        // OwnerPanics, PingDeadlinePasses: a window opens, or the switch fires with --grace 0;
        // inside a window nothing moves (not extended).
        for (Event e : new Event[] {OwnerPanics, PingDeadlinePasses}) {
            for (State s : new State[] {Waiting, Attached}) {
                t.withExternal().source(s).target(Grace).event(e).guard(graceWindow);
                t.withExternal().source(s).target(Killing).event(e).guard(graceZero);
            }
            t.withInternal().source(Grace).event(e);
        }
        // OwnerPanicsHard: fires now, even inside a window.
        for (State s : new State[] {Waiting, Attached, Grace}) {
            t.withExternal().source(s).target(Killing).event(OwnerPanicsHard);
        }
        // HeartbeatAttaches: the free slot in Waiting, beside sessions, or inside a panic's window (it stays).
        t.withExternal().source(Waiting).target(Attached).event(HeartbeatAttaches);
        t.withInternal().source(Attached).event(HeartbeatAttaches);
        t.withInternal().source(Grace).event(HeartbeatAttaches);
        // HeartbeatReconnects, HeartbeatCancels: liveness back into a lost window; the holder's CANCEL.
        t.withExternal().source(Grace).target(Attached).event(HeartbeatReconnects);
        t.withExternal().source(Grace).target(Attached).event(HeartbeatCancels);
        // HeartbeatQuits: QUIT is a clean stop, or a fire inside a window.
        t.withExternal().source(Attached).target(Stopped).event(HeartbeatQuits);
        t.withExternal().source(Grace).target(Killing).event(HeartbeatQuits);
        // OwnerLosesHeartbeat: from Attached a window opens (or fires); in Grace the slot just frees.
        t.withExternal().source(Attached).target(Grace).event(OwnerLosesHeartbeat).guard(graceWindow);
        t.withExternal().source(Attached).target(Killing).event(OwnerLosesHeartbeat).guard(graceZero);
        t.withInternal().source(Grace).event(OwnerLosesHeartbeat);
        // HeartbeatLeaves: the slot holder goes while sessions remain: nothing moves.
        t.withInternal().source(Attached).event(HeartbeatLeaves);
        t.withInternal().source(Grace).event(HeartbeatLeaves);
        // SessionStarts, SessionReturns: presence arrives; back into a loss's window it cancels it.
        t.withExternal().source(Waiting).target(Attached).event(SessionStarts);
        t.withInternal().source(Attached).event(SessionStarts);
        t.withInternal().source(Grace).event(SessionStarts);
        t.withExternal().source(Grace).target(Attached).event(SessionReturns);
        // SessionEnds, LastSessionEnds: leaving is nothing until the last one out, a loss of liveness.
        t.withInternal().source(Attached).event(SessionEnds);
        t.withInternal().source(Grace).event(SessionEnds);
        t.withExternal().source(Attached).target(Grace).event(LastSessionEnds).guard(graceWindow);
        t.withExternal().source(Attached).target(Killing).event(LastSessionEnds).guard(graceZero);
        t.withInternal().source(Grace).event(LastSessionEnds);
        // TimerExpires.
        t.withExternal().source(Grace).target(Killing).event(TimerExpires);
        // DaemonKillsHolder … DaemonFinishesKilling, DaemonWipesSecret, DaemonUnlinksFiles: the fixed order.
        t.withExternal().source(Killing).target(Wiping).event(DaemonFinishesKilling);
        t.withExternal().source(Wiping).target(Unlinking).event(DaemonWipesSecret);
        t.withExternal().source(Unlinking).target(Dying).event(DaemonUnlinksFiles).guard(sigkill);
        t.withExternal().source(Unlinking).target(Rehearsed).event(DaemonUnlinksFiles).guard(rehearsal);
        return b.build();
    }
}
