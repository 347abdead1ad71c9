package dev.dazai.kernel;

import dev.dazai.kernel.domain.Event;
import dev.dazai.kernel.domain.FireGate;
import dev.dazai.kernel.domain.State;
import dev.dazai.kernel.domain.Window;
import dev.dazai.kernel.port.in.Presence.Session;
import dev.dazai.kernel.port.out.Journal;
import dev.dazai.kernel.port.out.JournalEntry;
import dev.dazai.kernel.port.out.JournalEntry.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The user's sessions and the spec's presence actions, on the kernel thread only. Presence is the
 * heartbeat slot plus these sessions: leaving one that is not the last presence is journalled and
 * nothing more; the last one out opens the window; a session that starts inside a window a loss
 * opened cancels it (SessionReturns), one that starts inside a panic's window does not.
 */
final class Sessions {

    private final Journal journal;
    private final FireGate gate;
    private final Stepper stepper;
    private final GraceWindow window;
    private final BooleanSupplier slotHeld;
    private final Runnable watchSlotAgain;
    private final List<Session> live = new ArrayList<>();
    private volatile List<Session> snapshot = List.of();

    /** {@code watchSlotAgain}: a loss's window taken back by a session; a heartbeat that holds the slot is watched again. */
    Sessions(Journal journal, FireGate gate, Stepper stepper, GraceWindow window, BooleanSupplier slotHeld,
             Runnable watchSlotAgain) {
        this.journal = journal;
        this.gate = gate;
        this.stepper = stepper;
        this.window = window;
        this.slotHeld = slotHeld;
        this.watchSlotAgain = watchSlotAgain;
    }

    /** True while any session lives: a heartbeat's loss or silence is then not a loss of presence. */
    boolean any() {
        return !live.isEmpty();
    }

    /** The living sessions, oldest first; safe from any thread. */
    List<Session> list() {
        return snapshot;
    }

    /** SessionStarts, or SessionReturns when it comes back into a window a loss opened. */
    void sessionStarts(Session session) {
        if (gate.isTerminal()) {
            record(Kind.GRACE_IGNORED, "SessionStarts " + describe(session) + ": already fired or stopped");
            return;
        }
        if (live.stream().anyMatch(session::sameAs)) {
            return; // reported twice: one session, one entry
        }
        State state = stepper.state();
        if (state == State.Starting || state == State.Loading) {
            record(Kind.ERROR, "SessionStarts " + describe(session) + " before the secret is held: ignored");
            return;
        }
        add(session);
        if (state == State.Grace && window.cause() == Window.Loss) {
            Window was = window.cause();
            if (window.cancel()) {
                stepper.step(Event.SessionReturns);
                watchSlotAgain.run();
                record(Kind.SESSION_START, describe(session), session);
                record(Kind.CANCELLED, "by session " + describe(session) + " (window opened by " + was + ")");
                return;
            }
            live.remove(session);
            snapshot = List.copyOf(live);
            record(Kind.GRACE_IGNORED, "SessionStarts " + describe(session) + ": too late, fired");
            return;
        }
        stepper.step(Event.SessionStarts);
        record(Kind.SESSION_START, describe(session), session);
    }

    /** SessionEnds, or LastSessionEnds when no other presence is left: a loss of liveness. */
    void sessionEnds(Session session) {
        if (!live.removeIf(session::sameAs)) {
            return;
        }
        snapshot = List.copyOf(live);
        if (gate.isTerminal()) {
            record(Kind.SESSION_END, describe(session) + " (after the end began)", session);
            return;
        }
        if (any() || slotHeld.getAsBoolean()) {
            stepper.step(Event.SessionEnds);
            record(Kind.SESSION_END, describe(session) + " (" + live.size() + " sessions"
                    + (slotHeld.getAsBoolean() ? " and the heartbeat" : "") + " remain)", session);
            return;
        }
        record(Kind.SESSION_END, describe(session) + " (the last one)", session);
        record(Kind.LOST, "presence: the last session " + describe(session) + " ended");
        window.gracefulPanic(Event.LastSessionEnds, Window.Loss, "last session " + describe(session) + " ended");
    }

    private void add(Session session) {
        live.add(session);
        snapshot = List.copyOf(live);
    }

    private static String describe(Session s) {
        return "pid " + s.pid() + (s.tty().isEmpty() ? "" : " " + s.tty()) + (s.kind().isEmpty() ? "" : " (" + s.kind() + ")");
    }

    private void record(Kind kind, String detail) {
        journal.record(JournalEntry.of(kind, detail));
    }

    private void record(Kind kind, String detail, Session s) {
        journal.record(JournalEntry.of(kind, detail).with("pid", s.pid()).with("tty", s.tty()).with("session_kind", s.kind()));
    }
}
