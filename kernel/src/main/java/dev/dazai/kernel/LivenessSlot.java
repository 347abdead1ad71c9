package dev.dazai.kernel;

import dev.dazai.kernel.domain.Event;
import dev.dazai.kernel.domain.FireGate;
import dev.dazai.kernel.domain.Policy;
import dev.dazai.kernel.domain.State;
import dev.dazai.kernel.domain.Window;
import dev.dazai.kernel.port.in.Liveness.Answer;
import dev.dazai.kernel.port.in.Liveness.Heartbeat;
import dev.dazai.kernel.port.in.Liveness.HeartbeatLine;
import dev.dazai.kernel.port.out.Clock;
import dev.dazai.kernel.port.out.Journal;
import dev.dazai.kernel.port.out.JournalEntry;
import dev.dazai.kernel.port.out.JournalEntry.Kind;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * The liveness slot and the spec's heartbeat actions, on the kernel thread only. The answer a
 * client reads is the decision taken here, never a guess made elsewhere: a line told BUSY is
 * remembered until it hangs up, so a HELLO it sent before it read BUSY can never take the slot.
 */
final class LivenessSlot {

    private static final Runnable NOTHING = () -> { };

    private final Clock clock;
    private final Journal journal;
    private final FireGate gate;
    private final Stepper stepper;
    private final GraceWindow window;
    private final PingDeadline ping;
    private final Sequence sequence;
    private final Sessions sessions;
    private final KernelLoop kernel;
    private final Set<HeartbeatLine> refused = Collections.newSetFromMap(new IdentityHashMap<>());
    private HeartbeatLine holder;
    // For STATUS, read on any thread.
    private volatile long holderPid = -1;
    private volatile long lastLife;
    private boolean silenceNoted;

    LivenessSlot(Clock clock, Journal journal, FireGate gate, Stepper stepper, GraceWindow window,
                 PingDeadline ping, Sequence sequence, Sessions sessions, KernelLoop kernel) {
        this.clock = clock;
        this.journal = journal;
        this.gate = gate;
        this.stepper = stepper;
        this.window = window;
        this.ping = ping;
        this.sequence = sequence;
        this.sessions = sessions;
        this.kernel = kernel;
    }

    boolean isHeld() {
        return holder != null;
    }

    /** The holder's real PID (SO_PEERCRED); empty while the slot is free. */
    OptionalLong holderPid() {
        long pid = holderPid;
        return pid < 0 ? OptionalLong.empty() : OptionalLong.of(pid);
    }

    OptionalLong lastLifeAgo(long now) {
        return holderPid < 0 ? OptionalLong.empty() : OptionalLong.of(Math.max(0, now - lastLife));
    }

    /** ClientConnects: BUSY at once while the slot is held, before the client says a word; else admitted. */
    void clientConnects(HeartbeatLine line) {
        if (holder != null) {
            secondClientConnects(line, "slot held");
        } else {
            line.admitted();
        }
    }

    /** ClientSaysHello: answered by exactly one of HeartbeatAttaches, HeartbeatReconnects, SecondClientConnects. */
    void clientSaysHello(HeartbeatLine line, long claimedPid) {
        if (refused.contains(line) || holder == line) {
            return; // told BUSY already, or attached: the adapter answers a second HELLO itself
        }
        State state = stepper.state();
        if (holder != null || gate.isTerminal() || !Policy.acceptsHeartbeat(state)) {
            secondClientConnects(line, holder != null ? "slot held" : "not accepting in " + state);
        } else if (Policy.helloCancels(state, window.cause())) {
            heartbeatReconnects(line, claimedPid);
        } else {
            heartbeatAttaches(line, claimedPid);
        }
    }

    /** HeartbeatAttaches: the free slot, in Waiting or in a window a panic opened (which stays). */
    private void heartbeatAttaches(HeartbeatLine line, long claimedPid) {
        take(line);
        stepper.step(Event.HeartbeatAttaches);
        recordPeer(Kind.ATTACHED, line, claimedPid);
        line.welcome(new Granted(kernel, this, line));
    }

    /** HeartbeatReconnects: liveness comes back into a window its loss opened, and cancels it. */
    private void heartbeatReconnects(HeartbeatLine line, long claimedPid) {
        Window was = window.cause();
        if (!window.cancel()) {
            secondClientConnects(line, "too late, fired");
            return;
        }
        take(line);
        stepper.step(Event.HeartbeatReconnects);
        recordPeer(Kind.RECONNECTED, line, claimedPid);
        record(Kind.CANCELLED, "by reconnect of pid " + line.peerPid() + " (window opened by " + was + ")");
        line.welcome(new Granted(kernel, this, line));
    }

    /** SecondClientConnects: BUSY and closed; this line can never hold the slot or cancel. */
    private void secondClientConnects(HeartbeatLine line, String why) {
        journal.record(JournalEntry.of(Kind.BUSY, "pid " + line.peerPid() + ": " + why).with("pid", line.peerPid()));
        refused.add(line);
        line.answerAndClose(Answer.BUSY, NOTHING);
    }

    /** Ended without QUIT: OwnerLosesHeartbeat, or HeartbeatLeaves while sessions remain; else ClientHangsUp. */
    void clientHangsUp(HeartbeatLine line) {
        refused.remove(line);
        if (holder != line) {
            return;
        }
        if (sessions.any() && !gate.isTerminal()) {
            heartbeatLeaves(line);
        } else {
            ownerLosesHeartbeat(line);
        }
    }

