package dev.dazai.app.cli;

import dev.dazai.app.client.ControlClient;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code dazai panic [--hard]}: the same as SIGUSR1 (graceful) or SIGUSR2 (hard), by socket. */
@Command(name = "panic", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Panic now: open the grace window (the heartbeat may still cancel), or with --hard fire at once.")
public final class PanicCommand implements Callable<Integer> {

    @Mixin
    SocketDirOption where;

    @Option(names = "--hard", description = "Fire at once, even inside a grace window; nothing can cancel it.")
    boolean hard;

    @Override
    public Integer call() {
        ControlClient control = new ControlClient(where.locations().controlSocket());
        String reply = control.askOrNull(hard ? "PANIC HARD" : "PANIC");
        // A hard panic may end the daemon before it writes OK: the closed socket is the answer.
        if (reply != null) {
            ControlClient.okOrRefuse("PANIC", reply);
        }
        System.out.println(hard ? "hard panic sent: the daemon fires now"
                : "panic sent: the daemon fires when its grace window ends, unless the heartbeat cancels");
        return ExitCodes.OK;
    }
}
