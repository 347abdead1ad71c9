package dev.dazai.adapters.in.unixsocket;

import dev.dazai.kernel.port.in.Liveness;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * In-test implementations of the ports the servers call: they record, the tests assert. Like the
 * kernel, each answers later on a thread of its own ("fake-kernel"), which a test can hold.
 */
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

    /** One thread that answers, as the kernel's does; {@link #hold()} stalls it until released. */
    static class FakeKernel implements AutoCloseable {
        private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fake-kernel");
            t.setDaemon(true);
            return t;
        });

        void post(Runnable task) {
            thread.execute(task);
        }

        /** Stalls the thread until the returned latch is counted down (as a busy kernel would be). */
        CountDownLatch hold() throws InterruptedException {
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch held = new CountDownLatch(1);
            thread.execute(() -> {
                held.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            held.await();
            return release;
        }

        @Override
        public void close() {
            thread.shutdownNow();
        }
    }

    /**
     * A liveness slot with the kernel's contract: BUSY at once on connect while the slot is held,
     * one holder at a time, given back on QUIT or when the holder hangs up; a line told BUSY is
     * remembered until it hangs up, so its HELLO is never answered. Calls are counted on the
     * caller's (selector) thread; decisions and answers are made on the fake kernel's thread.
     */
    static final class RecordingLiveness extends FakeKernel implements Liveness {
        final List<Long> hellos = new CopyOnWriteArrayList<>();
        final List<Long> helloPeerPids = new CopyOnWriteArrayList<>();
        final AtomicInteger connects = new AtomicInteger();
        final AtomicInteger hangUps = new AtomicInteger();
        final AtomicInteger pings = new AtomicInteger();
        final AtomicInteger cancels = new AtomicInteger();
        final AtomicInteger quits = new AtomicInteger();
        final AtomicInteger losts = new AtomicInteger();
        final AtomicReference<HeartbeatLine> holder = new AtomicReference<>();
        volatile Answer cancelAnswer = Answer.NOTHING_PENDING;
        volatile Answer quitAnswer = Answer.BYE;
        volatile boolean pingAccepted = true;
        /** Thrown on the caller's (selector) thread by the next HELLO or PING, to kill that thread. */
        volatile Error failNextCall;
        // Fake kernel thread only.
        private final Set<HeartbeatLine> refused = Collections.newSetFromMap(new IdentityHashMap<>());

        @Override
        public void clientConnects(HeartbeatLine line) {
            connects.incrementAndGet();
            post(() -> {
                if (holder.get() != null) {
                    busy(line);
                } else {
                    line.admitted();
                }
            });
        }

        @Override
        public void clientSaysHello(HeartbeatLine line, long claimedPid) {
            failIfAsked();
            hellos.add(claimedPid);
            helloPeerPids.add(line.peerPid());
            post(() -> {
                if (refused.contains(line)) {
                    return;
                }
                if (holder.compareAndSet(null, line)) {
                    line.welcome(new Slot(line));
                } else {
                    busy(line);
                }
            });
        }

        @Override
        public void clientHangsUp(HeartbeatLine line) {
            hangUps.incrementAndGet();
            post(() -> {
                refused.remove(line);
                if (holder.compareAndSet(line, null)) {
                    losts.incrementAndGet();
                }
            });
        }

        private void failIfAsked() {
            Error e = failNextCall;
            if (e != null) {
                failNextCall = null;
                throw e;
            }
        }

        private void busy(HeartbeatLine line) {
            refused.add(line);
            line.answerAndClose(Answer.BUSY, () -> { });
        }

        final class Slot implements Heartbeat {
            private final HeartbeatLine line;

            Slot(HeartbeatLine line) {
                this.line = line;
            }

            @Override
            public void pings() {
                failIfAsked();
                pings.incrementAndGet();
                post(() -> line.answer(pingAccepted ? Answer.PONG : Answer.TOO_LATE));
            }

            @Override
            public void cancels() {
                cancels.incrementAndGet();
                post(() -> line.answer(cancelAnswer));
            }

            @Override
            public void quits() {
                quits.incrementAndGet();
                post(() -> {
                    holder.compareAndSet(line, null);
                    line.answerAndClose(quitAnswer, () -> { });
                });
            }
        }
    }

    /**
     * Control commands that answer with what they were asked, so the wiring shows in the reply.
     * REGISTER's answer is computed on the caller's thread (the peer's pidfd is open only then)
     * and, like UNREGISTER's, sent from the fake kernel's thread.
     */
    static final class RecordingCommands extends FakeKernel implements ControlCommands {
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
        public void register(long pid, OptionalLong startTime, Peer peer, Consumer<String> reply) {
            calls.add("register " + pid + (startTime.isPresent() ? " " + startTime.getAsLong() : ""));
            peers.add(peer);
            String answer = onRegister.apply(peer);
            post(() -> reply.accept(answer));
        }

        @Override
        public void unregister(long pid, Consumer<String> reply) {
            calls.add("unregister " + pid);
            post(() -> reply.accept(pid == 1 ? "OK" : "ERR not registered"));
        }

        @Override
        public String panic(boolean hard) {
            calls.add(hard ? "panic hard" : "panic");
            return "OK";
        }

        @Override
        public String stop() {
            calls.add("stop");
            return "OK";
        }

        /** What ADD read from the fd it was given (test bytes, never a secret), by name. */
        final java.util.Map<String, String> added = new java.util.concurrent.ConcurrentHashMap<>();
        /** RUN's answer: the line and the fd to pass (the server closes it). */
        volatile Function<Peer, WithFd> onRun = peer -> WithFd.none("ERR no secret named x");

        @Override
        public void add(String name, int fd, Peer peer, Consumer<String> reply) {
            calls.add("add " + name);
            peers.add(peer);
            Thread reader = new Thread(() -> {
                try {
                    added.put(name, new String(dev.dazai.adapters.testing.Pipes.readAll(fd), java.nio.charset.StandardCharsets.US_ASCII));
                } finally {
                    dev.dazai.adapters.testing.Pipes.close(fd);
                }
                post(() -> reply.accept("OK"));
            });
            reader.start();
        }

        @Override
        public void remove(String name, Consumer<String> reply) {
            calls.add("remove " + name);
            post(() -> reply.accept(name.equals("db") ? "OK" : "ERR no secret named " + name));
        }

        @Override
        public void run(String name, Peer peer, Consumer<WithFd> reply) {
            calls.add("run " + name);
            peers.add(peer);
            WithFd answer = onRun.apply(peer);
            post(() -> reply.accept(answer));
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
