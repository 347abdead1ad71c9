package dev.dazai.jcstress.live;

import dev.dazai.kernel.DeadManSwitch;
import dev.dazai.kernel.domain.Mode;
import dev.dazai.kernel.domain.SwitchConfig;
import dev.dazai.kernel.port.in.Liveness.Answer;
import dev.dazai.kernel.port.in.Liveness.Heartbeat;
import dev.dazai.kernel.port.in.Liveness.HeartbeatLine;
import dev.dazai.kernel.port.out.Clock;
import dev.dazai.kernel.port.out.Holder;
import dev.dazai.kernel.port.out.HolderKiller;
import dev.dazai.kernel.port.out.Journal;
import dev.dazai.kernel.port.out.JournalEntry;
import dev.dazai.kernel.port.out.KillOutcome;
import dev.dazai.kernel.port.out.Pin;
import dev.dazai.kernel.port.out.Ports;
import dev.dazai.kernel.port.out.Secret;
import dev.dazai.kernel.port.out.SecretMemory;
import dev.dazai.kernel.port.out.SelfTerminator;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The real kernel — its two threads, its gate and its Spring machine — on ports that only count:
 * how many times the process ended, and what each heartbeat connection was told. One per jcstress
 * sample, so the harnesses race the kernel's own entry points, not a model of them.
 */
public final class LiveKernel implements AutoCloseable {

    private final AtomicInteger ends = new AtomicInteger();
    private final AtomicInteger wipes = new AtomicInteger();
    private final Timers clock = new Timers();
    private final DeadManSwitch dms;

    /** A switch with its secret held, waiting for a heartbeat; {@code graceMillis} 0 fires at once. */
    public LiveKernel(long graceMillis) {
        Ports ports = new Ports(new Memory(), new NoHolders(), () -> { }, new Terminator(), clock, new Silent());
        dms = new DeadManSwitch(new SwitchConfig(Mode.Armed, graceMillis, 0), ports).start();
        dms.daemonInstallsHandlers();
        dms.daemonLoadsSecret();
        settle();
    }

    public DeadManSwitch kernel() {
        return dms;
    }

    /** A connection that says HELLO at once. */
    public Line hello(long pid) {
        Line line = new Line(pid);
        dms.clientConnects(line);
        dms.clientSaysHello(line, pid);
        return line;
    }

    /** A heartbeat that holds the slot when this returns. */
    public Line attached(long pid) {
        Line line = hello(pid);
        settle();
        if (line.told() != Line.WELCOME) {
            throw new IllegalStateException("the first heartbeat was not welcomed");
        }
        return line;
    }

    /** Runs every timer that is due by now, as the clock's thread would (TimerExpires). */
    public void timersRun() {
        clock.runAll();
    }

    public void settle() {
        if (!dms.settle(5_000)) {
            throw new IllegalStateException("the kernel did not come to rest");
        }
    }

    /** How many times the process ended (SIGKILL self or exit): exactly once is the only right answer. */
    public int ends() {
        return ends.get();
    }

    public int sequences() {
        return dms.sequenceCount();
    }

    /** The real PID of the connection holding the slot, 0 when free. */
    public long slotHolder() {
        return dms.status().heartbeatPid().orElse(0);
    }

    @Override
    public void close() {
        dms.close();
    }

    /** One heartbeat connection: the last thing the kernel told it. */
    public static final class Line implements HeartbeatLine {
        public static final int NOTHING = 0;
        public static final int WELCOME = 1;
        public static final int BUSY = 2;
        public static final int OTHER = 3;

        private final long pid;
        private volatile int told = NOTHING;
        private volatile Heartbeat heartbeat;

        Line(long pid) {
            this.pid = pid;
        }

        public int told() {
            return told;
        }

        public Heartbeat heartbeat() {
            return heartbeat;
        }

        @Override
        public long peerPid() {
            return pid;
        }

        @Override
        public void admitted() {
        }

        @Override
        public void welcome(Heartbeat granted) {
            heartbeat = granted;
            told = told == NOTHING ? WELCOME : OTHER;
        }

        @Override
        public void answer(Answer answer) {
            told = OTHER;
        }

        @Override
        public void answerAndClose(Answer answer, Runnable delivered) {
            told = told == NOTHING && answer == Answer.BUSY ? BUSY : OTHER;
            delivered.run();
        }
    }

    private final class Terminator implements SelfTerminator {
        @Override
        public void die() {
            ends.incrementAndGet();
        }

        @Override
        public void exit(int status, String lastWords) {
            ends.incrementAndGet();
        }
    }

    private final class Memory implements SecretMemory {
        private volatile long size;

        @Override
        public void load() {
            size = 32;
        }

        @Override
        public boolean adopt(Secret secret) {
            return false;
        }

        @Override
        public boolean remove(String name) {
            return false;
        }

        @Override
        public void wipe() {
            wipes.incrementAndGet();
            size = 0;
        }

        @Override
        public List<Secret> secrets() {
            return List.of();
        }
    }

    private static final class NoHolders implements HolderKiller {
        @Override
        public Holder register(Pin pin, Holder.Reach reach) {
            return new Holder(pin.pid(), 0, reach);
        }

        @Override
        public boolean unregister(long pid) {
            return false;
        }

        @Override
        public List<Holder> holders() {
            return List.of();
        }

        @Override
        public List<KillOutcome> killAll() {
            return List.of();
        }

        @Override
        public List<KillOutcome> rehearseKillAll() {
            return List.of();
        }
    }

    private static final class Silent implements Journal {
        @Override
        public void record(JournalEntry entry) {
        }

        @Override
        public void flush() {
        }
    }

    /** Time stands still; an actor makes every scheduled timer run now, on its own thread. */
    private static final class Timers implements Clock {
        private final List<Runnable> due = new ArrayList<>();

        @Override
        public long nowMillis() {
            return 0;
        }

        @Override
        public synchronized Timer schedule(long delayMillis, Runnable task) {
            due.add(task);
            return () -> { };
        }

        void runAll() {
            List<Runnable> now;
            synchronized (this) {
                now = new ArrayList<>(due);
                due.clear();
            }
            now.forEach(Runnable::run);
        }
    }
}
