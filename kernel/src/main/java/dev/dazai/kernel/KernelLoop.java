package dev.dazai.kernel;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The one thread that owns the state machine. Adapters' threads post work here and never touch
 * the machine; a task the loop itself posts runs at once, in order, so nothing deadlocks on itself.
 */
final class KernelLoop implements AutoCloseable {

    private static final Runnable POISON = () -> { };

    private final BlockingQueue<Runnable> queue = new LinkedBlockingQueue<>();
    private final Consumer<Throwable> onError;
    private final Thread thread;

    KernelLoop(Consumer<Throwable> onError) {
        this("dazai-kernel", onError);
    }

    KernelLoop(String name, Consumer<Throwable> onError) {
        this.onError = onError;
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

    /** Runs {@code task} on the loop and waits for its answer; {@code fallback} if the loop is stuck. */
    <T> T call(Supplier<T> task, long timeoutMillis, T fallback) {
        if (onLoop()) {
            return task.get();
        }
        CompletableFuture<T> answer = new CompletableFuture<>();
        queue.add(() -> {
            try {
                answer.complete(task.get());
            } catch (RuntimeException | Error e) {
                answer.completeExceptionally(e);
                throw e;
            }
        });
        try {
            return answer.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fallback;
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(cause);
        } catch (java.util.concurrent.TimeoutException e) {
            return fallback;
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
        while (true) {
            Runnable task;
            try {
                task = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            if (task == POISON) {
                return;
            }
            runSafely(task);
        }
    }

    private void runSafely(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException | Error e) {
            onError.accept(e);
        }
    }

    @Override
    public void close() {
        queue.add(POISON);
    }
}
