package dev.dazai.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dazai.kernel.domain.Mode;
import dev.dazai.kernel.domain.SwitchConfig;
import dev.dazai.kernel.port.in.Liveness.Answer;
import dev.dazai.kernel.port.in.Liveness.Heartbeat;
import dev.dazai.kernel.port.in.Liveness.HeartbeatLine;
import dev.dazai.kernel.port.in.Registry.RegistryAnswer;
import dev.dazai.kernel.port.out.Clock;
import dev.dazai.kernel.port.out.Holder;
import dev.dazai.kernel.port.out.HolderKiller;
import dev.dazai.kernel.port.out.Journal;
import dev.dazai.kernel.port.out.JournalEntry;
import dev.dazai.kernel.port.out.KillOutcome;
import dev.dazai.kernel.port.out.Pin;
import dev.dazai.kernel.port.out.Ports;
import dev.dazai.kernel.port.out.RegistrationException;
import dev.dazai.kernel.port.out.Secret;
import dev.dazai.kernel.port.out.SecretMemory;
import dev.dazai.kernel.port.out.SecretSink;
import dev.dazai.kernel.port.out.SelfTerminator;
import dev.dazai.kernel.port.out.Unlinker;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/**
 * A switch on in-memory fakes of every port, recording each call the kernel makes, in order.
 * The only place in the project where ports are faked: these tests are about decisions, not the OS.
 */
/**
 * A switch on in-memory fakes of every port, recording each call the kernel makes, in order.
 * The only place in the project where ports are faked: these tests are about decisions, not the OS.
 * Heartbeat connections are {@link Line}s that record what the kernel answered them.
 */
final class Rig implements AutoCloseable {

    final List<String> calls = new CopyOnWriteArrayList<>();
    final List<JournalEntry> journal = new CopyOnWriteArrayList<>();
    final FakeHolders holders = new FakeHolders();
    final FakeMemory memory = new FakeMemory();
    final ManualClock clock = new ManualClock();
    final CountDownLatch ended = new CountDownLatch(1);
    final DeadManSwitch dms;

    Rig(Mode mode, long graceMillis, long pingTimeoutMillis) {
        this(new SwitchConfig(mode, graceMillis, pingTimeoutMillis));
    }

    Rig(SwitchConfig config) {
        Ports ports = new Ports(memory, holders, () -> {
            holders.threads.add(Thread.currentThread().getName());
            calls.add("unlink");
        }, new SelfTerminator() {
            @Override
            public void die() {
                holders.threads.add(Thread.currentThread().getName());
                calls.add("die");
                ended.countDown();
            }

            @Override
            public void exit(int status, String lastWords) {
                holders.threads.add(Thread.currentThread().getName());
                calls.add("exit " + status + (lastWords.isEmpty() ? "" : " " + lastWords));
                ended.countDown();
            }
        }, clock, new Journal() {
            @Override
            public void record(JournalEntry entry) {
                journal.add(entry);
            }

            @Override
            public void flush() {
            }
        });
        dms = new DeadManSwitch(config, ports).start();
        clock.afterEachTask = () -> dms.settleKernelThread(2_000);
    }

    /** A switch that has loaded its secret and waits for a heartbeat. */
    static Rig waiting(Mode mode, long graceMillis) {
        Rig rig = new Rig(mode, graceMillis, 0);
        rig.dms.daemonInstallsHandlers();
        rig.dms.daemonLoadsSecret();
        rig.settle();
        return rig;
    }

    void settle() {
        assertTrue(dms.settle(), "the kernel did not come to rest");
    }

    /** A new heartbeat connection; the kernel may answer BUSY at once. */
    Line connect(long pid) {
        Line line = new Line(pid);
        dms.clientConnects(line);
        return line;
    }

    /** A new connection that says HELLO; returns once the kernel has answered. */
    Line hello(long pid) {
        Line line = connect(pid);
        dms.clientSaysHello(line, pid);
        settle();
        return line;
    }

    /** A heartbeat that must get the slot. */
    Line attach(long pid) {
        Line line = hello(pid);
        assertEquals("WELCOME", line.last(), "BUSY for a heartbeat that should attach");
        return line;
    }

