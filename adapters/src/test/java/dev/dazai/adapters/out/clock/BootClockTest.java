package dev.dazai.adapters.out.clock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dazai.adapters.nativ.Native;
import dev.dazai.adapters.nativ.Sys;
import dev.dazai.adapters.testing.ListJournal;
import dev.dazai.kernel.port.out.JournalEntry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import jnr.ffi.Pointer;
import org.junit.jupiter.api.Test;

/**
 * The clock on the real kernel. A suspend cannot be staged in a test; what is checked is that the
 * clock is boottime (it agrees with /proc/uptime, which the kernel keeps on boottime, and never
 * runs behind CLOCK_MONOTONIC) and that timers run in deadline order on it.
 */
class BootClockTest {

    private static long monotonicMillis() {
        Pointer ts = Native.scratch(16);
        Native.libc().clock_gettime(Sys.CLOCK_MONOTONIC, ts);
        return ts.getLong(0) * 1000 + ts.getLong(8) / 1_000_000;
    }

    @Test
    void readsBoottime() throws Exception {
        try (BootClock clock = new BootClock(new ListJournal())) {
            long before = clock.nowMillis();
            double uptime = Double.parseDouble(Files.readString(Path.of("/proc/uptime")).split(" ")[0]);
            long after = clock.nowMillis();
            // /proc/uptime has 10 ms resolution; a generous margin keeps a loaded machine out of it.
            assertTrue(uptime * 1000 >= before - 2000 && uptime * 1000 <= after + 2000,
                    "boottime " + before + ".." + after + " vs uptime " + uptime);
            assertTrue(clock.nowMillis() >= monotonicMillis() - 1, "boottime never runs behind monotonic");
            assertTrue(clock.nowMillis() >= after, "monotone");
        }
    }

    @Test
    void runsTasksInDeadlineOrderAndSkipsCancelledOnes() throws Exception {
        try (BootClock clock = new BootClock(new ListJournal())) {
            List<String> ran = new CopyOnWriteArrayList<>();
            CountDownLatch done = new CountDownLatch(1);
            long start = clock.nowMillis();
            clock.schedule(300, () -> {
                ran.add("late");
                done.countDown();
            });
            clock.schedule(100, () -> ran.add("early"));
            clock.schedule(200, () -> ran.add("cancelled")).cancel();
            clock.schedule(0, () -> ran.add("now"));
            assertTrue(done.await(30, TimeUnit.SECONDS));
            assertEquals(List.of("now", "early", "late"), ran);
            assertTrue(clock.nowMillis() - start >= 300, "not before its deadline");
        }
    }

    @Test
    void aThrowingTaskIsLoggedAndTheThreadGoesOn() throws Exception {
        ListJournal journal = new ListJournal();
        try (BootClock clock = new BootClock(journal)) {
            CountDownLatch done = new CountDownLatch(1);
            clock.schedule(0, () -> {
                throw new IllegalStateException("boom");
            });
            clock.schedule(10, done::countDown);
            assertTrue(done.await(30, TimeUnit.SECONDS));
            assertEquals(JournalEntry.Kind.ERROR, journal.entries.get(0).kind());
            assertTrue(journal.entries.get(0).detail().contains("boom"));
        }
    }

    @Test
    void closeDropsPendingTasks() throws Exception {
        BootClock clock = new BootClock(new ListJournal());
        CountDownLatch ran = new CountDownLatch(1);
        clock.schedule(200, ran::countDown);
        clock.close();
        assertFalse(ran.await(500, TimeUnit.MILLISECONDS));
    }
}
