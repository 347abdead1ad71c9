package dev.dazai.app.cli;

import dev.dazai.app.client.HeartbeatLoop;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code dazai heartbeat}: hold the liveness slot until this process ends. */
@Command(name = "heartbeat", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        showDefaultValues = true,
        description = {
            "Attach to the daemon as its heartbeat (HELLO), then PING every --interval. Prints nothing while"
                    + " attached. When this process ends, however it ends, the daemon sees the heartbeat lost.",
            "SIGUSR1 makes it send CANCEL (what `dazai cancel` uses); a line 'quit' on stdin sends QUIT, the"
                    + " intentional stand-down (the daemon stops cleanly).",
        })
public final class HeartbeatCommand implements Callable<Integer> {

    @Mixin
    SocketDirOption where;

    @Option(names = "--interval", paramLabel = "S", converter = Seconds.class, defaultValue = "5",
            description = "Seconds between PINGs; keep it well under the daemon's --ping-timeout.")
    long intervalMillis;

    @Override
    public Integer call() {
        if (intervalMillis == 0) {
            throw UserError.usage("--interval 0 would flood the daemon; give a positive number of seconds");
        }
        return new HeartbeatLoop(where.locations().heartbeatSocket(), intervalMillis).run(() -> { });
    }
}
