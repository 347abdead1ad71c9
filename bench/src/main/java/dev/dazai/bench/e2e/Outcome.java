package dev.dazai.bench.e2e;

import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * What one scenario measured: a histogram in nanoseconds (HdrHistogram, 3 significant digits),
 * the trials that failed and why, and notes for the report.
 */
public final class Outcome {

    private final String id;
    private final String title;
    private final Histogram nanos = new Histogram(120_000_000_000L, 3);
    private final Histogram inside = new Histogram(120_000_000_000L, 3);
    private final List<String> failures = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private long seconds;
    private long startNanos;
    private long daemonStarts;
    private long startCpuTicks;
    private long holdersForked;
    private long timedForks;
    private long forkNanos;

    public Outcome(String id, String title) {
        this.id = id;
        this.title = title;
    }

    public synchronized void record(long ns) {
        nanos.recordValue(Math.max(0, ns));
    }

    /** The same trial as the daemon's own journal stamps see it (millisecond resolution). */
    public synchronized void recordInside(long ns) {
        inside.recordValue(Math.max(0, ns));
    }

    public synchronized void fail(String why) {
        failures.add(why);
    }

    public synchronized void note(String text) {
        notes.add(text);
    }

    public void seconds(long s) {
        this.seconds = s;
    }

    /** Time spent starting daemons (and their holders) for this scenario, as opposed to measuring. */
    public synchronized void addStartNanos(long ns) {
        startNanos += ns;
    }

    /**
     * CPU the {@code daemons} of a batch used from spawn until idle, in clock ticks (USER_HZ, 100 a
     * second on Linux): what a start costs the machine, whatever the scheduling.
     */
    public synchronized void addStartCpu(int daemons, long ticks) {
        daemonStarts += daemons;
        startCpuTicks += ticks;
    }

    public synchronized long daemonStarts() {
        return daemonStarts;
    }

    /** CPU-seconds of all measured starts. */
    public synchronized double startCpuSeconds() {
        return startCpuTicks / 100.0;
    }

    /** {@code n} holder processes forked for this scenario; {@code nanos} ≥ 0 when their fork loop ran alone and was timed. */
    public synchronized void addHolders(int n, long nanos) {
        holdersForked += n;
        if (nanos >= 0) {
            timedForks += n;
            forkNanos += nanos;
        }
    }

    public synchronized long holdersForked() {
        return holdersForked;
    }

    public synchronized long timedForks() {
        return timedForks;
    }

    public synchronized long forkNanos() {
        return forkNanos;
    }

    /** The sum of every trial's measured time: the part of the run that is the measurement itself. */
    public synchronized double measuredSeconds() {
        return nanos.getMean() * nanos.getTotalCount() / 1e9;
    }

    public synchronized long startSeconds() {
        return Math.round(startNanos / 1e9);
    }

    public String id() {
        return id;
    }

    public String title() {
        return title;
    }

    public synchronized long trials() {
        return nanos.getTotalCount();
    }

    public synchronized double p50Millis() {
        return nanos.getValueAtPercentile(50) / 1e6;
    }

    public synchronized double p99Millis() {
        return nanos.getValueAtPercentile(99) / 1e6;
    }

    public synchronized double maxMillis() {
        return nanos.getMaxValue() / 1e6;
    }

    public synchronized double minMillis() {
        return nanos.getMinValue() / 1e6;
    }

    public synchronized boolean hasInside() {
        return inside.getTotalCount() > 0;
    }

    public synchronized double insideP50Millis() {
        return inside.getValueAtPercentile(50) / 1e6;
    }

    public synchronized double insideP99Millis() {
        return inside.getValueAtPercentile(99) / 1e6;
    }

    public synchronized List<String> failures() {
        return List.copyOf(failures);
    }

    public synchronized List<String> notes() {
        return List.copyOf(notes);
    }

    public long seconds() {
        return seconds;
    }

    @Override
    public synchronized String toString() {
        return String.format("%-28s n=%d p50=%.3f ms p99=%.3f ms max=%.3f ms failed=%d (%d s, of which starting %d s)", id,
                trials(), p50Millis(), p99Millis(), maxMillis(), failures.size(), seconds, Math.round(startNanos / 1e9));
    }
}