    RegistryAnswer register(long pid) {
        CompletableFuture<RegistryAnswer> answer = new CompletableFuture<>();
        dms.ownerRegistersHolder(pid, OptionalLong.empty(), answer::complete);
        return answer.join();
    }

    RegistryAnswer unregister(long pid) {
        CompletableFuture<RegistryAnswer> answer = new CompletableFuture<>();
        dms.ownerUnregistersHolder(pid, answer::complete);
        return answer.join();
    }

    /** The kinds of journal entries, in order, without STATE lines. */
    List<String> events() {
        return journal.stream().filter(e -> e.kind() != JournalEntry.Kind.STATE)
                .map(e -> e.kind().name()).collect(Collectors.toList());
    }

    List<String> callsStartingWith(String prefix) {
        return calls.stream().filter(c -> c.startsWith(prefix)).collect(Collectors.toList());
    }

    /** How many times the process ended (die or exit): at most once. */
    long ends() {
        return calls.stream().filter(c -> c.equals("die") || c.startsWith("exit")).count();
    }

    @Override
    public void close() {
        dms.close();
    }

    /** One heartbeat connection as the kernel sees it: what it was answered, and its Heartbeat if welcomed. */
    final class Line implements HeartbeatLine {
        final long pid;
        final List<String> answers = Collections.synchronizedList(new ArrayList<>());
        volatile Heartbeat heartbeat;
        volatile boolean closed;
        volatile boolean hungUp;
        volatile boolean admitted;

        Line(long pid) {
            this.pid = pid;
        }

        @Override
        public long peerPid() {
            return pid;
        }

        @Override
        public void admitted() {
            admitted = true;
        }

        @Override
        public void welcome(Heartbeat granted) {
            heartbeat = granted;
            answers.add("WELCOME");
        }

        @Override
        public void answer(Answer answer) {
            answers.add(answer.name());
        }

        @Override
        public void answerAndClose(Answer answer, Runnable delivered) {
            answers.add(answer.name());
            closed = true;
            delivered.run();
        }

        String last() {
            return answers.isEmpty() ? "" : answers.get(answers.size() - 1);
        }

        String ping() {
            heartbeat.pings();
            settle();
            return last();
        }

        String cancel() {
            heartbeat.cancels();
            settle();
            return last();
        }

        void quit() {
            heartbeat.quits();
        }

        /** The connection ends without QUIT. */
        void hangUp() {
            hungUp = true;
            dms.clientHangsUp(this);
        }
    }

    final class FakeMemory implements SecretMemory {
        final List<Secret> held = new CopyOnWriteArrayList<>();
        volatile CountDownLatch loadGate;
        private volatile boolean wipedForGood;

