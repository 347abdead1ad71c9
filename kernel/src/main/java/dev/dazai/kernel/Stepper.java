package dev.dazai.kernel;

import dev.dazai.kernel.domain.Event;
import dev.dazai.kernel.domain.State;
import dev.dazai.kernel.domain.SwitchMachine;
import dev.dazai.kernel.port.out.JournalEntry;
import dev.dazai.kernel.port.out.JournalEntry.Kind;
import dev.dazai.kernel.port.out.Journal;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The state machine, stepped on the kernel thread only (Spring drops events sent from several
 * threads at once). Every step the kernel takes is checked against the transition table: one the
 * table refuses is journalled DENIED and counted, and every test fails on a count above zero.
 */
final class Stepper {

    private final SwitchMachine machine;
    private final Journal journal;
    private final AtomicInteger denied = new AtomicInteger();
    // Written on the kernel thread; volatile so that STATUS, on any thread, reads a recent value.
    private volatile State state = State.Starting;

    Stepper(SwitchMachine machine, Journal journal) {
        this.machine = machine;
        this.journal = journal;
    }

    void start() {
        machine.start();
    }

    State state() {
        return state;
    }

    int denied() {
        return denied.get();
    }

    /** One step; false (and DENIED) if the table has no row for it in the current state. */
    boolean step(Event event) {
        State before = machine.state();
        if (machine.apply(event)) {
            State after = machine.state();
            state = after;
            if (after != before) {
                journal.record(JournalEntry.of(Kind.STATE, before + " -> " + after + " on " + event));
            }
            return true;
        }
        denied.incrementAndGet();
        journal.record(JournalEntry.of(Kind.DENIED, event + " in " + before));
        return false;
    }

    /** One warm-up path on a scratch machine (see {@link SwitchMachine#warmUp}); never the live one. */
    void warmUp() {
        machine.warmUp();
    }

    int warmUpCalls() {
        return machine.warmUpCalls();
    }
}
