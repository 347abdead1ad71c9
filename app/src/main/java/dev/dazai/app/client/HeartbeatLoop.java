package dev.dazai.app.client;

import dev.dazai.app.cli.ExitCodes;
import dev.dazai.app.cli.UserError;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import sun.misc.Signal;

/**
 * The heartbeat process: holds the daemon's liveness slot for as long as it lives. When it dies,
 * however it dies, the connection closes and the daemon sees the heartbeat lost. It prints
 * nothing while all is well, because it runs from shell rc files.
 *
 * <p>Two things ask it to speak: SIGUSR1 makes it send CANCEL (how {@code dazai cancel} reaches a
 * pending window, since only the slot holder may cancel), and a line {@code quit} on standard
 * input makes it send QUIT, the intentional stand-down. No signal maps to QUIT: SIGTERM, SIGHUP
 * and SIGINT end the process and so count as a lost heartbeat, which is what a shell that exits
 * (the shell integration sends TERM) or a dropped session must mean.
 */
public final class HeartbeatLoop {

    /** Connect and reply timeout: a daemon this late is wedged, and the heartbeat says so and ends. */
    static final Duration REPLY_TIMEOUT = Duration.ofSeconds(30);

    private final Path socket;
    private final Duration interval;

    public HeartbeatLoop(Path socket, long intervalMillis) {
        this.socket = socket;
        this.interval = Duration.ofMillis(Math.max(1, intervalMillis));
    }

    /**
     * Attaches and beats: exit 0 after QUIT/BYE, 1 on BUSY, 3 when the daemon goes away.
     * {@code onAttached} runs once WELCOME has come back.
     */
    public int run(Runnable onAttached) {
        ControlClient.requireSocket(socket);
        Optional<HeartbeatClient> attached;
        try {
            attached = HeartbeatClient.attach(socket, ProcessHandle.current().pid(), REPLY_TIMEOUT);
        } catch (SocketTrust.UntrustedSocketException e) {
            throw UserError.environment(e.getMessage());
        } catch (ConnectException e) {
            throw ControlClient.noDaemon(socket, e);
        } catch (IOException e) {
            throw UserError.environment(e.getMessage() + "; check the daemon with dazai status");
        }
        if (attached.isEmpty()) {
            throw UserError.refused("BUSY: another heartbeat already holds the slot on " + socket
                    + "; there is one per daemon, see dazai status");
        }
        try (HeartbeatClient hb = attached.get()) {
            Signal.handle(new Signal("USR1"), s -> hb.cancel());
            readQuitFromStdin(hb);
            onAttached.run();
            HeartbeatClient.End end = hb.run(interval, (request, reply) -> { });
            switch (end) {
                case QUIT:
                    return ExitCodes.OK;
                case NO_REPLY:
                    throw UserError.environment("the daemon on " + socket + " stopped answering; check it with"
                            + " dazai status");
                default:
                    throw UserError.environment("the daemon on " + socket + " closed the connection: it stopped"
                            + " or fired; start it again to guard this session");
            }
        } catch (IOException e) {
            throw UserError.environment("the heartbeat connection to " + socket + " failed: " + e.getMessage());
        }
    }

    private static void readQuitFromStdin(HeartbeatClient hb) {
        Thread stdin = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII))) {
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.strip().equalsIgnoreCase("quit")) {
                        hb.quit();
                    }
                }
            } catch (IOException e) {
                // No usable stdin (the shell integration passes /dev/null): only signals reach us.
            }
        }, "dazai-heartbeat-stdin");
        stdin.setDaemon(true);
        stdin.start();
    }
}