    /** HeartbeatLeaves: the slot is freed; the sessions that remain keep the switch attached. */
    private void heartbeatLeaves(HeartbeatLine line) {
        free();
        stepper.step(Event.HeartbeatLeaves);
        record(Kind.LOST, "heartbeat pid " + line.peerPid() + "; sessions remain, no panic");
    }

    /** OwnerLosesHeartbeat: the slot is freed; from Attached a window opens (or the switch fires). */
    private void ownerLosesHeartbeat(HeartbeatLine line) {
        free();
        journal.record(JournalEntry.of(Kind.LOST, "heartbeat pid " + line.peerPid()).with("pid", line.peerPid()));
        window.gracefulPanic(Event.OwnerLosesHeartbeat, Window.Loss, "heartbeat pid " + line.peerPid() + " lost");
    }

    /** HeartbeatPings: the ping deadline moves; nothing else does. */
    void heartbeatPings(HeartbeatLine line) {
        if (holder != line || gate.isTerminal()) {
            line.answer(Answer.TOO_LATE);
            return;
        }
        life();
        line.answer(Answer.PONG);
    }

    /** HeartbeatCancels: the slot holder takes back a pending window, whatever opened it. */
    void heartbeatCancels(HeartbeatLine line) {
        if (holder != line || gate.isTerminal()) {
            line.answer(Answer.TOO_LATE);
            return;
        }
        if (gate.phase() != FireGate.Phase.Pending) {
            line.answer(Answer.NOTHING_PENDING);
            return;
        }
        Window was = window.cause();
        if (!window.cancel()) {
            line.answer(Answer.TOO_LATE); // a hard panic won meanwhile
            return;
        }
        stepper.step(Event.HeartbeatCancels);
        life();
        ping.arm(clock.nowMillis(), this::pingDue); // a CANCEL is proof of life
        record(Kind.CANCELLED, "by heartbeat pid " + line.peerPid() + " (window opened by " + was + ")");
        line.answer(Answer.CANCELLED);
    }

    /** HeartbeatQuits: BYE and a clean stop; inside a window the pending panic fires instead. */
    void heartbeatQuits(HeartbeatLine line) {
        if (holder != line) {
            line.answerAndClose(Answer.TOO_LATE, NOTHING);
            return;
        }
        switch (gate.stopOrFire()) {
            case STOP -> {
                free();
                ping.disarm();
                stepper.step(Event.HeartbeatQuits);
                record(Kind.TRIGGER, "HeartbeatQuits pid " + line.peerPid());
                CountDownLatch bye = new CountDownLatch(1);
                line.answerAndClose(Answer.BYE, bye::countDown);
                sequence.stop(0, "stopped by QUIT from heartbeat pid " + line.peerPid(), "", bye);
            }
            case FIRE -> {
                free();
                line.answerAndClose(Answer.PANIC_PENDING, NOTHING);
                window.fire(Event.HeartbeatQuits, "QUIT from heartbeat pid " + line.peerPid() + " inside a grace window");
            }
            case TOO_LATE -> line.answerAndClose(Answer.TOO_LATE, NOTHING);
        }
    }

    /** The ping deadline starts when the secret is held: no HELLO in time is a loss too. */
    void watchFromStart() {
        ping.arm(clock.nowMillis(), this::pingDue);
    }

    /** A window the silence of the slot's holder opened was taken back by a session: watch that silence again. */
    void watchAgain() {
        if (holder != null) {
            ping.recheck(this::pingDue);
        }
    }

    /** The ping timer ran (on the clock's thread: only post); PingDeadlinePasses if no life came in time. */
    private void pingDue(long generation) {
        kernel.post(() -> {
            if (ping.passed(generation, clock.nowMillis(), this::pingDue)) {
                pingDeadlinePasses();
            }
        });
    }

    /**
     * PingDeadlinePasses: silence is a loss of liveness. While a session lives it is none: one
     * journal line, and the watch goes on, so the silence counts once the last session is gone.
     */
    private void pingDeadlinePasses() {
        if (sessions.any()) {
            if (!silenceNoted) {
                silenceNoted = true;
                record(Kind.WARNING, "no PING for " + ping.timeoutMillis() + " ms; sessions keep the switch attached");
            }
            ping.recheck(this::pingDue);
            return;
        }
        record(Kind.TRIGGER, "PingDeadlinePasses after " + ping.timeoutMillis() + " ms");
        window.gracefulPanic(Event.PingDeadlinePasses, Window.Loss, "no PING for " + ping.timeoutMillis() + " ms");
    }

    private void take(HeartbeatLine line) {
        holder = line;
        holderPid = line.peerPid();
        life();
    }

    private void life() {
        silenceNoted = false;
        long now = clock.nowMillis();
        lastLife = now;
        ping.arm(now, this::pingDue);
    }

    private void free() {
        holder = null;
        holderPid = -1;
    }

    /** The peer's real PID, and the one HELLO claimed when they differ (a client may lie). */
    private void recordPeer(Kind kind, HeartbeatLine line, long claimedPid) {
        String who = line.peerPid() == claimedPid || line.peerPid() == 0
                ? "pid " + claimedPid : "pid " + line.peerPid() + " (HELLO said " + claimedPid + ")";
        journal.record(JournalEntry.of(kind, who).with("pid", line.peerPid()).with("claimed_pid", claimedPid));
    }

    private void record(Kind kind, String detail) {
        journal.record(JournalEntry.of(kind, detail));
    }
}
