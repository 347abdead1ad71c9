package dev.dazai.app.client;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/**
 * A daemon's socket as the client sees it, scripted: a real UNIX socket (the JDK's, not the
 * daemon's code), a thread per connection, one reply per line from {@code script} (null: no
 * reply; a reply ending the conversation closes after it). Every line received is recorded, so a
 * test can tell that a client sent nothing.
 */
final class ScriptedServer implements AutoCloseable {

    /** Replies that end the conversation, as the daemon's do. */
    private static final List<String> LAST = List.of("BYE", "BUSY");

    private final Path socket;
    private final ServerSocketChannel server;
    private final UnaryOperator<String> script;
    private final String greeting;
    private final List<String> received = new CopyOnWriteArrayList<>();
    private final List<SocketChannel> open = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();

    private ScriptedServer(Path socket, UnaryOperator<String> script, String greeting) throws IOException {
        this.socket = socket;
        this.script = script;
        this.greeting = greeting;
        this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Thread t = new Thread(this::acceptLoop, "scripted-" + socket.getFileName());
        t.setDaemon(true);
        t.start();
    }

    /** Answers each line with {@code script.apply(line)}. */
    static ScriptedServer start(Path socket, UnaryOperator<String> script) throws IOException {
        return new ScriptedServer(socket, script, null);
    }

    /** The first connection is answered by {@code script}; every later one gets {@code greeting} at once and is closed. */
    static ScriptedServer startBusyAfterFirst(Path socket, UnaryOperator<String> script, String greeting) throws IOException {
        return new ScriptedServer(socket, script, greeting);
    }

    /** The heartbeat protocol's happy path. */
    static String heartbeat(String line) {
        if (line.startsWith("HELLO ")) {
            return "WELCOME";
        }
        return switch (line) {
            case "PING" -> "PONG";
            case "CANCEL" -> "CANCELLED";
            case "QUIT" -> "BYE";
            default -> "ERR unknown command";
        };
    }

    Path socket() {
        return socket;
    }

    List<String> received() {
        return List.copyOf(received);
    }

    int connections() {
        return connections.get();
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            SocketChannel c;
            try {
                c = server.accept();
            } catch (IOException closed) {
                return;
            }
            int n = connections.incrementAndGet();
            open.add(c);
            Thread t = new Thread(() -> serve(c, n > 1 && greeting != null), "scripted-conn-" + n);
            t.setDaemon(true);
            t.start();
        }
    }

    private void serve(SocketChannel c, boolean busy) {
        try (c) {
            if (busy) {
                c.write(ByteBuffer.wrap((greeting + "\n").getBytes(StandardCharsets.US_ASCII)));
                return;
            }
            StringBuilder line = new StringBuilder();
            ByteBuffer in = ByteBuffer.allocate(1024);
            while (c.read(in) >= 0) {
                in.flip();
                while (in.hasRemaining()) {
                    char ch = (char) in.get();
                    if (ch != '\n') {
                        line.append(ch);
                        continue;
                    }
                    String request = line.toString();
                    line.setLength(0);
                    received.add(request);
                    String reply = script.apply(request);
                    if (reply != null) {
                        c.write(ByteBuffer.wrap((reply + "\n").getBytes(StandardCharsets.US_ASCII)));
                        if (LAST.contains(reply)) {
                            return;
                        }
                    }
                }
                in.clear();
            }
        } catch (IOException gone) {
            // The client went away; nothing to serve.
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (SocketChannel c : open) {
            c.close();
        }
    }
}
