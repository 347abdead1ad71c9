package dev.dazai.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dazai.app.client.LineClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sockets as a hostile or confused client sees them. */
class ProtocolIT {

    private static final Duration T = Duration.ofSeconds(30);

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
    void aSecondClientGetsBusyAndItsCancelDoesNothing() throws Exception {
        Dazai.Daemon d = dazai.start("--grace", "3600");
        Process hb = dazai.heartbeat(d);
        d.signal("USR1");
        d.awaitLog("GRACE_START");

        assertEquals(Optional.of("BUSY"), Dazai.request(dazai.heartbeatSocket(), "HELLO 1"));
        // The kernel's BUSY on connect races a CANCEL sent at once: the adapter's own refusal may come first.
        Optional<String> cancel = Dazai.request(dazai.heartbeatSocket(), "CANCEL");
        assertTrue(cancel.equals(Optional.of("BUSY")) || cancel.equals(Optional.of("ERR hello first")), cancel.toString());
        try (LineClient second = LineClient.connect(dazai.heartbeatSocket(), T)) {
            assertEquals(Optional.of("BUSY"), second.readLine(), "BUSY on connect, before a word was sent");
            assertEquals(Optional.empty(), second.readLine(), "and the connection is closed");
        }
        Dazai.Run client = dazai.client("heartbeat");
        assertEquals(1, client.exit(), client.stderr());
        assertTrue(client.stderr().startsWith("dazai: BUSY"), client.stderr());
        assertEquals(1, client.stderr().strip().lines().count(), "one line: " + client.stderr());

        assertEquals("Grace", d.statusField("state"));
        assertEquals(Long.toString(hb.pid()), d.statusField("heartbeat_pid"));
        // The journal names the peer's real PID (SO_PEERCRED), not what its HELLO claimed.
        assertTrue(d.log().contains("BUSY pid " + ProcessHandle.current().pid() + ": slot held"), d.log());
        assertTrue(!d.log().contains("CANCELLED"), d.log());
    }

    /**
     * Who may cancel, over the wire: a HELLO cancels a window a lost heartbeat opened, never one a
     * panic opened; the slot holder's CANCEL cancels either. STATUS says which window is pending.
     */
    @Test
    void aHelloCancelsOnlyAWindowALossOpenedAndTheHoldersCancelAny() throws Exception {
        Dazai.Daemon d = dazai.start("--grace", "3600");
        assertEquals("None", d.statusField("window"));
        assertEquals(Optional.of("OK"), Dazai.request(dazai.controlSocket(), "PANIC"));
        d.awaitLog("GRACE_START 3600000 ms, OwnerPanics control.sock PANIC");
        assertEquals("Panic", d.statusField("window"));

        Dazai.Run cancel = dazai.client("cancel");
        assertEquals(1, cancel.exit(), cancel.stderr());
        assertTrue(cancel.stderr().contains("a reconnect does not cancel a panic"), cancel.stderr());
        try (LineClient hb = LineClient.connect(dazai.heartbeatSocket(), T)) {
            hb.send("HELLO " + ProcessHandle.current().pid());
            assertEquals(Optional.of("WELCOME"), hb.readLine(), "it attaches");
            assertEquals("Grace", d.statusField("state"), "but the panic's window stays");
            assertEquals("Panic", d.statusField("window"));
            hb.send("CANCEL");
            assertEquals(Optional.of("CANCELLED"), hb.readLine(), "the slot holder's CANCEL cancels it");
            assertEquals("Attached", d.statusField("state"));
            assertEquals("None", d.statusField("window"));
        }
        d.awaitLog("GRACE_START 3600000 ms, OwnerLosesHeartbeat");
        assertEquals("Loss", d.statusField("window"));
        try (LineClient again = LineClient.connect(dazai.heartbeatSocket(), T)) {
            again.send("HELLO " + ProcessHandle.current().pid());
            assertEquals(Optional.of("WELCOME"), again.readLine());
            assertEquals("Attached", d.statusField("state"), "a reconnect cancels the window its loss opened");
            assertEquals("None", d.statusField("window"));
            again.send("QUIT");
            assertEquals(Optional.of("BYE"), again.readLine());
        }
        assertEquals(0, d.awaitExit(), d.log());
        Dazai.assertInOrder(d.log(), "CANCELLED by heartbeat pid " + ProcessHandle.current().pid()
                + " \\(window opened by Panic\\)", "LOST", "CANCELLED by reconnect", "TRIGGER HeartbeatQuits",
                "EXIT 0 stopped");
    }

