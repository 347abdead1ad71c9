package dev.dazai.app.cli;

import dev.dazai.adapters.out.pidfd.ProcStat;
import dev.dazai.app.client.ControlClient;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code dazai register PID}: add a holder. The start time is read here and sent along, so the
 * daemon pins the very process meant, not whatever holds the PID by the time it looks.
 */
@Command(name = "register", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Register process PID as a holder: it is SIGKILLed before the secret is wiped.")
public final class RegisterCommand implements Callable<Integer> {

    @Mixin
    SocketDirOption where;

    @Parameters(paramLabel = "PID", description = "The process to register.")
    long pid;

    @Override
    public Integer call() {
        if (pid <= 0) {
            throw UserError.usage(pid + " is not a process id; give a positive PID");
        }
        OptionalLong start = ProcStat.startTime(pid);
        if (start.isEmpty()) {
            throw UserError.environment("no process with pid " + pid + "; check the PID (ps -p " + pid + ")");
        }
        ControlClient control = new ControlClient(where.locations().controlSocket());
        ControlClient.okOrRefuse("REGISTER " + pid, control.ask("REGISTER " + pid + " " + start.getAsLong()));
        System.out.println("registered pid " + pid);
        return ExitCodes.OK;
    }
}
