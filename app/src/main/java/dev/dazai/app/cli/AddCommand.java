package dev.dazai.app.cli;

import dev.dazai.app.client.FdClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code dazai add NAME}: the daemon reads a secret from this command's standard input into a
 * locked buffer of its own. The input is passed to the daemon as a file descriptor (SCM_RIGHTS):
 * this process never reads a byte of it.
 */
@Command(name = "add", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Add secret NAME, read by the daemon from this command's standard input to its end"
                + " (e.g. dazai add db < key.pem). This command never reads the bytes itself: its stdin is handed"
                + " to the daemon. NAME is 1 to 64 of A-Z a-z 0-9 . _ - and must not be held already."})
public final class AddCommand implements Callable<Integer> {

    @Mixin
    SocketDirOption where;

    @Parameters(paramLabel = "NAME", description = "The secret's name, e.g. db or api.token.")
    String name;

    @Override
    public Integer call() {
        Names.check(name);
        boolean terminal = isTerminal();
        if (terminal) {
            System.err.println("dazai: type the secret for " + name + ", then press Ctrl-D on a line of its own"
                    + " (it is not echoed)");
        }
        Echo echo = terminal ? Echo.off() : Echo.UNCHANGED;
        try (FdClient client = FdClient.connect(where.locations().controlSocket())) {
            client.send("ADD " + name, 0);
            // No timeout: the daemon answers when the input ends, which may be typed.
            FdClient.Reply reply = client.receive(null);
            reply.closeFds();
            if (reply.line() == null) {
                throw UserError.environment("the daemon closed without answering ADD; it may have stopped or fired");
            }
            if (!reply.line().equals("OK")) {
                throw UserError.refused("the daemon did not add " + name + ": " + reply.line().replaceFirst("^ERR ", "")
                        + "; see dazai status");
            }
        } finally {
            echo.restore();
        }
        System.out.println("added " + name);
        return ExitCodes.OK;
    }

    private static boolean isTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/0")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** Terminal echo, turned off with stty while the daemon reads a typed secret, and back on after. */
    private static final class Echo {
        static final Echo UNCHANGED = new Echo(false);
        private final boolean changed;

        private Echo(boolean changed) {
            this.changed = changed;
        }

        static Echo off() {
            return new Echo(stty("-echo"));
        }

        void restore() {
            if (changed) {
                stty("echo");
                System.err.println();
            }
        }

        private static boolean stty(String setting) {
            try {
                Process p = new ProcessBuilder("stty", setting).redirectInput(ProcessBuilder.Redirect.INHERIT).start();
                return p.waitFor() == 0;
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }
}
