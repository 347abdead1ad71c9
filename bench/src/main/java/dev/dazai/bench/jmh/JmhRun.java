package dev.dazai.bench.jmh;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the JMH benchmarks of this package from the harness (each in its own forked JVM, as JMH
 * does) and hands back the scores; JMH's own log goes to a file.
 */
public final class JmhRun {

    /** One score: benchmark method (or group member), its {@code bytes} parameter if any, mean ± error. */
    public record Score(String benchmark, String bytes, double score, double error, String unit) {
    }

    private final int warmups;
    private final int iterations;

    public JmhRun(int warmups, int iterations) {
        this.warmups = warmups;
        this.iterations = iterations;
    }

    @SuppressWarnings("rawtypes") // JMH's getSecondaryResults() is a raw Map<String, Result>
    public List<Score> run(Path log) throws RunnerException {
        Options opt = new OptionsBuilder()
                .include(WipeBenchmark.class.getName())
                .include(GateBenchmark.class.getName())
                // Left out for time (each is a forked JVM, about 6 s): explicit_bzero alone matches memset
                // within noise, and a fresh gate fired once adds nothing the contended groups do not show.
                // Both still run standalone: java -jar bench/target/benchmarks.jar 'WipeBenchmark.plainBzero'
                .exclude(WipeBenchmark.class.getName() + ".plainBzero")
                .exclude(GateBenchmark.class.getName() + ".fire")
                .warmupIterations(warmups).warmupTime(TimeValue.seconds(1))
                .measurementIterations(iterations).measurementTime(TimeValue.seconds(1))
                .forks(1)
                .output(log.toString())
                .build();
        Collection<RunResult> results = new Runner(opt).run();
        List<Score> scores = new ArrayList<>();
        for (RunResult r : results) {
            String name = r.getParams().getBenchmark();
            name = name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1);
            String bytes = r.getParams().getParam("bytes");
            Result<?> p = r.getPrimaryResult();
            scores.add(new Score(name, bytes, p.getScore(), p.getScoreError(), p.getScoreUnit()));
            for (Map.Entry<String, Result> e : r.getSecondaryResults().entrySet()) {
                Result<?> s = e.getValue();
                scores.add(new Score(name + ":" + e.getKey(), bytes, s.getScore(), s.getScoreError(), s.getScoreUnit()));
            }
        }
        return scores;
    }
}
