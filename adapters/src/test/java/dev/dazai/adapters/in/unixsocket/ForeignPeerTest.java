package dev.dazai.adapters.in.unixsocket;

import static dev.dazai.adapters.in.unixsocket.Recorders.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dazai.adapters.in.unixsocket.Recorders.RecordingCommands;
import dev.dazai.adapters.in.unixsocket.Recorders.RecordingLiveness;
import dev.dazai.adapters.in.unixsocket.Recorders.RecordingLog;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client running as another uid is closed without a word. The client is a real process
 * ({@code runuser -u nobody -- socat}); the directory and socket are opened up on purpose, so
 * the only thing left to stop it is the server's SO_PEERCRED check. The same socat run as
 * ourselves shows the path is reachable, so the refusal is the check and not the file mode.
 */
class ForeignPeerTest {

    @TempDir
    Path tmp;

    @BeforeAll
    static void rootAndTools() {
        assumeTrue(new SocketCalls().uid() == 0, "needs root to run a client as another uid");
        assumeTrue(onPath("runuser"), "needs runuser (util-linux)");
        assumeTrue(onPath("socat"), "needs socat (apt-get install socat)");
    }

    private static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return Files.isExecutable(Path.of("/usr/sbin", tool)) || Files.isExecutable(Path.of("/sbin", tool));
    }

    private Path openDir() throws IOException {
        Path dir = Files.createDirectory(tmp.resolve("open"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        return dir;
    }

    private static String socat(Path socket, String input, String... asUser) throws Exception {
        List<String> cmd = new java.util.ArrayList<>();
        if (asUser.length > 0) {
            cmd.addAll(List.of("runuser", "-u", asUser[0], "--"));
        }
        cmd.addAll(List.of("socat", "-t", "2", "-", "UNIX-CONNECT:" + socket));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        p.getOutputStream().write(input.getBytes(StandardCharsets.US_ASCII));
        p.getOutputStream().close();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "socat finished");
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
    }

    @Test
    void heartbeatFromAnotherUidIsClosedWithoutAWord() throws Exception {
        Path socket = openDir().resolve("heartbeat.sock");
        RecordingLiveness liveness = new RecordingLiveness();
        RecordingLog log = new RecordingLog();
        try (HeartbeatServer server = new HeartbeatServer(socket, liveness, log).start()) {
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
            assertEquals("", socat(socket, "HELLO 1\nPING\n", "nobody"));
            assertTrue(eventually(() -> !log.refused.isEmpty()));
            assertEquals(List.of(), liveness.hellos, "never reached the kernel");
            assertTrue(log.refused.get(0).uid() != 0 && log.refused.get(0).pid() > 0, log.refused.toString());
            assertEquals("WELCOME\nPONG\n", socat(socket, "HELLO 1\nPING\n"), "root's own client is served");
        }
    }

    @Test
    void controlFromAnotherUidIsClosedWithoutAWord() throws Exception {
        Path socket = openDir().resolve("control.sock");
        RecordingCommands commands = new RecordingCommands();
        RecordingLog log = new RecordingLog();
        try (ControlServer server = new ControlServer(socket, commands, log).start()) {
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
            assertEquals("", socat(socket, "PANIC HARD\n", "nobody"));
            assertTrue(eventually(() -> !log.refused.isEmpty()));
            assertEquals(List.of(), commands.calls);
            assertEquals("OK\n", socat(socket, "PANIC\n"));
            assertEquals(List.of("panic"), commands.calls);
        }
    }
}
