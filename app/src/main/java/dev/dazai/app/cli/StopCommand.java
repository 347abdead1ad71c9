package dev.dazai.app.cli;

import dev.dazai.app.client.ControlClient;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code dazai stop}: the clean stand-down ssh-agent -k and gpgconf --kill give, by socket: the
 * daemon wipes every secret, removes its files and exits 0; holders are left alone. Inside a
 * pending grace window the panic is not downgraded: the daemon fires instead (as with SIGTERM).
 */
@Command(name = "stop", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Stand the daemon down cleanly: wipe every secret, remove its files, exit 0.",
            "Programs that received a secret keep running (end them with dazai panic --hard).",
            "Inside a pending grace window the daemon fires instead: a panic is never downgraded."})
public final class StopCommand implements Callable<Integer> {

    @Mixin
    SocketDirOption where;

    @Override
    public Integer call() {
        ControlClient control = new ControlClient(where.locations().controlSocket());
        String reply = control.askOrNull("STOP");
        // The stop may end the daemon before it writes OK: the closed socket is the answer then.
        if (reply != null) {
            ControlClient.okOrRefuse("STOP", reply);
        }
        System.out.println("stop sent: the daemon wipes its secrets and exits (inside a grace window it fires)");
        return ExitCodes.OK;
    }
}
