package dev.dazai.kernel;

import dev.dazai.kernel.port.in.Liveness.Heartbeat;
import dev.dazai.kernel.port.in.Liveness.HeartbeatLine;

/**
 * The slot as the welcomed connection may use it: only a connection answered WELCOME ever holds
 * one, so a second connection has nothing to ping, cancel or quit with. Each use is posted to the
 * kernel thread, which checks that this line still holds the slot.
 */
final class Granted implements Heartbeat {

    private final KernelLoop kernel;
    private final LivenessSlot slot;
    private final HeartbeatLine line;

    Granted(KernelLoop kernel, LivenessSlot slot, HeartbeatLine line) {
        this.kernel = kernel;
        this.slot = slot;
        this.line = line;
    }

    @Override
    public void pings() {
        kernel.post(() -> slot.heartbeatPings(line));
    }

    @Override
    public void cancels() {
        kernel.post(() -> slot.heartbeatCancels(line));
    }

    @Override
    public void quits() {
        kernel.post(() -> slot.heartbeatQuits(line));
    }

    /**
     * What the kernel thread runs when a line hangs up. A class, not a lambda: the first run of a
     * heartbeat's hang-up is often the loss that fires, and a lambda links on its first run.
     */
    static final class HangUp implements Runnable {
        private final LivenessSlot slot;
        private final HeartbeatLine line;

        HangUp(LivenessSlot slot, HeartbeatLine line) {
            this.slot = slot;
            this.line = line;
        }

        @Override
        public void run() {
            slot.clientHangsUp(line);
        }
    }
}
