package dev.dazai.bench.e2e;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * N real holder processes: children of one {@code load holders N} process, each asleep in
 * pause(). That process reaps them as they die and reports how many a SIGKILL ended, which is the
 * check that an armed fire really killed every one.
 */
public final class Holders implements AutoCloseable {

    private final Process process;
    private final LineLog out;
    private final List<Long> pids;
    private final long upNanos;

    private Holders(Process process, LineLog out, List<Long> pids, long upNanos) {
        this.process = process;
        this.out = out;
        this.pids = List.copyOf(pids);
        this.upNanos = upNanos;
    }

    public static Holders start(NativeTools tools, int n) throws IOException, InterruptedException, TimeoutException {
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(tools.load().toString(), "holders", Integer.toString(n))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        LineLog out = new LineLog(p.getInputStream(), "holders-" + p.pid());
        LineLog.Stamped ready = out.await("READY"::equals, 0, 60_000);
        List<Long> pids = new ArrayList<>(n);
        for (LineLog.Stamped s : out.snapshot()) {
            if (s == ready) {
                break;
            }
            pids.add(Long.parseLong(s.text()));
        }
        if (pids.size() != n) {
            throw new IOException("load holders " + n + " gave " + pids.size() + " PIDs");
        }
        return new Holders(p, out, pids, ready.nanos() - t0);
    }

    /** Spawn of the holder parent → every holder up (READY): the cost of the forks, when nothing else ran. */
    public long upNanos() {
        return upNanos;
    }

    public List<Long> pids() {
        return pids;
    }

    /** {@code --register P} for each holder. */
    public List<String> registerArgs() {
        List<String> args = new ArrayList<>(pids.size() * 2);
        for (long pid : pids) {
            args.add("--register");
            args.add(Long.toString(pid));
        }
        return args;
    }

    /** How many of the holders a SIGKILL ended, once all are reaped; -1 if they are not all gone in time. */
    public long awaitKilled(long timeoutMillis) throws InterruptedException {
        try {
            String line = out.await(t -> t.startsWith("REAPED "), 0, timeoutMillis).text();
            String[] f = line.split(" ");
            return Long.parseLong(f[1]) == pids.size() ? Long.parseLong(f[3]) : -1;
        } catch (TimeoutException e) {
            return -1;
        }
    }

    /** Ends the holder parent; its children follow it (PR_SET_PDEATHSIG). */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
