package dev.dazai.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client command starts a JVM of its own, so what it loads is what it costs (issue #20): it
 * talks to the daemon over the JDK's own UNIX sockets, never loading jnr (a native library
 * unpacked and bound at run time, and generated classes), and picocli builds the model of the one
 * command that was asked for, not of all of them. Read from the JVM's own class-loading log.
 */
class ClientStartIT {

    @TempDir
    Path tmp;

    private Dazai dazai;

    @BeforeEach
    void setUp() throws Exception {
        dazai = new Dazai(tmp);
    }

    @AfterEach
    void tearDown() {
        dazai.close();
    }

    @Test
    void statusAgainstALiveDaemonLoadsNoNativeBindingAndBuildsNoOtherModel() throws Exception {
        Dazai.Daemon d = dazai.start();
        Dazai.Run status = classLogged("status");

        assertEquals(0, status.exit(), status.stderr());
        assertTrue(status.stdout().contains("dazai pid " + d.pid()), status.stdout());
        List<String> loaded = loaded(status.stdout());
        assertTrue(loaded.contains("dev.dazai.app.cli.StatusCommand"), "the log is read: " + loaded.size() + " classes");
        assertFalse(loaded.stream().anyMatch(c -> c.startsWith("jnr.") || c.startsWith("com.kenai.jffi.")),
                "jnr loaded by a client: " + loaded.stream().filter(c -> c.startsWith("jnr.")).limit(5).toList());
        // Types only reflection over a command's fields loads: no model of the daemon or shell-init was built.
        for (String other : List.of("DazaiCommand$SecretOptions", "DazaiCommand$LogFormat", "ShellInitCommand$Shell")) {
            assertFalse(loaded.contains("dev.dazai.app.cli." + other), other + " loaded for status");
        }
    }

    /**
     * {@code signal} is the one client that binds native code: the PID it signals must be the one
     * the kernel gives for the process listening on the socket (SO_PEERCRED through jnr; the JDK
     * gives only the uid), not a pidfile's word (ImpostorIT). It still sends through kill(1), not
     * jnr-posix.
     */
    @Test
    void signalBindsOnlyWhatTheKernelsWordOnThePidNeeds() throws Exception {
        Dazai.Daemon d = dazai.start();
        Dazai.Run signal = classLogged("signal", "TERM");

        assertEquals(0, signal.exit(), signal.stderr());
        assertEquals(0, d.awaitExit(), d.log());
        List<String> loaded = loaded(signal.stdout());
        assertTrue(loaded.contains("dev.dazai.app.cli.SignalCommand"), "the log is read: " + loaded.size() + " classes");
        assertTrue(loaded.contains("jnr.unixsocket.UnixSocketChannel"), "SO_PEERCRED asked through jnr-unixsocket");
        // jnr-unixsocket names a few jnr-posix types (Timeval); binding jnr-posix itself is what costs.
        assertFalse(loaded.contains("jnr.posix.POSIXFactory"), "jnr-posix bound by signal");
    }

    @Test
    void aDaemonOptionBeforeASubcommandStillMeansWhatItMeantAndHelpListsEveryCommand() throws Exception {
        Dazai.Run help = dazai.run(dazai.command(true, List.of("--help")), null);
        assertEquals(0, help.exit(), help.stderr());
        for (String sub : List.of("heartbeat", "status", "register", "panic", "cancel", "signal", "shell-init")) {
            assertTrue(help.stdout().contains("  " + sub + " "), sub + " in --help:\n" + help.stdout());
        }
        Dazai.Run subHelp = dazai.run(dazai.command(true, List.of("status", "--help")), null);
        assertEquals(0, subHelp.exit(), subHelp.stderr());
        assertTrue(subHelp.stdout().contains("Usage: dazai status"), subHelp.stdout());
        Dazai.Run bad = dazai.run(dazai.command(true, List.of("status", "--bogus")), null);
        assertEquals(2, bad.exit(), bad.stderr());
        assertEquals("dazai: Unknown option: '--bogus'; see 'dazai status --help'", bad.stderr().strip());
    }

    /** The client with the JVM's class-loading log on stdout, ahead of what the command prints. */
    private Dazai.Run classLogged(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--socket-dir", dazai.socketDir().toString()));
        List<String> cmd = dazai.command(true, all);
        cmd.add(1, "-Xlog:class+load=info:stdout:tags");
        return dazai.run(cmd, null);
    }

    private static List<String> loaded(String log) {
        List<String> classes = new ArrayList<>();
        for (String line : log.lines().toList()) {
            if (line.startsWith("[class,load] ")) {
                String rest = line.substring("[class,load] ".length());
                int space = rest.indexOf(' ');
                classes.add(space < 0 ? rest : rest.substring(0, space));
            }
        }
        return classes;
    }
}
