package dev.dazai.kernel.port.out;

/** Time that keeps counting while the machine is suspended, and timers on it. */
public interface Clock {

    /** Milliseconds on a clock that includes suspend (CLOCK_BOOTTIME on Linux). */
    long nowMillis();

    /** Runs {@code task} once, on a thread of the adapter's, when {@code delayMillis} have passed. */
    Timer schedule(long delayMillis, Runnable task);

    /** A scheduled task. */
    interface Timer {
        /** Best effort: a task already running still runs; the kernel's epochs make a late one harmless. */
        void cancel();
    }
}
