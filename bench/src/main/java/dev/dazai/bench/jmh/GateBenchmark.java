package dev.dazai.bench.jmh;

import dev.dazai.kernel.domain.FireGate;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The single-fire gate under contention: one thread opens and cancels grace windows (the
 * reconnect path) while another races it with expiries for stale epochs (timers that lost), all
 * on one gate. Every operation is one compare-and-set on one word; this shows what that costs
 * when two cores fight over the cache line, against the uncontended case.
 */
@State(Scope.Group)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class GateBenchmark {

    private final FireGate gate = new FireGate();

    @Benchmark
    @Group("contended")
    @GroupThreads(1)
    public boolean openAndCancel() {
        gate.openGrace();
        return gate.cancel();
    }

    @Benchmark
    @Group("contended")
    @GroupThreads(1)
    public boolean staleExpiry() {
        // An epoch that never matches: the timer of a window long cancelled.
        return gate.expire(-1);
    }

    @Benchmark
    @Group("uncontended")
    @GroupThreads(1)
    public boolean openAndCancelAlone() {
        gate.openGrace();
        return gate.cancel();
    }

    /** A fresh gate fired once: the cost of the decision a hard panic waits for. */
    @Benchmark
    @Group("fire")
    @GroupThreads(1)
    public boolean fireOnce() {
        return new FireGate().fire();
    }
}
