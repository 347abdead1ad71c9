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

    private final SwitchConfig config;
    private StateMachine<State, Event> machine;

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
        List<StateMachineEventResult<State, Event>> results =
                machine.sendEvent(Mono.just(MessageBuilder.withPayload(event).build())).collectList().block();
        return results != null && results.stream().anyMatch(r -> r.getResultType() == ResultType.ACCEPTED);
    }

    @Override
    public State state() {
        return machine.getState().getId();
    }
}
