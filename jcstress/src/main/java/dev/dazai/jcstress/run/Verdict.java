package dev.dazai.jcstress.run;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.infra.StateCase;
import org.openjdk.jcstress.infra.Status;
import org.openjdk.jcstress.infra.collectors.DiskReadCollector;
import org.openjdk.jcstress.infra.collectors.InProcessCollector;
import org.openjdk.jcstress.infra.collectors.TestResult;
import org.openjdk.jcstress.infra.grading.GradingResult;
import org.openjdk.jcstress.infra.grading.ReportUtils;
import org.openjdk.jcstress.infra.grading.TestGrading;
import org.openjdk.jcstress.infra.runners.TestList;

/**
 * What a run proved, read from jcstress's own result file with its own grading: every selected
 * test ran, no forbidden outcome was seen, and every test that declares an
 * {@code ACCEPTABLE_INTERESTING} outcome (the naive variants) saw it — a harness that never shows
 * its race proves nothing about the fix.
 */
final class Verdict {

    /** One test's merged result, and what is wrong with it (empty when it passed). */
    record Row(String test, long samples, Collection<GradingResult> outcomes, List<String> problems) {
    }

    private final List<Row> rows;

    private Verdict(List<Row> rows) {
        this.rows = rows;
    }

    static Verdict read(String resultFile, Set<String> selected) throws IOException, ClassNotFoundException {
        InProcessCollector collected = new InProcessCollector();
        DiskReadCollector reader = new DiskReadCollector(resultFile, collected);
        try {
            reader.dump();
        } finally {
            reader.close();
        }
        Map<String, TestResult> byName = new HashMap<>();
        for (TestResult r : ReportUtils.mergedByName(collected.getTestResults())) {
            byName.put(r.getName(), r);
        }
        List<Row> rows = new ArrayList<>();
        for (String test : selected) {
            rows.add(judge(test, byName.get(test)));
        }
        return new Verdict(rows);
    }

    private static Row judge(String test, TestResult result) {
        List<String> problems = new ArrayList<>();
        if (result == null) {
            problems.add("did not run: jcstress 0.16 skips tests with more actors than CPUs (use --oversubscribe)");
            return new Row(test, 0, List.of(), problems);
        }
        if (result.status() != Status.NORMAL) {
            problems.add("ended with " + result.status() + ": " + String.join(" | ", result.getMessages()));
        }
        TestGrading grading = result.grading();
        for (String message : grading.failureMessages) {
            problems.add(message);
        }
        if (declaresInteresting(test) && !grading.hasInteresting) {
            problems.add("its ACCEPTABLE_INTERESTING outcome was never seen: the race was not shown");
        }
        return new Row(test, result.getTotalCount(), grading.gradingResults.values(), problems);
    }

    private static boolean declaresInteresting(String test) {
        for (StateCase c : TestList.getInfo(test).cases()) {
            if (c.expect() == Expect.ACCEPTABLE_INTERESTING) {
                return true;
            }
        }
        return false;
    }

    boolean passed() {
        return !rows.isEmpty() && rows.stream().allMatch(r -> r.problems().isEmpty());
    }

    /** The outcome table, as Markdown (it goes into jcstress/README.md as it is). */
    void printTable(PrintStream out) {
        out.println("| test | outcome | expect | samples |");
        out.println("|---|---|---|---:|");
        for (Row row : rows) {
            String name = shortName(row.test());
            out.printf("| %s | **all** | | %,d |%n", name, row.samples());
            for (GradingResult g : row.outcomes()) {
                out.printf("| %s | `%s` | %s | %,d |%n", name, g.id, label(g.expect), g.count);
            }
        }
    }

    void printProblems(PrintStream out) {
        if (rows.isEmpty()) {
            out.println("  no test was selected");
        }
        for (Row row : rows) {
            for (String p : row.problems()) {
                out.println("  " + shortName(row.test()) + ": " + p);
            }
        }
    }

    private static String shortName(String test) {
        return test.substring(test.lastIndexOf('.', test.lastIndexOf('.') - 1) + 1);
    }

    private static String label(Expect expect) {
        return switch (expect) {
            case ACCEPTABLE -> "acceptable";
            case ACCEPTABLE_INTERESTING -> "interesting";
            case FORBIDDEN -> "forbidden";
            default -> expect.name().toLowerCase();
        };
    }
}
