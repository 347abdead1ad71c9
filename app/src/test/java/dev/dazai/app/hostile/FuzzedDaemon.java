package dev.dazai.app.hostile;

import static dev.dazai.app.hostile.Junk.tail;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The daemon every surface of hostile round 2 is fuzzed against, and what must still hold after
 * the junk: a dry-run with a 600 s panic window pending (what junk must not cancel) and, when
 * asked, our heartbeat attached. {@code -Ddazai.fuzz.inputs=N} is the count per surface (default
 * {@value #DEFAULT_INPUTS}, so that {@code mvn verify} stays short; {@code -Pfuzz-long} sets 100,000).
 */
final class FuzzedDaemon implements AutoCloseable {

    private static final int DEFAULT_INPUTS = 2_000;
    /** Per surface; a system property so that the long profile can raise it without a code change. */
    static final int INPUTS = Integer.getInteger("dazai.fuzz.inputs", DEFAULT_INPUTS);

    /** As ProtocolFuzzIT: a pinned heap, so RSS growth is JIT code, metaspace and malloc arenas only. */
    private static final String[] PINNED_HEAP = {"-Xms64m", "-Xmx64m", "-XX:+AlwaysPreTouch"};
    /** RSS at the end of a surface may exceed the baseline by this much (ProtocolFuzzIT's bound). */
    private static final long RSS_BOUND_KB = 32 * 1024;

    private final Lab lab;
    private final TargetDaemon d;
    private final UnixLine heartbeat;
    private final long self = ProcessHandle.current().pid();
    private long rssBaselineKb;
    private long fdBaseline;

    private FuzzedDaemon(Lab lab, TargetDaemon d, UnixLine heartbeat) {
        this.lab = lab;
        this.d = d;
        this.heartbeat = heartbeat;
    }

    /** Starts it, attaches our heartbeat if {@code attach}, opens a panic's window, takes the baselines. */
    static FuzzedDaemon start(Path tmp, boolean attach) throws Exception {
        Lab lab = new Lab(tmp);
        TargetDaemon d;
        UnixLine heartbeat = null;
        try {
            d = lab.daemon("fuzz").grace(600).jvm(PINNED_HEAP).start();
            if (attach) {
                heartbeat = UnixLine.connect(d.heartbeatSocket());
                heartbeat.send("HELLO " + ProcessHandle.current().pid() + "\n", Duration.ofSeconds(10));
                assertEquals("WELCOME", heartbeat.readLine(Duration.ofSeconds(30)));
            }
        } catch (Exception | AssertionError e) {
            lab.close();
            throw e;
        }
        FuzzedDaemon fz = new FuzzedDaemon(lab, d, heartbeat);
        assertEquals("OK", d.request("PANIC").orElseThrow());
        Host.eventually("a pending grace window", () -> {
            try {
                return "Grace".equals(d.statusField("state"));
            } catch (IOException e) {
                return false;
            }
        });
        // Warm the paths once, so the baseline already holds what any first connection costs.
        for (int i = 0; i < 50; i++) {
            d.status();
        }
        fz.rssBaselineKb = Host.statusKb(d.pid(), "VmRSS").orElseThrow();
        fz.fdBaseline = fz.openFds();
        return fz;
    }

    Lab lab() {
        return lab;
    }

    TargetDaemon daemon() {
        return d;
    }

    /** Our heartbeat's connection; null when not attached. */
    UnixLine heartbeat() {
        return heartbeat;
    }

    /** The PID our heartbeat said HELLO with: this JVM's. */
    long self() {
        return self;
    }

    long fdBaseline() {
        return fdBaseline;
    }

    /**
     * After every batch, what STATUS and the heartbeat say: alive, in Grace with the panic's window,
     * the slot as we left it, nothing registered, added, removed or admitted. The journal is read
     * once per surface ({@link #assertUndisturbed}): it grows by a line per refused entry.
     */
    void assertStillHolding() {
        try {
            assertTrue(d.alive(), "the daemon died:\n" + tail(d.log()));
            String status = d.status();
            assertEquals("Grace", Host.jsonField(status, "state"), status);
            assertEquals("Panic", Host.jsonField(status, "window"), status);
            assertEquals(heartbeat != null ? Long.toString(self) : "null", Host.jsonField(status, "heartbeat_pid"), status);
            assertTrue(status.contains("\"sessions\":[]") && status.contains("\"holders\":[]")
                    && status.contains("\"secrets\":[{\"name\":\"default\",\"bytes\":32}]"), status);
            if (heartbeat != null) {
                heartbeat.send("PING\n", Duration.ofSeconds(10));
                assertEquals("PONG", heartbeat.readLine(Duration.ofSeconds(30)), "our heartbeat is answered");
            }
        } catch (IOException e) {
            throw new AssertionError("the daemon stopped answering:\n" + tail(d.log()), e);
        }
    }

    /** After a surface: {@link #assertStillHolding}, the journal, RSS and descriptors. */
    void assertUndisturbed(String after) {
        assertStillHolding();
        String status;
        try {
            status = d.status();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        assertTrue(Long.parseLong(Host.jsonField(status, "grace_left_ms")) > 0, "the window is still pending: " + status);
        String log = d.log();
        for (String forbidden : List.of("CANCELLED", "RECONNECTED", "LOST", "FIRE", "WIPED", "REGISTERED", "SESSION_START",
                "UNREGISTERED", "TRIGGER.*HARD")) {
            assertFalse(Pattern.compile("\\b" + forbidden + "\\b").matcher(log).find(),
                    forbidden + " in the journal after " + after + ":\n" + tail(log));
        }
        assertEquals(heartbeat != null ? 1 : 0, Pattern.compile("\\bATTACHED\\b").matcher(log).results().count(),
                "ATTACHED: ours only");
        assertEquals(1, Pattern.compile("\\bLOADED\\b").matcher(log).results().count(), "LOADED once, at start-up");
        long rss = Host.statusKb(d.pid(), "VmRSS").orElseThrow();
        long hwm = Host.statusKb(d.pid(), "VmHWM").orElseThrow();
        Host.eventually("descriptors back to the baseline", () -> openFds() <= fdBaseline + 2);
        System.out.printf("FIGURE fuzz.surface.rss after=%s baselineKb=%d nowKb=%d peakKb=%d growthKb=%d fds=%d/%d%n",
                after, rssBaselineKb, rss, hwm, rss - rssBaselineKb, openFds(), fdBaseline);
        assertTrue(rss - rssBaselineKb < RSS_BOUND_KB, "RSS grew from " + rssBaselineKb + " kB to " + rss + " kB after " + after);
    }

    /** Prints a surface's count and pace, and fails if fewer inputs than asked for were made. */
    static void figure(String surface, long inputs, long connections, long t0) {
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        System.out.printf("FIGURE fuzz.surface.%s inputs=%d connections=%d wallMs=%d perSecond=%d%n",
                surface, inputs, connections, ms, ms == 0 ? 0 : inputs * 1000 / ms);
        assertTrue(inputs >= INPUTS, surface + ": " + inputs + " inputs, fewer than the " + INPUTS + " asked for");
    }

    /** QuickTheories examples for {@link #INPUTS} inputs, {@code perBatch} to an example. */
    static int batches(int perBatch) {
        return Math.max(1, (INPUTS + perBatch - 1) / perBatch);
    }

    long openFds() {
        try (var s = Files.list(Path.of("/proc", Long.toString(d.pid()), "fd"))) {
            return s.count();
        } catch (IOException e) {
            return -1;
        }
    }

    /** The daemon's RLIMIT_NOFILE as soft/hard. */
    String nofile() {
        for (String l : Host.read(Path.of("/proc", Long.toString(d.pid()), "limits")).split("\n")) {
            if (l.startsWith("Max open files")) {
                return l.replaceAll("\\s+", " ").replace("Max open files ", "").replace(" files", "").strip().replace(' ', '/');
            }
        }
        return "?";
    }

    @Override
    public void close() throws IOException {
        try {
            if (heartbeat != null) {
                heartbeat.close();
            }
        } finally {
            lab.close();
        }
    }
}