        @Override
        public void load() {
            calls.add("load");
            CountDownLatch g = loadGate;
            if (g != null) {
                try {
                    g.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (!wipedForGood) {
                held.add(new FakeSecret("default", 32));
            }
        }

        @Override
        public synchronized boolean adopt(Secret secret) {
            if (wipedForGood || held.stream().anyMatch(s -> s.name().equals(secret.name()))) {
                return false;
            }
            held.add(secret);
            return true;
        }

        @Override
        public synchronized boolean remove(String name) {
            for (Secret s : held) {
                if (s.name().equals(name)) {
                    s.wipe();
                    held.remove(s);
                    return true;
                }
            }
            return false;
        }

        @Override
        public synchronized void wipe() {
            holders.threads.add(Thread.currentThread().getName());
            calls.add("wipe");
            wipedForGood = true;
            held.forEach(Secret::wipe);
        }

        @Override
        public List<Secret> secrets() {
            return List.copyOf(held);
        }

        long size() {
            return held.stream().mapToLong(Secret::size).sum();
        }
    }

    /** A secret that records its delivery and its wipe. */
    final class FakeSecret implements Secret {
        final String name;
        volatile long size;

        FakeSecret(String name, long size) {
            this.name = name;
            this.size = size;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public long size() {
            return size;
        }

        @Override
        public void deliverTo(SecretSink sink) {
            calls.add("deliver " + name + " to " + sink);
        }

        @Override
        public void wipe() {
            size = 0;
        }
    }

    /** A process table where a holder can exit; kills go to the registered incarnation only. */
    final class FakeHolders implements HolderKiller {
        final Map<Long, Boolean> alive = Collections.synchronizedMap(new LinkedHashMap<>());
        final Map<Long, Holder.Reach> reach = Collections.synchronizedMap(new LinkedHashMap<>());
        /** Names of the threads the sequence's port calls ran on. */
        final List<String> threads = new CopyOnWriteArrayList<>();
        /** When set, the kill loop waits here before its first kill: the sequence is held mid-way. */
        volatile CountDownLatch killGate;
        /** When set, a registration waits here: the kernel thread is stalled. */
        volatile CountDownLatch registerGate;
        final CountDownLatch registering = new CountDownLatch(1);
        final CountDownLatch killing = new CountDownLatch(1);

        @Override
        public Holder register(Pin pin, Holder.Reach reach) {
            registering.countDown();
            CountDownLatch g = registerGate;
            if (g != null) {
                try {
                    g.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (reach == Holder.Reach.TREE) {
                calls.add("register " + pin.pid() + " tree");
            }
            return pin(pin.pid(), pin.startTime(), reach);
        }

        private synchronized Holder pin(long pid, OptionalLong startTime, Holder.Reach reach) {
            if (pid <= 0) {
                throw new RegistrationException("no such process " + pid);
            }
            alive.put(pid, true);
            this.reach.put(pid, reach);
            return new Holder(pid, startTime.orElse(0), reach);
        }

        @Override
        public synchronized boolean unregister(long pid) {
            return alive.remove(pid) != null;
        }

        @Override
        public synchronized List<Holder> holders() {
            List<Holder> out = new ArrayList<>();
            alive.keySet().forEach(p -> out.add(new Holder(p, 0, reach.getOrDefault(p, Holder.Reach.PROCESS))));
            return out;
        }

        @Override
        public List<KillOutcome> killAll() {
            threads.add(Thread.currentThread().getName());
            killing.countDown();
            CountDownLatch g = killGate;
            if (g != null) {
                try {
                    g.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return killNow();
        }

        private synchronized List<KillOutcome> killNow() {
            List<KillOutcome> out = new ArrayList<>();
            alive.forEach((pid, up) -> {
                if (up) {
                    calls.add("kill " + pid);
                    out.add(new KillOutcome(pid, KillOutcome.Kind.KILLED));
                } else {
                    out.add(new KillOutcome(pid, KillOutcome.Kind.GONE));
                }
            });
            return out;
        }

        @Override
        public synchronized List<KillOutcome> rehearseKillAll() {
            threads.add(Thread.currentThread().getName());
            List<KillOutcome> out = new ArrayList<>();
            alive.forEach((pid, up) -> out.add(new KillOutcome(pid,
                    up ? KillOutcome.Kind.WOULD_KILL : KillOutcome.Kind.GONE)));
            return out;
        }

        synchronized void exits(long pid) {
            alive.put(pid, false);
        }
    }

    /** Time moves only when a test says so; due tasks run on the test's thread. */
    static final class ManualClock implements Clock {
        private final List<Task> tasks = new ArrayList<>();
        private long now;
        /** Runs after each due task, so that what the task posted (a re-armed timer) exists before the next. */
        volatile Runnable afterEachTask = () -> { };

        @Override
        public synchronized long nowMillis() {
            return now;
        }

        /** Timers not yet run, cancelled ones included (a clock keeps those until they are due). */
        synchronized int pending() {
            return tasks.size();
        }

        @Override
        public synchronized Timer schedule(long delayMillis, Runnable task) {
            Task t = new Task(now + delayMillis, task);
            tasks.add(t);
            return () -> t.cancelled = true;
        }

        void advance(long millis) {
            long target;
            synchronized (this) {
                target = now + millis;
            }
            while (true) {
                Task next = null;
                synchronized (this) {
                    for (Task t : tasks) {
                        if (!t.cancelled && t.due <= target && (next == null || t.due < next.due)) {
                            next = t;
                        }
                    }
                    if (next == null) {
                        now = target;
                        return;
                    }
                    tasks.remove(next);
                    now = Math.max(now, next.due);
                }
                next.run.run();
                afterEachTask.run();
            }
        }

        private static final class Task {
            final long due;
            final Runnable run;
            volatile boolean cancelled;

            Task(long due, Runnable run) {
                this.due = due;
                this.run = run;
            }
        }
    }
}
