package dev.dazai.adapters.in.unixsocket;

import dev.dazai.kernel.port.in.Liveness;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/** In-test implementations of the ports the servers call: they record, the tests assert. */
final class Recorders {

    private Recorders() {
    }

    /** Waits (generously; this is liveness of the test, not a speed check) until {@code condition} holds. */
    static boolean eventually(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(10);
        }
        return condition.getAsBoolean();
    }

    /** A liveness slot with the kernel's contract: one holder at a time, given back on quit or loss. */
    static final class RecordingLiveness implements Liveness {
        final List<Long> hellos = new CopyOnWriteArrayList<>();
        final AtomicReference<Slot> holder = new AtomicReference<>();
        final AtomicInteger pings = new AtomicInteger();
        final AtomicInteger cancels = new AtomicInteger();
        final AtomicInteger quits = new AtomicInteger();
        final AtomicInteger losts = new AtomicInteger();
        volatile CancelOutcome cancelOutcome = CancelOutcome.NOTHING_PENDING;
        volatile boolean pingAccepted = true;

        @Override
        public Optional<Heartbeat> hello(long peerPid) {
            hellos.add(peerPid);
            Slot slot = new Slot();
            return holder.compareAndSet(null, slot) ? Optional.of(slot) : Optional.empty();
        }

        final class Slot implements Heartbeat {
            @Override
            public boolean ping() {
                pings.incrementAndGet();
                return pingAccepted;
            }

            @Override
            public CancelOutcome cancel() {
                cancels.incrementAndGet();
                return cancelOutcome;
            }

            @Override
            public void quit() {
                quits.incrementAndGet();
                holder.compareAndSet(this, null);
            }

            @Override
            public void lost() {
                losts.incrementAndGet();
                holder.compareAndSet(this, null);
            }
        }
    }

    /** Control commands that answer with what they were asked, so the wiring shows in the reply. */
    static final class RecordingCommands implements ControlCommands {
        final List<String> calls = new CopyOnWriteArrayList<>();
        final List<Peer> peers = new CopyOnWriteArrayList<>();
        volatile Function<Peer, String> onRegister = peer -> "OK";

        @Override
        public String status() {
            calls.add("status");
            return "{\"state\":\"Waiting\",\"mode\":\"DryRun\"}";
        }

        @Override
        public String signals() {
            calls.add("signals");
            return "{\"USR1\":\"graceful panic\"}";
        }

        @Override
        public String register(long pid, OptionalLong startTime, Peer peer) {
            calls.add("register " + pid + (startTime.isPresent() ? " " + startTime.getAsLong() : ""));
            peers.add(peer);
            return onRegister.apply(peer);
        }

        @Override
        public String unregister(long pid) {
            calls.add("unregister " + pid);
            return pid == 1 ? "OK" : "ERR not registered";
        }

        @Override
        public String panic(boolean hard) {
            calls.add(hard ? "panic hard" : "panic");
            return "OK";
        }
    }

    /** Log lines as strings. */
    static final class RecordingLog implements ConnectionLog {
        final List<String> lines = new CopyOnWriteArrayList<>();
        final List<Peer> refused = new CopyOnWriteArrayList<>();

        @Override
        public void refused(Path socket, Peer peer) {
            refused.add(peer);
            lines.add("refused " + peer);
        }

        @Override
        public void dropped(Path socket, Peer peer, String reason) {
            lines.add("dropped " + reason);
        }

        @Override
        public void failed(Path socket, String reason) {
            lines.add("failed " + reason);
        }

        boolean has(String fragment) {
            return lines.stream().anyMatch(l -> l.contains(fragment));
        }
    }
}
