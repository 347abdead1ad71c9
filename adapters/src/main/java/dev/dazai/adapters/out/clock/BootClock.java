package dev.dazai.adapters.out.clock;

import dev.dazai.adapters.nativ.Native;
import dev.dazai.adapters.nativ.Sys;
import dev.dazai.kernel.port.out.Clock;
import dev.dazai.kernel.port.out.Journal;
import dev.dazai.kernel.port.out.JournalEntry;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import jnr.ffi.Pointer;

/**
 * Time on {@code CLOCK_BOOTTIME}, which keeps counting while the machine is suspended, so a
 * laptop that sleeps through its grace window fires on resume.
 *
 * <p>Java's timed waits run on CLOCK_MONOTONIC, which stops during suspend. So the timer thread
 * never waits longer than {@value #MAX_WAIT_MILLIS} ms at a time and compares deadlines with
 * boottime each time it wakes: after a resume, a due task runs within that bound.
 */
public final class BootClock implements Clock, AutoCloseable {

    static final long MAX_WAIT_MILLIS = 100;

    private record Entry(long deadline, long seq, Runnable task, TimerImpl timer) implements Comparable<Entry> {
        @Override
        public int compareTo(Entry o) {
            int c = Long.compare(deadline, o.deadline);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    private final class TimerImpl implements Timer {
        private volatile boolean cancelled;

        @Override
        public void cancel() {
            cancelled = true;
        }
    }

    private final Journal journal;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final PriorityQueue<Entry> queue = new PriorityQueue<>();
    private final ThreadLocal<Pointer> timespec = ThreadLocal.withInitial(() -> Native.scratch(16));
    private final Thread thread;
    private long seq;
    private boolean closed;

    /** Starts the one timer thread (a daemon thread). Tasks that throw are logged as ERROR. */
    public BootClock(Journal journal) {
        this.journal = Objects.requireNonNull(journal, "journal");
        this.thread = new Thread(this::run, "dazai-boot-clock");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public long nowMillis() {
        Pointer ts = timespec.get();
        if (Native.libc().clock_gettime(Sys.CLOCK_BOOTTIME, ts) != 0) {
            throw Native.failure("clock_gettime");
        }
        return ts.getLong(0) * 1000 + ts.getLong(8) / 1_000_000;
    }

    @Override
    public Timer schedule(long delayMillis, Runnable task) {
        Objects.requireNonNull(task, "task");
        TimerImpl timer = new TimerImpl();
        long deadline = nowMillis() + Math.max(0, delayMillis);
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("clock closed");
            }
            queue.add(new Entry(deadline, seq++, task, timer));
            changed.signal();
        } finally {
            lock.unlock();
        }
        return timer;
    }

    private void run() {
        while (true) {
            Entry due;
            lock.lock();
            try {
                while (true) {
                    if (closed) {
                        return;
                    }
                    Entry head = queue.peek();
                    if (head == null) {
                        changed.await();
                        continue;
                    }
                    long left = head.deadline() - nowMillis();
                    if (left <= 0) {
                        due = queue.poll();
                        break;
                    }
                    changed.await(Math.min(left, MAX_WAIT_MILLIS), TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException e) {
                return;
            } finally {
                lock.unlock();
            }
            if (!due.timer().cancelled) {
                try {
                    due.task().run();
                } catch (RuntimeException e) {
                    journal.record(JournalEntry.of(JournalEntry.Kind.ERROR, "timer task failed: " + e));
                }
            }
        }
    }

    /** Stops the timer thread; pending tasks never run. */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            queue.clear();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
