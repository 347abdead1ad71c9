package dev.dazai.bench.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * The lines a child process writes on one stream, each stamped with {@link System#nanoTime()}
 * (CLOCK_MONOTONIC) by a reader thread the moment {@code readLine} hands it over. The stamp is
 * taken before anyone is notified, so a waiting thread's own wake-up is not in the figure; a line
 * that arrives in the same read as an earlier one gets a stamp a little later than its write, so
 * the stamps are upper bounds.
 */
public final class LineLog {

    /** A line and when the harness read it. */
    public record Stamped(long nanos, String text) {
    }

    private final List<Stamped> lines = new ArrayList<>();
    private boolean ended;

    public LineLog(InputStream in, String name) {
        Thread reader = new Thread(() -> pump(in), "bench-read-" + name);
        reader.setDaemon(true);
        reader.start();
    }

    private void pump(InputStream in) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16)) {
            String line;
            while ((line = r.readLine()) != null) {
                long now = System.nanoTime();
                synchronized (this) {
                    lines.add(new Stamped(now, line));
                    notifyAll();
                }
            }
        } catch (IOException e) {
            // The process went away mid-line; what was read stays.
        } finally {
            synchronized (this) {
                ended = true;
                notifyAll();
            }
        }
    }

    /** The first line (from index {@code from} on) that matches, waiting for it up to the timeout. */
    public synchronized Stamped await(Predicate<String> match, int from, long timeoutMillis)
            throws TimeoutException, InterruptedException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        int i = from;
        while (true) {
            for (; i < lines.size(); i++) {
                if (match.test(lines.get(i).text())) {
                    return lines.get(i);
                }
            }
            long left = (deadline - System.nanoTime()) / 1_000_000L;
            if (ended) {
                throw new TimeoutException("stream ended without the line; last lines: " + tail(8));
            }
            if (left <= 0) {
                throw new TimeoutException("no such line in " + timeoutMillis + " ms; last lines: " + tail(8));
            }
            wait(left);
        }
    }

    /** The first journal line of that kind, from index {@code from} on. */
    public Stamped awaitKind(String kind, int from, long timeoutMillis) throws TimeoutException, InterruptedException {
        return await(t -> JournalLine.parse(t).map(j -> j.is(kind)).orElse(false), from, timeoutMillis);
    }

    /** Waits until the stream has ended (the process closed it or died). */
    public synchronized void awaitEnd(long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (!ended) {
            long left = (deadline - System.nanoTime()) / 1_000_000L;
            if (left <= 0) {
                return;
            }
            wait(left);
        }
    }

    public synchronized int size() {
        return lines.size();
    }

    public synchronized List<Stamped> snapshot() {
        return List.copyOf(lines);
    }

    public synchronized long count(Predicate<String> match) {
        return lines.stream().filter(s -> match.test(s.text())).count();
    }

    public synchronized String tail(int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = Math.max(0, lines.size() - n); i < lines.size(); i++) {
            sb.append("\n  ").append(lines.get(i).text());
        }
        return sb.toString();
    }
}
