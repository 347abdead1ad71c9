package dev.dazai.app.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon keeps nothing large in its heap, so its memory must stay bounded under junk, started
 * exactly as the README starts it: {@code java -jar app.jar}, no JVM options, so whatever bounds
 * it comes from the flags it re-execs itself with. Before they capped the heap, 3,000 junk
 * connections in about 4 s grew RSS from 131 to 349 MiB: the default heap may take a quarter of RAM,
 * and the collector spreads garbage over all of it before it collects.
 *
 * <p>The load: 3,000 connections in about 4 s, half on each socket, each sending random bytes or
 * an over-long line (300 bytes to 64 KiB, no newline until the end), then closing; one in ten
 * sends instead a request the daemon answers (STATUS on control.sock, HELLO on heartbeat.sock,
 * which gets BUSY: the test's own heartbeat holds the slot throughout), because junk from a same-uid process may as well be the costliest valid thing
 * (STATUS reads /proc/self/smaps afresh: about 1.5 MB of garbage each, measured). RSS is sampled
 * every 20 ms from /proc throughout; its peak may exceed the quiet baseline by {@link #BOUND_KB}.
 */
class MemoryBoundIT {

    private static final int CONNECTIONS = 3_000;
    private static final long SECONDS = 4;
    private static final int SENDERS = 8;
    /** The bound: RSS grows by at most 64 MiB under this load. */
    private static final long BOUND_KB = 64 * 1024;

    @TempDir
    Path tmp;

    private Lab lab;

    @BeforeEach
    void setUp() throws Exception {
        lab = new Lab(tmp);
    }

    @AfterEach
    void tearDown() {
        lab.close();
    }

    @Test
    void junkConnectionsGrowRssByAtMost64MiBAndTheDaemonStillAnswers() throws Exception {
        TargetDaemon d = lab.daemon("rss").start();
        String cmdline = Files.readString(Path.of("/proc", Long.toString(d.pid()), "cmdline")).replace('\0', ' ');
        assertTrue(cmdline.contains("-Ddazai.reexec=1"), "started as the README starts it, re-exec'd: " + cmdline);
        // A session is guarded: our heartbeat holds the slot, so a stranger's HELLO gets BUSY.
        UnixLine heartbeat = UnixLine.connect(d.heartbeatSocket());
        heartbeat.send("HELLO " + ProcessHandle.current().pid() + "\n", Duration.ofSeconds(10));
        assertEquals("WELCOME", heartbeat.readLine(Duration.ofSeconds(30)));
        // Quiet baseline: the daemon ready, its STATUS path run a few times, then left alone.
        for (int i = 0; i < 20; i++) {
            d.status();
        }
        Thread.sleep(1000);
        long before = rssKb(d);

        AtomicLong peak = new AtomicLong(before);
        AtomicBoolean sampling = new AtomicBoolean(true);
        Thread sampler = new Thread(() -> {
            while (sampling.get()) {
                Host.statusKb(d.pid(), "VmRSS").ifPresent(kb -> peak.accumulateAndGet(kb, Math::max));
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "rss-sampler");
        sampler.start();

        long started = System.nanoTime();
        ExecutorService senders = Executors.newFixedThreadPool(SENDERS);
        List<Future<int[]>> results = new ArrayList<>();
        try {
            for (int s = 0; s < SENDERS; s++) {
                int sender = s;
                results.add(senders.submit(() -> send(d, sender, started)));
            }
            int sent = 0;
            int refused = 0;
            for (Future<int[]> f : results) {
                int[] r = f.get(120, TimeUnit.SECONDS);
                sent += r[0];
                refused += r[1];
            }
            double took = (System.nanoTime() - started) / 1e9;
            Thread.sleep(2000);
            sampling.set(false);
            sampler.join();
            long after = rssKb(d);

            System.out.printf("FIGURE memory.junk connections=%d refused=%d seconds=%.1f java=%s rssBeforeKb=%d"
                    + " rssPeakKb=%d rssAfterKb=%d growthKb=%d%n", sent, refused, took, Runtime.version(), before,
                    peak.get(), after, peak.get() - before);
            assertTrue(d.alive(), "the daemon is alive:\n" + d.log());
            String status = d.status();
            assertEquals("Attached", Host.jsonField(status, "state"), status);
            assertEquals(Long.toString(ProcessHandle.current().pid()), Host.jsonField(status, "heartbeat_pid"), status);
            heartbeat.send("PING\n", Duration.ofSeconds(10));
            assertEquals("PONG", heartbeat.readLine(Duration.ofSeconds(30)), "our heartbeat is still served");
            assertEquals(CONNECTIONS, sent + refused, "every connection was tried");
            assertTrue(peak.get() - before <= BOUND_KB, "RSS grew from " + before + " kB to a peak of " + peak.get()
                    + " kB (" + (peak.get() - before) / 1024 + " MiB) under " + CONNECTIONS + " junk connections");
        } finally {
            sampling.set(false);
            senders.shutdownNow();
            heartbeat.close();
        }
    }

    private static long rssKb(TargetDaemon d) {
        return Host.statusKb(d.pid(), "VmRSS").orElseThrow(() -> new AssertionError("no VmRSS:\n" + d.log()));
    }

    /**
     * This sender's share of the connections, paced so that all of them together take about
     * {@link #SECONDS}: even senders on heartbeat.sock, odd ones on control.sock. Returns
     * {connected and written, refused at connect}.
     */
    private static int[] send(TargetDaemon d, int sender, long started) throws IOException, InterruptedException {
        Random random = new Random(19L * 31 + sender);
        Path socket = sender % 2 == 0 ? d.heartbeatSocket() : d.controlSocket();
        int share = CONNECTIONS / SENDERS;
        long spacingNanos = TimeUnit.SECONDS.toNanos(SECONDS) / share;
        int sent = 0;
        int refused = 0;
        for (int i = 0; i < share; i++) {
            long due = started + i * spacingNanos;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                try {
                    ch.connect(UnixDomainSocketAddress.of(socket));
                } catch (IOException backlogFull) {
                    refused++;
                    continue;
                }
                ch.configureBlocking(false);
                try {
                    // Whatever fits in the socket buffer: the daemon may cut the line and close at any point.
                    ch.write(ByteBuffer.wrap(junk(random, sender % 2 == 0)));
                } catch (IOException cut) {
                    // Closed by the daemon first (line too long, connection cap): that is it protecting itself.
                }
                sent++;
            }
        }
        return new int[] {sent, refused};
    }

    /** Random bytes (newlines and all), an over-long line (300 bytes to 64 KiB before its newline), or a request. */
    private static byte[] junk(Random random, boolean heartbeat) {
        if (random.nextInt(10) == 0) {
            String request = heartbeat ? "HELLO " + (1 + random.nextInt(100_000)) + "\nPING\n" : "STATUS\n";
            return request.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        }
        if (random.nextBoolean()) {
            byte[] b = new byte[1 + random.nextInt(4096)];
            random.nextBytes(b);
            return b;
        }
        byte[] line = new byte[300 + random.nextInt(64 * 1024 - 300)];
        Arrays.fill(line, (byte) ('A' + random.nextInt(26)));
        line[line.length - 1] = '\n';
        return line;
    }
}
