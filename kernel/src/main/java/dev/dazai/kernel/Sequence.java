package dev.dazai.kernel;

import dev.dazai.kernel.domain.Event;
import dev.dazai.kernel.domain.FireGate;
import dev.dazai.kernel.domain.Mode;
import dev.dazai.kernel.domain.Policy;
import dev.dazai.kernel.domain.SwitchConfig;
import dev.dazai.kernel.port.out.JournalEntry;
import dev.dazai.kernel.port.out.JournalEntry.Kind;
import dev.dazai.kernel.port.out.KillOutcome;
import dev.dazai.kernel.port.out.Ports;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Every ending of the daemon, on the kernel's own {@code dazai-sequence} thread: the kill
 * sequence (DaemonKillsHolder … DaemonFinishesKilling, DaemonWipesSecret, DaemonUnlinksFiles, then
 * SIGKILL self armed or exit 0 in dry-run), and the clean stop or aborted start (wipe, unlink, exit).
 *
 * <p>Only the gate's winner gets here, so each runs at most once and never both. A hard panic is
 * decided here, by the gate's compare-and-set on this thread, so it never waits behind the kernel
 * thread's queue; every other ending was decided on the kernel thread and is handed over.
 *
 * <p>Each step runs even if the one before threw: a half-run sequence is worse than either end.
 * An {@link Error} anywhere in the daemon is a hard panic that must not need memory, so that path
 * is a flag and an unpark, and the steps it posts are made in advance.
 */
final class Sequence implements AutoCloseable {

    private static final long SETTLE_MILLIS = 500;
    private static final long FAREWELL_MILLIS = 1_000;
    private static final String ERROR_SOURCE = "an Error in a daemon thread";

    private final SwitchConfig config;
    private final Ports ports;
    private final FireGate gate;
    private final Holders holders;
    private final KernelLoop kernel;
    private final Thread thread;
    private final Queue<Runnable> requests = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean errorPanic = new AtomicBoolean();
    private final AtomicInteger started = new AtomicInteger();
    private final Runnable finishedKilling;
    private final Runnable wiped;
    private final Runnable unlinked;
    private final Runnable hardPanicFired;
    private final Runnable errorHardPanic = new HardPanic(ERROR_SOURCE);
    private volatile boolean closed;

