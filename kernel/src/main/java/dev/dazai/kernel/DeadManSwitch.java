package dev.dazai.kernel;

import dev.dazai.kernel.domain.Status;
import dev.dazai.kernel.domain.SwitchConfig;
import dev.dazai.kernel.port.in.Boot;
import dev.dazai.kernel.port.in.Liveness;
import dev.dazai.kernel.port.in.Registry;
import dev.dazai.kernel.port.in.StatusQuery;
import dev.dazai.kernel.port.in.Triggers;
import dev.dazai.kernel.port.out.Holder;
import dev.dazai.kernel.port.out.Ports;
import java.util.Optional;
import java.util.OptionalLong;

/** Placeholder while the kernel lands; the signatures are the contract. */
public final class DeadManSwitch implements Boot, Triggers, Liveness, Registry, StatusQuery, AutoCloseable {

    public DeadManSwitch(SwitchConfig config, Ports ports) {
        throw new UnsupportedOperationException("kernel not landed yet");
    }

    @Override public void handlersLive() { }
    @Override public boolean loadSecret() { return false; }
    @Override public void gracefulSignal(String source) { }
    @Override public void hardPanic(String source) { }
    @Override public void shutdown(String source) { }
    @Override public Optional<Heartbeat> hello(long peerPid) { return Optional.empty(); }
    @Override public Holder register(long pid, OptionalLong startTime) { return null; }
    @Override public boolean unregister(long pid) { return false; }
    @Override public Status status() { return null; }
    @Override public void close() { }
}
