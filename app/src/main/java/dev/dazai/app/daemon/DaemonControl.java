package dev.dazai.app.daemon;

import dev.dazai.adapters.in.signal.SignalRow;
import dev.dazai.adapters.in.signal.SignalSource;
import dev.dazai.adapters.in.unixsocket.ControlCommands;
import dev.dazai.adapters.in.unixsocket.Peer;
import dev.dazai.adapters.nativ.Fds;
import dev.dazai.adapters.nativ.Native;
import dev.dazai.adapters.nativ.Sys;
import dev.dazai.adapters.out.memory.LockedSecretMemory;
import dev.dazai.adapters.out.process.Hardening;
import dev.dazai.adapters.out.memory.PipeSink;
import dev.dazai.adapters.out.pidfd.PidfdPin;
import dev.dazai.adapters.nativ.Pidfds;
import dev.dazai.app.client.Json;
import dev.dazai.kernel.DeadManSwitch;
import dev.dazai.kernel.port.in.Registry.RegistryAnswer;
import dev.dazai.kernel.port.out.Pin;
import dev.dazai.kernel.port.out.Secret;
import dev.dazai.kernel.port.out.SecretLoadException;
import java.util.OptionalLong;
import java.util.function.Consumer;

/**
 * control.sock's commands over the kernel's ports. Called on the socket server's thread: STATUS
 * and SIGNALS are snapshots, everything else is posted to the kernel, and the commands it decides
 * answer when the kernel's thread has decided. ADD reads its input on a thread of its own: the
 * client's stdin may take its time.
 */
final class DaemonControl implements ControlCommands {

    private final long pid;
    private final DeadManSwitch kernel;
    private final LockedSecretMemory memory;
    private final SignalSource signals;
    /** Read back once: no_new_privs cannot be unset, so what the kernel said at start stays true. */
    private final boolean noNewPrivs;
    private final String containment;

    DaemonControl(long pid, DeadManSwitch kernel, LockedSecretMemory memory, SignalSource signals, String containment) {
        this.pid = pid;
        this.kernel = kernel;
        this.memory = memory;
        this.signals = signals;
        this.noNewPrivs = new Hardening().noNewPrivs();
        this.containment = containment;
    }

    @Override
    public String status() {
        return StatusJson.render(pid, kernel.status(), memory.protections(), noNewPrivs, containment);
    }

    /** {"pid":N,"signals":[{"signal":"HUP","number":1,"action":"graceful panic","how":"…"},…]} */
    @Override
    public String signals() {
        StringBuilder sb = new StringBuilder(4096).append("{\"pid\":").append(pid).append(",\"signals\":[");
        boolean first = true;
        for (SignalRow row : signals.table()) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            sb.append("{\"signal\":");
            Json.quote(sb, row.name());
            sb.append(",\"number\":").append(row.number()).append(",\"action\":");
            Json.quote(sb, row.action().label());
            sb.append(",\"how\":");
            Json.quote(sb, row.how());
            sb.append('}');
        }
        return sb.append("]}").toString();
    }

    @Override
    public void register(long holder, OptionalLong startTime, Peer peer, Consumer<String> reply) {
        kernel.ownerRegistersHolder(holder, startTime, answer -> reply.accept(line(answer)));
    }

    @Override
    public void unregister(long holder, Consumer<String> reply) {
        kernel.ownerUnregistersHolder(holder, answer -> reply.accept(line(answer)));
    }

    /** Posted: the kernel owns the sequence's thread, so nothing runs here. */
    @Override
    public String panic(boolean hard) {
        if (hard) {
            kernel.ownerPanicsHard("control.sock PANIC HARD");
        } else {
            kernel.ownerPanics("control.sock PANIC");
        }
        return "OK";
    }

    @Override
    public String stop() {
        kernel.ownerStops("control.sock STOP");
        return "OK";
    }

    /**
     * Reads the secret from the client's stdin into locked memory, then OwnerAddsSecret. A client
     * that is gone when the input ends (Ctrl-C in a pipeline) may have cut it short: nothing is kept.
     */
    @Override
    public void add(String name, int fd, Peer peer, Consumer<String> reply) {
        int asker = peer.pidfd().isPresent() ? Native.libc().fcntl(peer.pidfd().getAsInt(), Sys.F_DUPFD_CLOEXEC, 0) : -1;
        Thread reader = new Thread(() -> {
            try {
                Secret secret = memory.read(name, fd);
                if (asker >= 0 && Pidfds.exited(asker)) {
                    secret.wipe();
                    reply.accept("ERR the client went away before its input ended; nothing was added");
                    return;
                }
                kernel.ownerAddsSecret(secret, answer -> reply.accept(line(answer)));
            } catch (SecretLoadException e) {
                reply.accept("ERR " + e.getMessage().replaceFirst("^dazai: ", ""));
            } catch (RuntimeException e) {
                reply.accept("ERR reading the secret failed: " + e);
            } finally {
                Fds.closeQuietly(fd);
                Fds.closeQuietly(asker);
            }
        }, "dazai-add-" + name);
        reader.setDaemon(true);
        reader.start();
    }

    @Override
    public void remove(String name, Consumer<String> reply) {
        kernel.ownerRemovesSecret(name, answer -> reply.accept(line(answer)));
    }

    /**
     * ConsumerStarts for the asking process, pinned by its connection's pidfd (SO_PEERPIDFD) where
     * the kernel gives one: no PID is looked up, so none can have changed hands. The secret goes
     * into a fresh pipe whose read end travels back with the OK.
     */
    @Override
    public void run(String name, Peer peer, Consumer<WithFd> reply) {
        PipeSink sink = PipeSink.open();
        Pin pin;
        try {
            pin = peer.pidfd().isPresent() ? PidfdPin.of(peer.pid(), peer.pidfd().getAsInt(), null)
                    : Pin.of(peer.pid(), OptionalLong.empty());
        } catch (RuntimeException e) {
            sink.close();
            throw e;
        }
        kernel.consumerStarts(pin, name, sink, answer -> {
            try {
                if (answer.ok()) {
                    String kind = pin instanceof PidfdPin p && !p.containedAs().isEmpty() ? p.containedAs() : containment;
                    reply.accept(new WithFd("OK " + kind, sink.takeReadEnd()));
                } else {
                    reply.accept(WithFd.none(line(answer)));
                }
            } finally {
                sink.close();
                if (pin instanceof PidfdPin p) {
                    p.close();
                }
            }
        });
    }

    private static String line(RegistryAnswer answer) {
        return answer.ok() ? "OK" : "ERR " + answer.reason();
    }
}