    /**
     * The daemon's own wall (SO_PEERCRED, closed without a word) is shown by IntrudersIT with a
     * raw socat; here the other uid runs dazai's own client, which refuses by itself first: the
     * directory is not its own, so it never connects.
     */
    @Test
    void aClientOfAnotherUidRefusesTheDaemonsDirectoryAndNeverConnects() throws Exception {
        assumeTrue(ProcessHandle.current().info().user().orElse("").equals("root"),
                "needs root to run a client as nobody with runuser");
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/runuser")) || Files.isExecutable(Path.of("/sbin/runuser")),
                "needs runuser (util-linux)");
        Dazai.Daemon d = dazai.start();
        // Open the first wall (the 0700 directory) on purpose, to show the second one (SO_PEERCRED) holds alone.
        dazai.shareJarWithOthers();
        Files.setPosixFilePermissions(dazai.socketDir(), PosixFilePermissions.fromString("rwx--x--x"));
        for (Path s : List.of(dazai.controlSocket(), dazai.heartbeatSocket())) {
            Files.setPosixFilePermissions(s, PosixFilePermissions.fromString("rw-rw-rw-"));
        }

        Dazai.Run status = dazai.run(dazai.command(true, List.of("status", "--socket-dir", dazai.socketDir().toString())),
                "nobody");
        Dazai.Run heartbeat = dazai.run(dazai.command(true, List.of("heartbeat", "--socket-dir",
                dazai.socketDir().toString())), "nobody");

        for (Dazai.Run r : List.of(status, heartbeat)) {
            assertEquals(3, r.exit(), r.stdout() + r.stderr());
            assertTrue(r.stderr().contains("is owned by uid 0, not you (uid 65534)"), r.stderr());
            assertEquals(1, r.stderr().strip().lines().count(), "one line: " + r.stderr());
        }
        assertTrue(!d.log().contains("refused peer uid 65534"), "it never connected:\n" + d.log());
        // Closed again, or our own client would refuse the open directory too.
        Files.setPosixFilePermissions(dazai.socketDir(), PosixFilePermissions.fromString("rwx------"));
        assertEquals("Waiting", d.statusField("state"), "nobody attached; the daemon is unaffected");
    }

    @Test
    void garbageAndOverlongLinesGetErrAndLeaveTheDaemonHealthy() throws Exception {
        Dazai.Daemon d = dazai.start();
        String overlong = "PING" + "x".repeat(400);

        assertEquals(Optional.of("ERR unknown command"), Dazai.request(dazai.controlSocket(), "FROBNICATE"));
        assertEquals(Optional.of("ERR unknown command"), Dazai.request(dazai.controlSocket(), "CANCEL"),
                "only liveness cancels: control.sock has no CANCEL");
        assertEquals(Optional.of("ERR bad pid"), Dazai.request(dazai.controlSocket(), "REGISTER -5"));
        assertEquals(Optional.of("ERR line too long"), Dazai.request(dazai.controlSocket(), overlong));
        try (LineClient c = LineClient.connect(dazai.heartbeatSocket(), T)) {
            c.send("\u0001\u0002 garbage");
            assertEquals(Optional.of("ERR unknown command"), c.readLine());
            c.send("HELLO not-a-pid");
            assertEquals(Optional.of("ERR bad pid"), c.readLine());
            c.send(overlong);
            assertEquals(Optional.of("ERR line too long"), c.readLine());
            assertEquals(Optional.empty(), c.readLine(), "closed after a line too long");
        }

        assertTrue(d.process.isAlive());
        assertEquals("Waiting", d.statusField("state"));
        Process hb = dazai.heartbeat(d);
        assertEquals("Attached", d.statusField("state"));
        assertEquals(Long.toString(hb.pid()), d.statusField("heartbeat_pid"));
        assertTrue(!d.log().contains("FIRE") && !d.log().contains("DENIED"), d.log());
    }

    @Test
    void statusAndRegisterFromTheCli() throws Exception {
        Process holder = dazai.holder();
        Dazai.Daemon d = dazai.start();

        Dazai.Run reg = dazai.client("register", Long.toString(holder.pid()));
        Dazai.Run json = dazai.client("status", "--json");
        Dazai.Run human = dazai.client("status");

        assertEquals(0, reg.exit(), reg.stderr());
        assertEquals(0, json.exit(), json.stderr());
        assertTrue(json.stdout().contains("\"holders\":[{\"pid\":" + holder.pid() + ",\"starttime\":"), json.stdout());
        assertTrue(json.stdout().contains("\"pid\":" + d.pid()), json.stdout());
        assertTrue(json.stdout().matches("(?s).*\"memory\":\\{\"kind\":\"(secretmem|anonymous)\",\"locked\":.*"),
                json.stdout());
        assertEquals(0, human.exit(), human.stderr());
        assertTrue(human.stdout().contains("holders:      pid " + holder.pid()), human.stdout());
        Dazai.Run gone = dazai.client("register", "999999999");
        assertEquals(3, gone.exit(), gone.stderr());
        assertTrue(gone.stderr().startsWith("dazai: no process with pid 999999999"), gone.stderr());
        assertEquals(Optional.of("OK"), Dazai.request(dazai.controlSocket(), "UNREGISTER " + holder.pid()));
        assertEquals("[]", Dazai.jsonArray(d.status(), "holders"));
    }
}
