package dev.dazai.app.cli;

import dev.dazai.app.client.ControlClient;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code dazai remove NAME}: the daemon wipes one secret and forgets it. */
@Command(name = "remove", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Wipe secret NAME in the daemon and forget it. Consumers that already read it keep their copy.")
public final class RemoveCommand implements Callable<Integer> {

    @Mixin
    SocketDirOption where;

    @Parameters(paramLabel = "NAME", description = "The secret to wipe.")
    String name;

    @Override
    public Integer call() {
        Names.check(name);
        ControlClient control = new ControlClient(where.locations().controlSocket());
        ControlClient.okOrRefuse("REMOVE " + name, control.ask("REMOVE " + name));
        System.out.println("removed " + name);
        return ExitCodes.OK;
    }
}
