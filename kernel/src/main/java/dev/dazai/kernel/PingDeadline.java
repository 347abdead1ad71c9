package dev.dazai.kernel;

import dev.dazai.kernel.port.out.Clock;
import java.util.function.LongConsumer;

/**
 * The ping deadline: one re-armed timer, however many PINGs arrive. A PING only moves the time
 * of the last sign of life; when the timer runs it either finds the deadline really passed or
 * schedules itself for the rest. So timer state stays bounded under a PING flood (issue #19: one
 * timer per PING once filled the heap). Kernel thread only.
 */
final class PingDeadline {

    private final Clock clock;
    private final long timeoutMillis;
    private long lastLife;
    private long generation;
    private boolean armed;
    private Clock.Timer timer;

    PingDeadline(Clock clock, long timeoutMillis) {
        this.clock = clock;
        this.timeoutMillis = timeoutMillis;
    }

    long timeoutMillis() {
        return timeoutMillis;
    }

    /** Starts watching from {@code now}, if a timeout is set; already armed, it only records the life. */
    void arm(long now, LongConsumer due) {
        lastLife = now;
        if (timeoutMillis == 0 || armed) {
            return;
        }
        armed = true;
        schedule(timeoutMillis, due);
    }

    void life(long now) {
        lastLife = now;
    }

    /**
     * The timer of {@code gen} ran: true if the deadline has passed (the watch then ends), false
     * if life came meanwhile (the timer is re-armed for what is left) or the timer is stale.
     */
    boolean passed(long gen, long now, LongConsumer due) {
        if (!armed || gen != generation) {
            return false;
        }
        long left = lastLife + timeoutMillis - now;
        if (left > 0) {
            schedule(left, due);
            return false;
        }
        armed = false;
        return true;
    }

    /** The deadline passed but it was no loss (a session lives): look again one timeout from now. */
    void recheck(LongConsumer due) {
        if (timeoutMillis == 0) {
            return;
        }
        armed = true;
        schedule(timeoutMillis, due);
    }

    /** A window opened or the switch ended: stop watching until the next arm. */
    void disarm() {
        armed = false;
        generation++;
        Clock.Timer t = timer;
        timer = null;
        if (t != null) {
            t.cancel();
        }
    }

    private void schedule(long delay, LongConsumer due) {
        long gen = ++generation;
        timer = clock.schedule(delay, () -> due.accept(gen));
    }
}
