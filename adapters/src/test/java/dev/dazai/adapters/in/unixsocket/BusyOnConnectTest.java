package dev.dazai.adapters.in.unixsocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dazai.adapters.in.unixsocket.Recorders.RecordingLog;
import dev.dazai.kernel.DeadManSwitch;
import dev.dazai.kernel.domain.Mode;
import dev.dazai.kernel.domain.SwitchConfig;
import dev.dazai.kernel.port.out.Clock;
import dev.dazai.kernel.port.out.Holder;
import dev.dazai.kernel.port.out.HolderKiller;
import dev.dazai.kernel.port.out.Journal;
import dev.dazai.kernel.port.out.JournalEntry;
import dev.dazai.kernel.port.out.KillOutcome;
import dev.dazai.kernel.port.out.Pin;
import dev.dazai.kernel.port.out.Ports;
import dev.dazai.kernel.port.out.Secret;
import dev.dazai.kernel.port.out.SecretMemory;
import dev.dazai.kernel.port.out.SelfTerminator;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * BUSY at once, with the real kernel: a second connection that speaks the moment it connects
 * hears BUSY and nothing else, even when the kernel thread is slow to decide (its journal blocks
 * here while it records the BUSY, as a loaded machine slows it). The adapter reads nothing from a
 * new connection until the kernel has said BUSY or admitted it; before that fix, the adapter's own
 * "ERR hello first" to the CANCEL came first.
 */
class BusyOnConnectTest {

    @TempDir
    Path dir;

    @Test
    void aSecondConnectionThatSpeaksAtOnceStillHearsBusyFirst() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Journal journal = new Journal() {
            @Override
            public void record(JournalEntry entry) {
                if (entry.toString().contains("BUSY")) {
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }

            @Override
            public void flush() {
            }
        };
        SecretMemory memory = new SecretMemory() {
            @Override
            public void load() {
            }

            @Override
            public boolean adopt(Secret secret) {
                return false;
            }

            @Override
            public boolean remove(String name) {
                return false;
            }

            @Override
            public void wipe() {
            }

            @Override
            public List<Secret> secrets() {
                return List.of();
            }
        };
        HolderKiller holders = new HolderKiller() {
            @Override
            public Holder register(Pin pin, Holder.Reach reach) {
                throw new UnsupportedOperationException();
            }

            @Override
            public boolean unregister(long pid) {
                return false;
            }

            @Override
            public List<Holder> holders() {
                return List.of();
            }

            @Override
            public List<KillOutcome> killAll() {
                return List.of();
            }

            @Override
            public List<KillOutcome> rehearseKillAll() {
                return List.of();
            }
        };
        SelfTerminator terminator = new SelfTerminator() {
            @Override
            public void die() {
            }

            @Override
            public void exit(int status, String lastWords) {
            }
        };
        Clock clock = new Clock() {
            @Override
            public long nowMillis() {
                return System.nanoTime() / 1_000_000;
            }

            @Override
            public Timer schedule(long delayMillis, Runnable task) {
                return () -> { };
            }
        };
        try (DeadManSwitch kernel = new DeadManSwitch(new SwitchConfig(Mode.DryRun, 60_000, 0),
                new Ports(memory, holders, () -> { }, terminator, clock, journal)).start()) {
            kernel.daemonInstallsHandlers();
            kernel.daemonLoadsSecret();
            kernel.daemonBecomesReady();
            try (HeartbeatServer server = new HeartbeatServer(dir.resolve("heartbeat.sock"), kernel, new RecordingLog()).start();
                 RawClient holder = RawClient.connect(server.socket())) {
                assertEquals("WELCOME\n", holder.exchange("HELLO 1\n"));
                try (RawClient second = RawClient.connect(server.socket())) {
                    second.send("CANCEL\n");
                    assertEquals("", second.readFor(1_000), "answered before the kernel decided");
                    release.countDown();
                    assertEquals("BUSY\n", second.readBytes("BUSY\n".length()), "the first answer to a second connection");
                    assertTrue(eventuallyEof(second), "a connection told BUSY stays open");
                }
            } finally {
                release.countDown();
            }
        }
    }

    private static boolean eventuallyEof(RawClient c) throws Exception {
        long end = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < end) {
            c.readFor(100);
            if (c.eof()) {
                return true;
            }
        }
        return false;
    }
}
