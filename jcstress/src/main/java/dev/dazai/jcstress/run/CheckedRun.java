package dev.dazai.jcstress.run;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SortedSet;
import org.openjdk.jcstress.JCStress;
import org.openjdk.jcstress.Options;

/**
 * jcstress, then a verdict that fails the build: what {@code mvn verify} runs.
 *
 * <p>Takes jcstress's own options, plus {@code --oversubscribe} (see {@link Oversubscription}).
 * Runs the selected tests exactly as {@code org.openjdk.jcstress.Main} would (HTML report in the
 * {@code -r} directory), then reads the result file back and exits 1 unless every selected test
 * ran, none saw a forbidden outcome, and every naive variant saw its interesting one. The outcome
 * table is printed and written to {@code summary.md} beside the HTML report.
 */
public final class CheckedRun {

    private CheckedRun() {
    }

    public static void main(String[] args) throws Exception {
        List<String> jcstressArgs = new ArrayList<>(Arrays.asList(args));
        if (jcstressArgs.remove("--oversubscribe")) {
            Oversubscription.hideCpuTopology();
        }
        Options opts = new Options(jcstressArgs.toArray(String[]::new));
        if (!opts.parse()) {
            System.exit(2);
        }
        long started = System.nanoTime();
        JCStress jcstress = new JCStress(opts);
        SortedSet<String> selected = jcstress.getTests();
        boolean jcstressPassed = true;
        try {
            jcstress.run();
        } catch (AssertionError failures) {
            // jcstress reports forbidden outcomes and test errors this way, after writing its report.
            jcstressPassed = false;
            System.out.println(failures.getMessage());
        }
        if (!Files.exists(Path.of(opts.getResultFile()))) {
            System.out.println("dazai: jcstress wrote no results (" + opts.getResultFile() + "); nothing was tested");
            System.exit(1);
        }
        Verdict verdict = Verdict.read(opts.getResultFile(), selected);
        Path summary = Path.of(opts.getResultDest(), "summary.md");
        Files.createDirectories(summary.getParent());
        long seconds = (System.nanoTime() - started) / 1_000_000_000L;
        try (PrintStream out = new PrintStream(Files.newOutputStream(summary), true, StandardCharsets.UTF_8)) {
            out.printf("Java %s (%s), %d CPUs as jcstress saw them, %d s, jcstress %s%n%n",
                    System.getProperty("java.version"), System.getProperty("java.vm.name"),
                    Runtime.getRuntime().availableProcessors(), seconds, String.join(" ", args));
            verdict.printTable(out);
        }
        System.out.println();
        verdict.printTable(System.out);
        System.out.println();
        if (jcstressPassed && verdict.passed()) {
            System.out.println("dazai: " + selected.size() + " harnesses passed: every naive race was seen, no forbidden outcome;"
                    + " report in " + opts.getResultDest() + "index.html");
            System.exit(0);
        }
        System.out.println("dazai: the jcstress run FAILED:");
        verdict.printProblems(System.out);
        System.exit(1);
    }
}
