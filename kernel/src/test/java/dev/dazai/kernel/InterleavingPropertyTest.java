package dev.dazai.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import dev.dazai.kernel.domain.Mode;
import dev.dazai.kernel.port.in.Liveness.Heartbeat;
import dev.dazai.kernel.port.in.Presence.Session;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.Test;

/**
 * Random interleavings of everything the outside world can do, sequential and from several
 * threads at once: after each run the journal satisfies every invariant of the spec, the machine
 * refused nothing, and the process ended at most once. (NoInnocentKilled
 * belongs to the holders adapter, which owns the process table: see its PID-recycling test.)
 */
class InterleavingPropertyTest {

    private static final int OPS = 17;

    @Test
    void sequentialInterleavingsKeepEveryInvariant() {
        qt().withExamples(300).withShrinkCycles(50)
                .forAll(booleans().all(), integers().between(0, 2), lists().of(integers().between(0, OPS - 1)).ofSizeBetween(1, 40))
                .checkAssert((armed, grace, ops) -> {
                    try (Rig rig = new Rig(armed ? Mode.Armed : Mode.DryRun, grace * 1_000L, grace == 2 ? 1_500 : 0)) {
                        World world = new World(rig);
                        for (int op : ops) {
                            world.apply(op, 0);
                        }
                        world.check();
                    }
                });
    }

    @Test
    void concurrentInterleavingsKeepEveryInvariant() {
        qt().withExamples(150).withShrinkCycles(20)
                .forAll(booleans().all(), integers().between(0, 1), lists().of(integers().between(0, OPS - 1)).ofSizeBetween(3, 30))
                .checkAssert((armed, grace, ops) -> {
                    try (Rig rig = new Rig(armed ? Mode.Armed : Mode.DryRun, grace * 1_000L, 0)) {
                        World world = new World(rig);
                        world.apply(0, 0);
                        world.apply(1, 0);
                        int threads = 3;
                        CyclicBarrier start = new CyclicBarrier(threads);
                        List<Thread> running = new ArrayList<>();
                        for (int t = 0; t < threads; t++) {
                            int lane = t;
                            Thread th = new Thread(() -> {
                                try {
                                    start.await();
                                } catch (Exception e) {
                                    return;
                                }
                                for (int i = lane; i < ops.size(); i += threads) {
                                    world.apply(ops.get(i), lane);
                                }
                            });
                            running.add(th);
                            th.start();
                        }
                        for (Thread th : running) {
                            try {
                                th.join();
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        }
                        world.check();
                    }
                });
    }

    /** The outside world: a heartbeat connection per lane, holders that come and go, signals, time. */
    private static final class World {
        private final Rig rig;
        private final ConcurrentHashMap<Integer, Rig.Line> lines = new ConcurrentHashMap<>();

        World(Rig rig) {
            this.rig = rig;
        }

        void apply(int op, int lane) {
            long holder = 100 + (op % 3);
            switch (op) {
                case 0 -> rig.dms.daemonInstallsHandlers();
                case 1 -> {
                    try {
                        rig.dms.daemonLoadsSecret();
                    } catch (IllegalStateException outOfOrder) {
                        // the kernel refuses a load before handlers are live, or a second one
                    }
                }
                case 2 -> {
                    Rig.Line line = rig.connect(10 + lane);
                    rig.dms.clientSaysHello(line, 10 + lane);
                    Rig.Line old = lines.put(lane, line);
                    if (old != null) {
                        old.hangUp();
                    }
                }
                case 3 -> Optional.ofNullable(lines.remove(lane)).ifPresent(Rig.Line::hangUp);
                case 4 -> granted(lane).ifPresent(Heartbeat::cancels);
                case 5 -> granted(lane).ifPresent(Heartbeat::pings);
                case 6 -> rig.dms.ownerPanics("SIGHUP");
                case 7 -> rig.dms.ownerPanicsHard("SIGUSR2");
                case 8 -> rig.dms.ownerStops("SIGTERM");
                case 9 -> rig.dms.ownerRegistersHolder(holder, OptionalLong.empty(), answer -> { });
                case 10 -> rig.dms.ownerUnregistersHolder(holder, answer -> { });
                case 11 -> rig.holders.exits(101);
                case 12 -> rig.clock.advance(700);
                case 13 -> granted(lane).ifPresent(Heartbeat::quits);
                case 14 -> rig.dms.daemonAbortsStart(3, "start-up failed");
                case 15 -> rig.dms.sessionStarts(new Session(20 + lane, 1, "pts/" + lane, "bash", 0));
                case 16 -> rig.dms.sessionEnds(new Session(20 + lane, 1, "pts/" + lane, "bash", 0));
                default -> throw new IllegalArgumentException("op " + op);
            }
        }

        private Optional<Heartbeat> granted(int lane) {
            return Optional.ofNullable(lines.get(lane)).map(l -> l.heartbeat);
        }

        void check() {
            rig.settle();
            Mode mode = rig.dms.config().mode();
            assertEquals(List.of(), Invariants.all(mode, rig.journal), () -> "journal: " + rig.journal);
            assertEquals(0, rig.dms.deniedCount(), () -> "machine refused a step: " + rig.journal);
            if (mode == Mode.DryRun) {
                assertEquals(List.of(), rig.callsStartingWith("kill"), "DryRunNeverKills");
            }
            assertTrue(rig.ends() <= 1, "the process ended twice: " + rig.calls);
            for (Rig.Line line : lines.values()) {
                if (line.answers.contains("BUSY")) {
                    assertEquals(List.of("BUSY"), line.answers, "a line told BUSY was answered again");
                }
            }
            long welcomedAndOpen = lines.values().stream()
                    .filter(l -> l.answers.contains("WELCOME") && !l.closed && !l.hungUp).count();
            assertTrue(welcomedAndOpen <= 1, "two open connections were told WELCOME: " + rig.journal);
        }
    }
}
