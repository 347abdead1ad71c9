package dev.dazai.app;

import dev.dazai.adapters.in.unixsocket.SocketSetupException;
import dev.dazai.app.cli.DazaiCommand;
import dev.dazai.app.cli.ExitCodes;
import dev.dazai.app.cli.UserError;
import dev.dazai.kernel.port.out.SecretLoadException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * {@code java -jar app.jar}: parse, run, exit with the documented code. The daemon hardens itself
 * (and may re-exec in place) as the first thing its command does; a client command skips all of
 * that and never loads native code it does not need, so a heartbeat in a shell rc starts fast.
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        quietOnNewJdks();
        int code = commandLine().execute(args);
        System.exit(code);
    }

    /**
     * From Java 24 on, the first sun.misc.Unsafe memory access prints a four-line warning on
     * stderr, and jffi (under jnr) makes one on its first native call; with this property jffi
     * does its memory access through JNI instead, so clients print only their own line and the
     * daemon's stderr stays a clean journal. Set before any jnr class loads; a JVM-wide property,
     * fixed at start like a command-line flag.
     */
    private static void quietOnNewJdks() {
        if (Runtime.version().feature() >= 24 && System.getProperty("jffi.unsafe.disabled") == null) {
            System.setProperty("jffi.unsafe.disabled", "true");
        }
    }

    /** The configured command line: every failure becomes one line on stderr and a documented code. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new DazaiCommand());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setParameterExceptionHandler(Main::usageError);
        cl.setExecutionExceptionHandler(Main::failure);
        return cl;
    }

    private static int usageError(ParameterException e, String[] args) {
        PrintWriter err = e.getCommandLine().getErr();
        String name = e.getCommandLine().getCommandSpec().qualifiedName();
        err.println(UserError.oneLine(e.getMessage() + "; see '" + name + " --help'"));
        err.flush();
        return ExitCodes.USAGE;
    }

    private static int failure(Exception e, CommandLine cl, ParseResult parsed) {
        PrintWriter err = cl.getErr();
        int code;
        if (e instanceof UserError u) {
            err.println(u.line());
            code = u.exitCode();
        } else if (e instanceof SocketSetupException s) {
            err.println(UserError.oneLine(s.getMessage()));
            code = s.exitCode();
        } else if (e instanceof SecretLoadException s) {
            err.println(UserError.oneLine(s.getMessage()));
            code = ExitCodes.ENVIRONMENT;
        } else {
            err.println(UserError.oneLine("internal error: " + e + "; please report it with the trace below"));
            e.printStackTrace(err);
            code = ExitCodes.ENVIRONMENT;
        }
        err.flush();
        return code;
    }
}
