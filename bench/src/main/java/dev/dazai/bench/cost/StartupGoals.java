package dev.dazai.bench.cost;

import java.util.ArrayList;
import java.util.List;

/**
 * Issue #20's three start-up goals, measured in one run beside {@code java -version}: a daemon
 * from spawn to ready ≤ 3× it through the launcher, a client command ≤ 2.5×, and a dry-run
 * daemon gone ≤ 50 ms after its heartbeat's EOF. Each row says met, or by how much not.
 */
public record StartupGoals(StartupCost.Row version, List<StartupCost.Row> daemon, List<StartupCost.Row> client,
        List<StartupCost.Row> gone) {

    static final double DAEMON_RATIO = 3.0;
    static final double CLIENT_RATIO = 2.5;
    static final double GONE_MILLIS = 50.0;

    public StartupGoals {
        daemon = List.copyOf(daemon);
        client = List.copyOf(client);
        gone = List.copyOf(gone);
    }

    /** A Markdown table: one row per variant, the goal's row first in each group. */
    public List<String> table() {
        List<String> md = new ArrayList<>();
        md.add(String.format("`java -version`: median %.0f ms (min %.0f), %d runs.", version.medianMillis(),
                version.minMillis(), version.runs()));
        md.add("");
        md.add("| what | how | median | min | × java -version | goal |");
        md.add("|---|---|---:|---:|---:|---|");
        for (StartupCost.Row r : daemon) {
            md.add(ratioRow("daemon spawn → ready", r, DAEMON_RATIO));
        }
        for (StartupCost.Row r : client) {
            md.add(ratioRow("`status` spawn → exit", r, CLIENT_RATIO));
        }
        for (StartupCost.Row r : gone) {
            boolean met = r.medianMillis() <= GONE_MILLIS;
            md.add(String.format("| dry-run heartbeat EOF → gone | %s | %.0f ms | %.0f ms | %.1f× | ≤ %.0f ms: %s |", r.name(),
                    r.medianMillis(), r.minMillis(), r.medianMillis() / version.medianMillis(), GONE_MILLIS,
                    met ? "**met**" : String.format("not met (%.1f× over)", r.medianMillis() / GONE_MILLIS)));
        }
        return md;
    }

    private String ratioRow(String what, StartupCost.Row r, double goal) {
        double ratio = r.medianMillis() / version.medianMillis();
        return String.format("| %s | %s | %.0f ms | %.0f ms | %.1f× | ≤ %.1f×: %s |", what, r.name(), r.medianMillis(),
                r.minMillis(), ratio, goal, ratio <= goal ? "**met**" : String.format("not met (%.1f× over)", ratio / goal));
    }
}
