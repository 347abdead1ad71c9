package dev.dazai.bench.cost;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class StartupGoalsTest {

    private static StartupCost.Row row(String name, double median) {
        return new StartupCost.Row(name, "", median, median - 1, 0, 0, "-", 11);
    }

    @Test
    void eachRowSaysMetOrByHowMuchNot() {
        StartupGoals goals = new StartupGoals(row("java -version", 40), List.of(row("bin/dazai", 200)),
                List.of(row("bin/dazai", 100)), List.of(row("bin/dazai", 30)));
        String md = String.join("\n", goals.table());
        assertTrue(md.contains("| daemon spawn → ready | bin/dazai | 200 ms | 199 ms | 5.0× | ≤ 3.0×: not met (1.7× over) |"), md);
        assertTrue(md.contains("| `status` spawn → exit | bin/dazai | 100 ms | 99 ms | 2.5× | ≤ 2.5×: **met** |"), md);
        assertTrue(md.contains("| dry-run heartbeat EOF → gone | bin/dazai | 30 ms | 29 ms | 0.8× | ≤ 50 ms: **met** |"), md);
    }
}
