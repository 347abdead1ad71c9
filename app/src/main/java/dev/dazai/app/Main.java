package dev.dazai.app;

import dev.dazai.adapters.in.unixsocket.SocketSetupException;
import dev.dazai.app.cli.DazaiCommand;
import dev.dazai.app.cli.ExitCodes;
import dev.dazai.app.cli.UserError;
import dev.dazai.kernel.port.out.SecretLoadException;
import java.io.PrintWriter;
import java.util.Arrays;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
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
        bindingsWithoutCodeGeneration();
        CommandLine client = clientCommand(args);
        int code = client != null
                ? client.execute(Arrays.copyOfRange(args, 1, args.length))
                : commandLine().execute(args);
        System.exit(code);
    }

    /**
     * The one client command {@code args} start with, configured as {@link #commandLine()} would,
     * or null for everything else (the daemon, --help, --version). picocli builds the model of a
     * command by reflection over its fields and annotations, and building all eight cost a client
     * command more than the one it runs (issue #20). The names come from DazaiCommand's own
     * {@code subcommands}, so help, man pages and completion keep listing every one.
     */
    static CommandLine clientCommand(String[] args) {
        if (args.length == 0) {
            return null;
        }
        for (Class<?> sub : DazaiCommand.class.getAnnotation(Command.class).subcommands()) {
            Command c = sub.getAnnotation(Command.class);
            if (c.name().equals(args[0]) || Arrays.asList(c.aliases()).contains(args[0])) {
                // Its qualified name, as it reads under the parent: "dazai status" in usage and errors.
                return configure(new CommandLine(sub).setCommandName("dazai " + c.name()));
            }
        }
        return null;
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

    /**
     * jnr-ffi generates a class per bound interface with ASM at first use, the largest single cost
     * of a cold daemon start (about 200 ms of CPU for the C library and the socket bindings on the
     * 2-core VM); its reflective invoker binds at once. Calls are then a few microseconds slower,
     * and the daemon makes a handful per event, so start-up wins (issue #20). An explicit
     * -Djnr.ffi.asm.enabled keeps its say. Set before any jnr class loads.
     */
    private static void bindingsWithoutCodeGeneration() {
        if (System.getProperty("jnr.ffi.asm.enabled") == null) {
            System.setProperty("jnr.ffi.asm.enabled", "false");
        }
    }

    /** The configured command line: every failure becomes one line on stderr and a documented code. */
    public static CommandLine commandLine() {
        return configure(new CommandLine(new DazaiCommand()));
    }

    private static CommandLine configure(CommandLine cl) {
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        Failures failures = new Failures();
        cl.setParameterExceptionHandler(failures);
        cl.setExecutionExceptionHandler(failures);
        return cl;
    }

    /**
     * A class, not two method references: a lambda costs a generated class at start, and one
     * implementing picocli's interfaces (class files of Java 5) cannot be kept in the CDS archive.
     */
    private static final class Failures implements IParameterExceptionHandler, IExecutionExceptionHandler {
        @Override
        public int handleParseException(ParameterException e, String[] args) {
            return usageError(e, args);
        }

        @Override
        public int handleExecutionException(Exception e, CommandLine cl, ParseResult parsed) {
            return failure(e, cl, parsed);
        }
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
