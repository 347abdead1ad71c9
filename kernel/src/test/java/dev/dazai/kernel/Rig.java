package dev.dazai.kernel;

import dev.dazai.kernel.domain.Mode;
import dev.dazai.kernel.domain.SwitchConfig;
import dev.dazai.kernel.port.out.Clock;
import dev.dazai.kernel.port.out.Holder;
import dev.dazai.kernel.port.out.HolderKiller;
import dev.dazai.kernel.port.out.Journal;
import dev.dazai.kernel.port.out.JournalEntry;
import dev.dazai.kernel.port.out.KillOutcome;
import dev.dazai.kernel.port.out.Ports;
import dev.dazai.kernel.port.out.RegistrationException;
import dev.dazai.kernel.port.out.SecretMemory;
import dev.dazai.kernel.port.out.SelfTerminator;
import dev.dazai.kernel.port.out.Unlinker;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/**
 * A switch on in-memory fakes of every port, recording each call the kernel makes, in order.
 * The only place in the project where ports are faked: these tests are about decisions, not the OS.
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
        Ports ports = new Ports(memory, holders, () -> calls.add("unlink"), new SelfTerminator() {
            @Override
            public void die() {
                calls.add("die");
                ended.countDown();
            }

            @Override
            public void exit(int status) {
                calls.add("exit " + status);
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
        dms = new DeadManSwitch(new SwitchConfig(mode, graceMillis, pingTimeoutMillis), ports).start();
    }

    /** A switch that has loaded its secret and waits for a heartbeat. */
    static Rig waiting(Mode mode, long graceMillis) {
        Rig rig = new Rig(mode, graceMillis, 0);
        rig.dms.handlersLive();
        rig.dms.loadSecret();
        rig.settle();
        return rig;
    }

    void settle() {
        dms.settle();
    }

    /** The kinds of journal entries, in order, without STATE lines. */
    List<String> events() {
        return journal.stream().filter(e -> e.kind() != JournalEntry.Kind.STATE)
                .map(e -> e.kind().name()).collect(Collectors.toList());
    }

    List<String> callsStartingWith(String prefix) {
        return calls.stream().filter(c -> c.startsWith(prefix)).collect(Collectors.toList());
    }

    @Override
    public void close() {
        dms.close();
    }

    final class FakeMemory implements SecretMemory {
        volatile long size;
        volatile CountDownLatch loadGate;

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
            size = 32;
        }

        @Override
        public void wipe() {
            calls.add("wipe");
            size = 0;
        }

        @Override
        public long size() {
            return size;
        }
    }

    /** A process table where a holder can exit; kills go to the registered incarnation only. */
    final class FakeHolders implements HolderKiller {
        final Map<Long, Boolean> alive = Collections.synchronizedMap(new LinkedHashMap<>());

        @Override
        public synchronized Holder register(long pid, OptionalLong startTime) {
            if (pid <= 0) {
                throw new RegistrationException("no such process " + pid);
            }
            alive.put(pid, true);
            return new Holder(pid, startTime.orElse(0));
        }

        @Override
        public synchronized boolean unregister(long pid) {
            return alive.remove(pid) != null;
        }

        @Override
        public synchronized List<Holder> holders() {
            List<Holder> out = new ArrayList<>();
            alive.keySet().forEach(p -> out.add(new Holder(p, 0)));
            return out;
        }

        @Override
        public synchronized List<KillOutcome> killAll() {
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

        @Override
        public synchronized long nowMillis() {
            return now;
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
