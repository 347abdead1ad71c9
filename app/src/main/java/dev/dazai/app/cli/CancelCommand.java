package dev.dazai.app.cli;

import dev.dazai.app.client.ControlClient;
import dev.dazai.app.client.HeartbeatLoop;
import dev.dazai.app.client.Kill;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code dazai cancel}: stop a pending grace window. Only liveness cancels (DESIGN.md), so this
 * never asks control.sock to cancel: if a heartbeat is attached, it asks that heartbeat (SIGUSR1)
 * to send CANCEL on its own connection; if the heartbeat was lost, it reconnects itself (the HELLO
 * is what cancels) and stays in the foreground as the new heartbeat. A HELLO does not cancel a
 * window a panic opened, so with no heartbeat attached such a window is refused with what to do.
 */
@Command(name = "cancel", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        showDefaultValues = true,
        description = {
            "Cancel a pending grace window through the heartbeat socket.",
            "With a heartbeat attached, it signals that heartbeat (SIGUSR1) to send CANCEL. With none (it was"
                    + " lost), it reconnects and stays attached in the foreground as the new heartbeat; a"
                    + " reconnect does not cancel a window a panic opened.",
        })
public final class CancelCommand implements Callable<Integer> {

    /** How long the attached heartbeat gets to act on SIGUSR1 (a client JVM under load can be slow). */
    static final long CONFIRM_MILLIS = 10_000;

    @Mixin
    SocketDirOption where;

    @Option(names = "--interval", paramLabel = "S", converter = Seconds.class, defaultValue = "5",
            description = "Seconds between PINGs once attached as the new heartbeat.")
    long intervalMillis;

    @Override
    public Integer call() throws InterruptedException {
        Locations at = where.locations();
        ControlClient control = new ControlClient(at.controlSocket());
        Map<String, Object> status = control.status();
        String state = ControlClient.text(status, "state");
        long heartbeat = ControlClient.number(status, "heartbeat_pid");
        if (heartbeat > 0) {
            if (!"Grace".equals(state)) {
                throw UserError.refused("nothing to cancel: no grace window is pending (state " + state + ")");
            }
            return askHeartbeat(control, heartbeat);
        }
        if (!"Grace".equals(state)) {
            throw UserError.refused("nothing to cancel: no grace window is pending (state " + state
                    + "); to attach a heartbeat, run dazai heartbeat");
        }
        if ("Panic".equals(ControlClient.text(status, "window"))) {
            // A reconnect would attach without cancelling: saying "cancelled" then would be a lie.
            throw UserError.refused("a panic opened this grace window, and a reconnect does not cancel a panic;"
                    + " attach a heartbeat (dazai heartbeat) and run dazai cancel again to cancel through it");
        }
        return new HeartbeatLoop(at.heartbeatSocket(), intervalMillis).run(() -> {
            System.out.println("cancelled: reconnected as the heartbeat (pid " + ProcessHandle.current().pid()
                    + "); keep this running, or the daemon sees the heartbeat lost again");
            System.out.flush();
        });
    }

    private int askHeartbeat(ControlClient control, long pid) throws InterruptedException {
        if (!isDazaiClient(pid)) {
            throw UserError.refused("the attached heartbeat (pid " + pid + ") is not a dazai heartbeat, so it"
                    + " cannot be asked to cancel; send CANCEL on its connection");
        }
        Kill.send(pid, "USR1");
        long deadline = System.nanoTime() + CONFIRM_MILLIS * 1_000_000;
        while (System.nanoTime() < deadline) {
            Thread.sleep(100);
            String state = ControlClient.text(control.status(), "state");
            if (!"Grace".equals(state)) {
                if (state.equals("Attached") || state.equals("Waiting")) {
                    System.out.println("cancelled by the heartbeat (pid " + pid + ")");
                    return ExitCodes.OK;
                }
                throw UserError.refused("too late: the daemon is " + state);
            }
        }
        throw UserError.refused("the heartbeat (pid " + pid + ") did not cancel within "
                + CONFIRM_MILLIS / 1000 + " s; check dazai status");
    }

    /** SIGUSR1 kills a process without a handler: only a dazai heartbeat (or cancel) client gets it. */
    static boolean isDazaiClient(long pid) {
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
            List<String> argv = Arrays.asList(new String(raw, StandardCharsets.UTF_8).split("\0"));
            boolean dazai = argv.stream().anyMatch(a -> a.contains("dazai") || a.endsWith("app.jar"));
            return dazai && (argv.contains("heartbeat") || argv.contains("cancel"));
        } catch (IOException e) {
            return false;
        }
    }
}