    /** {@code stepper} takes the sequence's machine steps, {@code hardPanicFired} tells the kernel thread. */
    Sequence(SwitchConfig config, Ports ports, FireGate gate, Holders holders, KernelLoop kernel,
             Stepper stepper, Runnable hardPanicFired) {
        this.config = config;
        this.ports = ports;
        this.gate = gate;
        this.holders = holders;
        this.kernel = kernel;
        this.finishedKilling = new Step(stepper, Event.DaemonFinishesKilling);
        this.wiped = new Step(stepper, Event.DaemonWipesSecret);
        this.unlinked = new Step(stepper, Event.DaemonUnlinksFiles);
        this.hardPanicFired = hardPanicFired;
        this.thread = new Thread(this::run, "dazai-sequence");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** How many times the sequence started (SingleFire: at most once). */
    int started() {
        return started.get();
    }

    /** OwnerPanicsHard: decided on this thread, never behind the kernel thread's queue. */
    void ownerPanicsHard(String source) {
        post(new HardPanic(source));
    }

    /** An Error anywhere: a hard panic that allocates nothing on the way here. */
    void panicOnError() {
        errorPanic.set(true);
        LockSupport.unpark(thread);
    }

    /** The kernel thread won the gate for a fire: act. */
    void fire(Event cause, String source) {
        post(() -> act(cause, source));
    }

    /** The kernel thread won the gate for a stop: wipe, unlink, wait for the farewell, exit. */
    void stop(int status, String why, String lastWords, CountDownLatch farewell) {
        post(() -> end(status, why, lastWords, farewell));
    }

    /** Waits until every request posted so far has been acted on (tests, settle). */
    boolean awaitIdle(long timeoutMillis) {
        CountDownLatch done = new CountDownLatch(1);
        post(done::countDown);
        try {
            return done.await(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void post(Runnable request) {
        requests.add(request);
        LockSupport.unpark(thread);
    }

    private void run() {
        while (!closed) {
            if (errorPanic.getAndSet(false)) {
                errorHardPanic.run();
                continue;
            }
            Runnable r = requests.poll();
            if (r == null) {
                LockSupport.park(this);
                continue;
            }
            try {
                r.run();
            } catch (Throwable t) {
                record(Kind.ERROR, "sequence thread: " + t);
            }
        }
    }

    /** The steps of the sequence, the gate already won. */
    private void act(Event cause, String source) {
        started.incrementAndGet();
        record(Kind.FIRE, cause + " " + source, "action", cause.name());
        try {
            List<KillOutcome> outcomes = holders.daemonKillsHolders(config.mode() == Mode.Armed);
            for (KillOutcome o : outcomes) {
                journalOutcome(o);
            }
        } catch (Throwable t) {
            record(Kind.ERROR, "killing holders: " + t);
        }
        kernel.post(finishedKilling);
        wipe();
        kernel.post(wiped);
        unlink();
        kernel.post(unlinked);
        if (Policy.diesBySigkill(config)) {
            record(Kind.DIE, "SIGKILL self", "signal", "KILL");
            ports.terminator().die();
        } else {
            kernel.awaitIdle(SETTLE_MILLIS);
            record(Kind.WOULD_SIGKILL, "self");
            record(Kind.EXIT, "0 rehearsed", "status", 0);
            ports.terminator().exit(0, "");
        }
    }

    /** A clean stop or an aborted start, the gate already won. */
    private void end(int status, String why, String lastWords, CountDownLatch farewell) {
        wipe();
        unlink();
        if (farewell != null) {
            try {
                farewell.await(FAREWELL_MILLIS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        kernel.awaitIdle(SETTLE_MILLIS);
        record(Kind.EXIT, status + " " + why, "status", status);
        ports.terminator().exit(status, lastWords);
    }

    private void journalOutcome(KillOutcome o) {
        switch (o.kind()) {
            case KILLED -> record(Kind.KILLED, Long.toString(o.pid()), "pid", o.pid());
            case GONE -> record(Kind.GONE, Long.toString(o.pid()), "pid", o.pid());
            case WOULD_KILL -> record(Kind.WOULD_SIGKILL, Long.toString(o.pid()), "pid", o.pid());
            case FAILED -> record(Kind.KILL_FAILED, o.pid() + " (refused; it may still be running)", "pid", o.pid());
        }
    }

    private void wipe() {
        try {
            long size = 0;
            for (dev.dazai.kernel.port.out.Secret secret : ports.memory().secrets()) {
                size += secret.size();
            }
            ports.memory().wipe();
            record(Kind.WIPED, size + " bytes", "bytes", size);
        } catch (Throwable t) {
            record(Kind.ERROR, "wipe: " + t);
        }
    }

    private void unlink() {
        try {
            ports.unlinker().unlink();
            record(Kind.UNLINKED, "pidfile and sockets");
        } catch (Throwable t) {
            record(Kind.ERROR, "unlink: " + t);
        }
    }

    /** Never throws: a journal that fails (out of memory) must not stop the sequence. */
    private void record(Kind kind, String detail) {
        try {
            ports.journal().record(JournalEntry.of(kind, detail));
        } catch (Throwable ignored) {
            // The sequence matters more than its log line.
        }
    }

    private void record(Kind kind, String detail, String key, Object value) {
        try {
            ports.journal().record(JournalEntry.of(kind, detail).with(key, value));
        } catch (Throwable ignored) {
            // As above.
        }
    }

    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(thread);
    }

    /** OwnerPanicsHard: the gate's compare-and-set, then the sequence on this thread. */
    private final class HardPanic implements Runnable {
        private final String source;

        HardPanic(String source) {
            this.source = source;
        }

        @Override
        public void run() {
            if (!gate.fire()) {
                record(Kind.GRACE_IGNORED, "OwnerPanicsHard " + source + ": already fired or stopped");
                return;
            }
            kernel.post(hardPanicFired);
            act(Event.OwnerPanicsHard, source);
        }
    }

    /** A machine step posted to the kernel thread, made in advance so the sequence need not allocate it. */
    private static final class Step implements Runnable {
        private final Stepper stepper;
        private final Event event;

        Step(Stepper stepper, Event event) {
            this.stepper = stepper;
            this.event = event;
        }

        @Override
        public void run() {
            stepper.step(event);
        }
    }
}
