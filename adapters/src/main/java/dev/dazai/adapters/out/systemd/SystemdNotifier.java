package dev.dazai.adapters.out.systemd;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.OptionalLong;
import jnr.unixsocket.UnixDatagramChannel;
import jnr.unixsocket.UnixSocketAddress;

/**
 * The sd_notify protocol, written out: one datagram per message to {@code $NOTIFY_SOCKET}. Under
 * {@code Type=notify} systemd waits for {@code READY=1}; with {@code WatchdogSec=} it expects
 * {@code WATCHDOG=1} at least every {@code $WATCHDOG_USEC} or it restarts (or kills) the unit.
 * Outside systemd every call is a no-op, so the daemon needs no "am I a service" branches.
 */
public final class SystemdNotifier implements AutoCloseable {

    private final UnixSocketAddress target;
    private final UnixDatagramChannel channel;
    private final OptionalLong watchdogMicros;

    private SystemdNotifier(UnixSocketAddress target, UnixDatagramChannel channel, OptionalLong watchdogMicros) {
        this.target = target;
        this.channel = channel;
        this.watchdogMicros = watchdogMicros;
    }

    /** Reads {@code NOTIFY_SOCKET}, {@code WATCHDOG_USEC} and {@code WATCHDOG_PID} from {@code env}. */
    public static SystemdNotifier fromEnvironment(Map<String, String> env, long ownPid) throws IOException {
        String socket = env.get("NOTIFY_SOCKET");
        OptionalLong watchdog = OptionalLong.empty();
        String usec = env.get("WATCHDOG_USEC");
        String wpid = env.get("WATCHDOG_PID");
        if (usec != null && (wpid == null || wpid.equals(Long.toString(ownPid)))) {
            try {
                long v = Long.parseLong(usec.trim());
                if (v > 0) {
                    watchdog = OptionalLong.of(v);
                }
            } catch (NumberFormatException ignored) {
                // a malformed value means no watchdog, as in sd_watchdog_enabled()
            }
        }
        if (socket == null || socket.isEmpty()) {
            return new SystemdNotifier(null, null, watchdog);
        }
        // "@name" is the abstract namespace; sockaddr_un spells it with a leading NUL.
        String path = socket.startsWith("@") ? "\0" + socket.substring(1) : socket;
        return new SystemdNotifier(new UnixSocketAddress(path), UnixDatagramChannel.open(), watchdog);
    }

    /** True when running under a service manager that listens. */
    public boolean active() {
        return channel != null;
    }

    /** The watchdog period systemd asked for, if any; ping at half of it. */
    public OptionalLong watchdogMicros() {
        return watchdogMicros;
    }

    /** Handlers live and the secret locked: start-up is over. */
    public void ready(long mainPid) {
        send("READY=1\nMAINPID=" + mainPid + "\n");
    }

    /** A one-line status shown by {@code systemctl status}. */
    public void status(String text) {
        send("STATUS=" + text.replace('\n', ' ') + "\n");
    }

    public void watchdog() {
        send("WATCHDOG=1\n");
    }

    public void stopping() {
        send("STOPPING=1\n");
    }

    private void send(String message) {
        if (channel == null) {
            return;
        }
        try {
            channel.send(ByteBuffer.wrap(message.getBytes(StandardCharsets.UTF_8)), target);
        } catch (IOException e) {
            // systemd went away or the socket is not ours to write: nothing the switch can do
            // about it, and the switch must not stop working because its supervisor did.
        }
    }

    @Override
    public void close() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing a datagram socket has nothing to flush
            }
        }
    }
}
