package dev.dazai.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dazai.adapters.out.memory.SecretSource;
import dev.dazai.app.Main;
import dev.dazai.app.daemon.DaemonOptions;
import dev.dazai.kernel.domain.Mode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.TypeConversionException;

/** Parsing only: what each command line becomes, and how bad ones are reported. No process is started. */
class CliTest {

    private static DaemonOptions daemon(String... args) {
        CommandLine cl = Main.commandLine();
        cl.parseArgs(args);
        return ((DazaiCommand) cl.getCommand()).options();
    }

    @Test
    void noArgumentsIsADryRunWithASyntheticSecret() {
        DaemonOptions o = daemon();
        assertEquals(Mode.DryRun, o.mode());
        assertEquals(new SecretSource.Generated(32), o.secret());
        assertEquals(10_000, o.graceMillis());
        assertEquals(0, o.pingTimeoutMillis());
        assertEquals(o.locations().socketDir().resolve("dazai.pid"), o.locations().pidfile());
    }

    @Test
    void everyDaemonOption() {
        DaemonOptions o = daemon("--arm", "--grace", "1.5", "--ping-timeout", "30s", "--socket-dir", "/tmp/x",
                "--pidfile", "/tmp/p.pid", "--secret-fd", "7", "--register", "12", "--register", "13",
                "--require-lock", "--log-format", "JSON", "--exec", "--", "sh", "-c", "cat <&3");
        assertEquals(Mode.Armed, o.mode());
        assertEquals(1500, o.graceMillis());
        assertEquals(30_000, o.pingTimeoutMillis());
        assertEquals(Path.of("/tmp/x"), o.locations().socketDir());
        assertEquals(Path.of("/tmp/p.pid"), o.locations().pidfile());
        assertEquals(new SecretSource.FromFd(7), o.secret());
        assertEquals(List.of(12L, 13L), o.register());
        assertEquals(List.of("sh", "-c", "cat <&3"), o.exec());
        assertTrue(o.requireLock() && o.json());
        assertEquals(new SecretSource.FromFd(0), daemon("--secret-stdin").secret());
        assertInstanceOf(SecretSource.FromFile.class, daemon("--secret-file", "k").secret());
        assertEquals(new SecretSource.Generated(64), daemon("--generate", "64").secret());
    }

    @Test
    void mistakesPicocliCannotSeeAreUsageErrors() {
        assertEquals(ExitCodes.USAGE, assertThrows(UserError.class, () -> daemon("sh")).exitCode());
        assertEquals(ExitCodes.USAGE, assertThrows(UserError.class, () -> daemon("--exec")).exitCode());
        assertEquals(ExitCodes.USAGE, assertThrows(UserError.class, () -> daemon("--generate", "0")).exitCode());
        assertEquals(ExitCodes.USAGE, assertThrows(UserError.class, () -> daemon("--register", "-1")).exitCode());
    }

    @Test
    void usageErrorsAreOneLineWithExitCode2() {
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setErr(new PrintWriter(err));
        int code = cl.execute("--secret-stdin", "--secret-file", "f");
        assertEquals(ExitCodes.USAGE, code);
        assertTrue(err.toString().startsWith("dazai: "), err.toString());
        assertEquals(1, err.toString().strip().lines().count(), err.toString());
        assertTrue(err.toString().contains("see 'dazai --help'"), err.toString());
    }

    @Test
    void seconds() {
        Seconds s = new Seconds();
        assertEquals(0L, s.convert("0"));
        assertEquals(10_000L, s.convert("10"));
        assertEquals(500L, s.convert("0.5"));
        assertEquals(2_000L, s.convert("2s"));
        assertEquals(1L, s.convert("0.0001"), "rounded up, never to zero");
        assertThrows(TypeConversionException.class, () -> s.convert("-1"));
        assertThrows(TypeConversionException.class, () -> s.convert("soon"));
        assertThrows(TypeConversionException.class, () -> s.convert("1e9"));
        assertEquals("1.5 s", Seconds.text(1500));
        assertEquals("10 s", Seconds.text(10_000));
    }

    @Test
    void socketDirectoryDefaults() {
        assertEquals(Path.of("/run/me/dazai"), Locations.defaultSocketDir(Map.of("DAZAI_SOCKET_DIR", "/run/me/dazai")));
        // "/" is root's: its dazai/ for root, anyone else's own /tmp directory (SocketDirAgreementTest has every case).
        assertEquals(Locations.uid() == 0 ? Path.of("/dazai") : Path.of("/tmp/dazai-" + Locations.uid()),
                Locations.defaultSocketDir(Map.of("XDG_RUNTIME_DIR", "/")));
        assertEquals(Path.of("/tmp/dazai-" + Locations.uid()), Locations.defaultSocketDir(Map.of()));
        assertEquals(Path.of("/tmp/dazai-" + Locations.uid()),
                Locations.defaultSocketDir(Map.of("XDG_RUNTIME_DIR", "/does/not/exist")));
    }

    @Test
    void signalsTableAcceptsTheDaemonsShape() {
        Map<String, String> t = SignalCommand.table("{\"pid\":1,\"signals\":[{\"signal\":\"HUP\",\"number\":1,"
                + "\"action\":\"graceful panic\",\"how\":\"h\"},{\"signal\":\"PIPE\",\"number\":13,\"action\":\"ignored\","
                + "\"how\":\"h\"},{\"signal\":\"QUIT\",\"number\":3,\"action\":\"reserved by the JVM\",\"how\":\"h\"}]}");
        assertEquals(Map.of("HUP", "graceful panic", "PIPE", "ignored", "QUIT", "reserved by the JVM"), t);
        assertTrue(SignalCommand.handled(t.get("HUP")));
        assertTrue(!SignalCommand.handled(t.get("PIPE")) && !SignalCommand.handled(t.get("QUIT")));
        assertTrue(!SignalCommand.handled("cannot be caught"));
    }

    @Test
    void humanStatus() {
        String s = StatusCommand.human(dev.dazai.app.client.Json.object("{\"pid\":9,\"state\":\"Grace\",\"mode\":\"Armed\","
                + "\"grace_ms\":10000,\"ping_timeout_ms\":0,\"grace_left_ms\":2500,\"heartbeat_pid\":null,"
                + "\"last_ping_ms_ago\":null,\"holders\":[{\"pid\":4,\"starttime\":5}],\"secret_bytes\":32,"
                + "\"memory\":{\"kind\":\"anonymous\",\"locked\":false,\"dontdump\":true}}"));
        assertTrue(s.startsWith("dazai pid 9: Grace (ARMED)\n"), s);
        assertTrue(s.contains("2.5 s LEFT"), s);
        assertTrue(s.contains("holders:      pid 4"), s);
        assertTrue(s.contains("NOT LOCKED"), s);
    }
}
