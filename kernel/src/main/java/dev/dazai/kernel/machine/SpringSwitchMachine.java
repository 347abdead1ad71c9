package dev.dazai.kernel.machine;

import dev.dazai.kernel.domain.Event;
import dev.dazai.kernel.domain.State;
import dev.dazai.kernel.domain.SwitchConfig;
import dev.dazai.kernel.domain.SwitchMachine;
import java.util.List;
import org.springframework.messaging.support.MessageBuilder;
import org.springframework.statemachine.StateMachine;
import org.springframework.statemachine.StateMachineEventResult;
import org.springframework.statemachine.StateMachineEventResult.ResultType;
import reactor.core.publisher.Mono;

/**
 * {@link SwitchMachine} on Spring Statemachine 4. Not thread-safe on purpose: Spring drops events
 * sent from several threads at once (DESIGN.md), so the kernel thread is its only caller.
 */
public final class SpringSwitchMachine implements SwitchMachine {

    /** Paths to the kill sequence for {@link #warmUp}: a window and its expiry, a cancel then a hard panic, a stop. */
    private static final List<List<Event>> WARM_PATHS = List.of(
            List.of(Event.DaemonInstallsHandlers, Event.DaemonLoadsSecret, Event.HeartbeatAttaches,
                    Event.OwnerLosesHeartbeat, Event.TimerExpires,
                    Event.DaemonFinishesKilling, Event.DaemonWipesSecret, Event.DaemonUnlinksFiles),
            List.of(Event.DaemonInstallsHandlers, Event.DaemonLoadsSecret, Event.HeartbeatAttaches, Event.OwnerPanics,
                    Event.HeartbeatCancels, Event.OwnerPanicsHard,
                    Event.DaemonFinishesKilling, Event.DaemonWipesSecret, Event.DaemonUnlinksFiles),
            List.of(Event.DaemonInstallsHandlers, Event.DaemonLoadsSecret, Event.OwnerStops));

    private static final int WARM_ROUNDS = 3;

    private final SwitchConfig config;
    private StateMachine<State, Event> machine;
    private int warmed;

    public SpringSwitchMachine(SwitchConfig config) {
        this.config = config;
    }

    @Override
    public void start() {
        try {
            machine = TransitionTable.build(config);
        } catch (Exception e) {
            throw new IllegalStateException("transition table does not build: " + e.getMessage(), e);
        }
        machine.startReactively().block();
    }

    @Override
    public boolean apply(Event event) {
        return send(machine, event);
    }

    /**
     * Measured on a cold daemon: the first fire spent ~10 ms inside Spring and Reactor (guards,
     * transition lambdas, subscribers, all interpreted) before the wipe; after three rounds of the
     * paths, about half a millisecond per step. Each call runs one path, so the caller can
     * interleave real work between calls.
     */
    @Override
    public void warmUp() {
        List<Event> path = WARM_PATHS.get(warmed++ % WARM_PATHS.size());
        StateMachine<State, Event> scratch;
        try {
            scratch = TransitionTable.build(config);
        } catch (Exception e) {
            return; // start() built the same table, so this does not happen; warming is optional
        }
        scratch.startReactively().block();
        for (Event e : path) {
            send(scratch, e);
        }
        scratch.stopReactively().block();
    }

    @Override
    public int warmUpCalls() {
        return WARM_ROUNDS * WARM_PATHS.size();
    }

    private static boolean send(StateMachine<State, Event> m, Event event) {
        List<StateMachineEventResult<State, Event>> results =
                m.sendEvent(Mono.just(MessageBuilder.withPayload(event).build())).collectList().block();
        return results != null && results.stream().anyMatch(r -> r.getResultType() == ResultType.ACCEPTED);
    }

    @Override
    public State state() {
        return machine.getState().getId();
    }
}
