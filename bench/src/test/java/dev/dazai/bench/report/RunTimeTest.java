package dev.dazai.bench.report;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dazai.bench.e2e.Outcome;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The report's Run time section is arithmetic over what the run booked; a slip there would tell the
 * reader the wrong reason the run is long, or a wrong verdict on the 15 minutes.
 */
class RunTimeTest {

    private static final Machine TWO_CPUS = new Machine(2, "test CPU", "6.x", "1 GiB", "17", "gcc", "abc1234");

    /** 100 starts at 3 CPU-s, 1,000 forks at 1 ms timed, one 2 ms trial; 60 s of fixed parts. */
    private static Outcome scenario() {
        Outcome o = new Outcome("usr2-1000", "SIGUSR2 → daemon reaped, armed, 1000 holders");
        o.addStartCpu(100, 30_000); // ticks of 10 ms: 300 CPU-s
        o.addHolders(1000, 1_000_000_000L);
        o.record(2_000_000);
        return o;
    }

    private static String render(Outcome o, long seconds, boolean complete) {
        Map<String, Long> parts = new LinkedHashMap<>();
        parts.put("cost", 40L);
        parts.put("JMH", 20L);
        parts.put("latency", seconds - 60);
        return new Report().render(new Report.Inputs(TWO_CPUS, "bench/run.sh", "0 0 0", "0 0 0", seconds, parts,
                List.of(o), List.of(), null, List.of(), List.of(), null, "-Xint", 200, List.of(), complete));
    }

    @Test
    void booksStartsOverTheCpusAndFindsTheStartCostThatWouldFit() {
        String md = render(scenario(), 1000, true);
        assertTrue(md.contains("| the whole set in under 15 minutes | 1000 s (16.7 min); see Run time | **not met** |"), md);
        assertTrue(md.contains("| 100 | 3.00 CPU-s | 150 s (300 CPU-s on 2 CPUs) |"), md);
        assertTrue(md.contains("| 1000 | 1000 µs | 1 s |"), md);
        // 900 s − 1 s forks − 0.002 s trials − 60 s fixed = 839 s of room; × 2 CPUs ÷ 100 starts.
        assertTrue(md.contains("a daemon start of at most 16.78 CPU-s (it was 3.00)"), md);
        assertTrue(md.contains("**211 s (3.5 min)**"), md);
    }

    @Test
    void saysWhenNoStartCostWouldDo() {
        Outcome o = scenario();
        o.addHolders(1_000_000, -1); // a million more forks at 1 ms: 1,000 s before any start
        String md = render(o, 2000, true);
        assertTrue(md.contains("not reachable at any daemon start cost"), md);
    }

    @Test
    void aPartialRunGivesNoVerdictAndNoProjection() {
        String md = render(scenario(), 100, false);
        assertTrue(md.contains("| the whole set in under 15 minutes | 100 s (1.7 min), a partial run (options left parts out) | — |"),
                md);
        assertFalse(md.contains("would need"), md);
    }
}
