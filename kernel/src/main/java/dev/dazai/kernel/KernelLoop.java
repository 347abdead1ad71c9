package dev.dazai.kernel;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One thread the kernel owns, fed by a queue. Adapters' threads post work here and return; a task
 * the loop posts to itself runs at once, in order, so nothing waits on itself. There is no
 * "post and wait for the answer with a timeout": an answer given after a timeout could disagree
 * with what the queued work later did, so answers travel back through callbacks instead.
 */
final class KernelLoop implements AutoCloseable {

    /** What the loop does with a task that throws. An {@link Error} means the kernel can no longer be trusted. */
    interface Failures {
        void failed(Thread thread, Throwable t);
    }

    private final BlockingQueue<Runnable> queue = new LinkedBlockingQueue<>();
    private final Failures failures;
    private final Thread thread;
    private volatile boolean closed;

    KernelLoop(String name, Failures failures) {
        this.failures = failures;
        this.thread = new Thread(this::loop, name);
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    boolean onLoop() {
        return Thread.currentThread() == thread;
    }

    /** Runs {@code task} on the loop: now if called from it, else after everything posted before. */
    void post(Runnable task) {
        if (onLoop()) {
            runSafely(task);
        } else {
            queue.add(task);
        }
    }

    /**
     * Waits (bounded) until everything posted so far has run. From the loop itself it returns at
     * once: what the loop posts runs inline, so its own steps are already done.
     */
    boolean awaitIdle(long timeoutMillis) {
        if (onLoop()) {
            return true;
        }
        CountDownLatch done = new CountDownLatch(1);
        queue.add(done::countDown);
        try {
            return done.await(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void loop() {
        while (!closed) {
            Runnable task;
            try {
                task = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            runSafely(task);
        }
    }

    private void runSafely(Runnable task) {
        try {
            task.run();
        } catch (Throwable t) {
            failures.failed(thread, t);
        }
    }

    /** Stops taking tasks; those still queued never run (tests only: the daemon ends by its sequence). */
    @Override
    public void close() {
        closed = true;
        queue.add(() -> { });
    }
}
