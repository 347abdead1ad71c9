package dev.dazai.app.client;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * The heartbeat's long-lived end of {@code heartbeat.sock}: HELLO once, then PING every interval
 * until the daemon goes away. {@link #run} owns the connection on the caller's thread;
 * {@link #cancel()} and {@link #quit()} may be called from any other (a SIGUSR1 handler, say)
 * and are sent by {@code run} between pings. The daemon closing the connection is noticed at
 * once, not at the next ping.
 */
public final class HeartbeatClient implements AutoCloseable {

    /** Why {@link #run} returned. */
    public enum End {
        /** QUIT was sent and the daemon said BYE. */
        QUIT,
        /** The daemon closed the connection (it stopped, fired, or died). */
        CLOSED,
        /** The daemon did not answer within the reply timeout: it is hung or stopped. */
        NO_REPLY
    }

    private final LineClient client;
    private final Queue<String> requests = new ConcurrentLinkedQueue<>();

    private HeartbeatClient(LineClient client) {
        this.client = client;
    }

    /**
     * Connects and sends {@code HELLO pid}: the attached client on WELCOME, empty on BUSY (another
     * heartbeat holds the slot). Any other answer, or none within {@code timeout}, throws.
     */
    public static Optional<HeartbeatClient> attach(Path socket, long pid, Duration timeout) throws IOException {
        LineClient client = LineClient.connect(socket, timeout);
        boolean keep = false;
        try {
            try {
                client.send("HELLO " + pid);
            } catch (IOException e) {
                // A daemon that answers BUSY before reading may already have closed; read its answer.
            }
            Optional<String> reply = client.readLine();
            if (reply.isEmpty()) {
                throw new IOException("dazai: the daemon on " + socket + " closed the connection without answering HELLO");
            }
            switch (reply.get()) {
                case "WELCOME":
                    keep = true;
                    return Optional.of(new HeartbeatClient(client));
                case "BUSY":
                    return Optional.empty();
                default:
                    throw new IOException("dazai: unexpected answer to HELLO from " + socket + ": " + reply.get());
            }
        } finally {
            if (!keep) {
                client.close();
            }
        }
    }

    /**
     * Pings every {@code interval} and sends queued CANCEL/QUIT, reporting each exchange as
     * (request, reply) to {@code replies} (request is null for a line the daemon sent unasked).
     * Each reply is awaited for the connect timeout given to {@link #attach}.
     */
    public End run(Duration interval, BiConsumer<String, String> replies) throws IOException {
        Objects.requireNonNull(replies, "replies");
        long intervalNanos = interval.toNanos();
        long nextPing = System.nanoTime() + intervalNanos;
        while (true) {
            String request = requests.poll();
            if (request == null && System.nanoTime() - nextPing >= 0) {
                request = "PING";
            }
            if (request != null) {
                Optional<String> reply;
                try {
                    client.send(request);
                    reply = client.readLine();
                } catch (SocketTimeoutException e) {
                    return End.NO_REPLY;
                } catch (IOException e) {
                    return End.CLOSED;
                }
                if (reply.isEmpty()) {
                    return End.CLOSED;
                }
                replies.accept(request, reply.get());
                if (request.equals("QUIT") && reply.get().equals("BYE")) {
                    return End.QUIT;
                }
                if (request.equals("PING")) {
                    nextPing = System.nanoTime() + intervalNanos;
                }
                continue;
            }
            long waitMillis = TimeUnit.NANOSECONDS.toMillis(nextPing - System.nanoTime()) + 1;
            if (client.awaitInput(waitMillis)) {
                Optional<String> unasked = client.readLine();
                if (unasked.isEmpty()) {
                    return End.CLOSED;
                }
                replies.accept(null, unasked.get());
            }
        }
    }

    /** Asks {@link #run} to send CANCEL (abort a pending grace window). */
    public void cancel() {
        requests.add("CANCEL");
        client.wakeup();
    }

    /** Asks {@link #run} to send QUIT: the daemon stands down cleanly. */
    public void quit() {
        requests.add("QUIT");
        client.wakeup();
    }

    /** Closes the connection: to the daemon that is a lost heartbeat, unless QUIT came first. */
    @Override
    public void close() throws IOException {
        client.close();
    }
}
