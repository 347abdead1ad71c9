package dev.dazai.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import dev.dazai.kernel.domain.Invariants;
import dev.dazai.kernel.domain.Mode;
import dev.dazai.kernel.port.in.Liveness.Heartbeat;
import dev.dazai.kernel.port.out.RegistrationException;
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

    private static final int OPS = 13;

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

    /** The outside world: a heartbeat per lane, holders that come and go, signals, time. */
    private static final class World {
        private final Rig rig;
        private final ConcurrentHashMap<Integer, Heartbeat> beats = new ConcurrentHashMap<>();

        World(Rig rig) {
            this.rig = rig;
        }

        void apply(int op, int lane) {
            long holder = 100 + (op % 3);
            switch (op) {
                case 0 -> rig.dms.handlersLive();
                case 1 -> {
                    try {
                        rig.dms.loadSecret();
                    } catch (IllegalStateException outOfOrder) {
                        // the kernel refuses a load before handlers are live, or a second one
                    }
                }
                case 2 -> {
                    Optional<Heartbeat> hb = rig.dms.hello(10 + lane);
                    hb.ifPresent(h -> beats.put(lane, h));
                }
                case 3 -> take(lane).ifPresent(Heartbeat::lost);
                case 4 -> Optional.ofNullable(beats.get(lane)).ifPresent(Heartbeat::cancel);
                case 5 -> Optional.ofNullable(beats.get(lane)).ifPresent(Heartbeat::ping);
                case 6 -> rig.dms.gracefulSignal("SIGHUP");
                case 7 -> rig.dms.hardPanic("SIGUSR2");
                case 8 -> rig.dms.shutdown("SIGTERM");
                case 9, 10 -> {
                    try {
                        rig.dms.register(holder, OptionalLong.empty());
                    } catch (RegistrationException fired) {
                        // refused once the sequence began: that is the policy
                    }
                }
                case 11 -> {
                    rig.holders.exits(101);
                }
                case 12 -> rig.clock.advance(700);
                default -> throw new IllegalArgumentException("op " + op);
            }
        }

        private Optional<Heartbeat> take(int lane) {
            return Optional.ofNullable(beats.remove(lane));
        }

        void check() {
            rig.settle();
            Mode mode = rig.dms.config().mode();
            assertEquals(List.of(), Invariants.all(mode, rig.journal), () -> "journal: " + rig.journal);
            assertEquals(0, rig.dms.deniedCount(), () -> "machine refused a step: " + rig.journal);
            if (mode == Mode.DryRun) {
                assertEquals(List.of(), rig.callsStartingWith("kill"), "DryRunNeverKills");
            }
            long ends = rig.calls.stream().filter(c -> c.equals("die") || c.startsWith("exit")).count();
            assertEquals(true, ends <= 1, "the process ended twice: " + rig.calls);
        }
    }
}
