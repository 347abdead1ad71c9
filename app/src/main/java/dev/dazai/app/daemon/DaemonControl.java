package dev.dazai.app.daemon;

import dev.dazai.adapters.in.signal.SignalRow;
import dev.dazai.adapters.in.signal.SignalSource;
import dev.dazai.adapters.in.unixsocket.ControlCommands;
import dev.dazai.adapters.in.unixsocket.Peer;
import dev.dazai.adapters.out.memory.LockedSecretMemory;
import dev.dazai.app.client.Json;
import dev.dazai.kernel.DeadManSwitch;
import dev.dazai.kernel.port.out.RegistrationException;
import java.util.OptionalLong;

/**
 * control.sock's commands over the kernel's ports. Called on the socket server's thread, so
 * nothing here may run the kill sequence inline: a hard panic is handed to a thread of its own
 * (the reply still goes out first in the usual case; if the sequence wins the race, the client
 * reads the closed socket as the answer).
 */
final class DaemonControl implements ControlCommands {

    private final long pid;
    private final DeadManSwitch kernel;
    private final LockedSecretMemory memory;
    private final SignalSource signals;

    DaemonControl(long pid, DeadManSwitch kernel, LockedSecretMemory memory, SignalSource signals) {
        this.pid = pid;
        this.kernel = kernel;
        this.memory = memory;
        this.signals = signals;
    }

    @Override
    public String status() {
        return StatusJson.render(pid, kernel.status(), memory.protections());
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
    public String register(long holder, OptionalLong startTime, Peer peer) {
        try {
            kernel.register(holder, startTime);
            return "OK";
        } catch (RegistrationException e) {
            return "ERR " + e.getMessage();
        }
    }

    @Override
    public String unregister(long holder) {
        return kernel.unregister(holder) ? "OK" : "ERR not registered";
    }

    @Override
    public String panic(boolean hard) {
        if (hard) {
            Thread t = new Thread(() -> kernel.hardPanic("control.sock PANIC HARD"), "dazai-hard-panic");
            t.setDaemon(true);
            t.start();
        } else {
            kernel.gracefulSignal("control.sock PANIC");
        }
        return "OK";
    }
}
