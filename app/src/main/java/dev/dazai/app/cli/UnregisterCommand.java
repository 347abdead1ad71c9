package dev.dazai.app.cli;

import dev.dazai.app.client.ControlClient;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code dazai unregister PID}: a holder (or a consumer) the sequence should leave alone from now on. */
@Command(name = "unregister", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Forget holder PID: the sequence no longer kills it (a consumer's tree is no longer kept either).")
public final class UnregisterCommand implements Callable<Integer> {

    @Mixin
    SocketDirOption where;

    @Parameters(paramLabel = "PID", description = "The holder to forget, as dazai status lists it.")
    long pid;

    @Override
    public Integer call() {
        if (pid <= 0) {
            throw UserError.usage(pid + " is not a process id; give a positive PID");
        }
        ControlClient control = new ControlClient(where.locations().controlSocket());
        ControlClient.okOrRefuse("UNREGISTER " + pid, control.ask("UNREGISTER " + pid));
        System.out.println("unregistered pid " + pid);
        return ExitCodes.OK;
    }
}
