package dev.dazai.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dazai.app.client.LineClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --arm: the sequence is real. Holders die, then the secret is wiped, the files go, the daemon SIGKILLs itself. */
class ArmedIT {

    /** What a process killed by SIGKILL reports as its exit status. */
    static final int SIGKILLED = 128 + 9;

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
    void aDroppedHeartbeatKillsTheHolderThenWipesThenDies() throws Exception {
        Process holder = dazai.holder();
        Dazai.Daemon d = dazai.start("--arm", "--grace", "1", "--register", Long.toString(holder.pid()));
        assertEquals("Armed", d.statusField("mode"));
        Process hb = dazai.heartbeat(d);

        hb.destroyForcibly();

        assertEquals(SIGKILLED, d.awaitExit(), d.log());
        assertFalse(Dazai.alive(holder.pid()), "the registered holder is dead");
        assertFalse(Files.exists(dazai.pidfile()), "pidfile gone");
        assertFalse(Files.exists(dazai.heartbeatSocket()) || Files.exists(dazai.controlSocket()), "sockets gone");
        Dazai.assertInOrder(d.log(), "LOST heartbeat pid " + hb.pid(), "GRACE_START 1000 ms", "FIRE TimerExpires",
                "KILLED " + holder.pid(), "WIPED 32 bytes", "UNLINKED pidfile and sockets", "DIE SIGKILL self");
        assertFalse(d.log().contains("WOULD SIGKILL"), d.log());
    }

    @Test
    void aReconnectInsideTheWindowCancels() throws Exception {
        Process holder = dazai.holder();
        Dazai.Daemon d = dazai.start("--arm", "--grace", "60", "--register", Long.toString(holder.pid()));
        Process first = dazai.heartbeat(d);

        first.destroyForcibly();
        d.awaitLog("GRACE_START 60000 ms");
        Process second = dazai.heartbeat(d);

        String log = d.awaitLog("CANCELLED by reconnect of pid " + second.pid());
        Dazai.assertInOrder(log, "LOST heartbeat pid " + first.pid(), "GRACE_START", "RECONNECTED pid " + second.pid(),
                "CANCELLED by reconnect");
        assertEquals("Attached", d.statusField("state"));
        assertEquals(Long.toString(second.pid()), d.statusField("heartbeat_pid"));
        assertTrue(d.process.isAlive() && Dazai.alive(holder.pid()));
        assertFalse(log.contains("FIRE"), log);
    }

    @Test
    void cancelOnTheAttachedConnectionCancels() throws Exception {
        Process holder = dazai.holder();
        Dazai.Daemon d = dazai.start("--arm", "--grace", "60", "--register", Long.toString(holder.pid()));
        try (LineClient hb = LineClient.connect(dazai.heartbeatSocket(), Duration.ofSeconds(30))) {
            hb.send("HELLO " + ProcessHandle.current().pid());
            assertEquals(Optional.of("WELCOME"), hb.readLine());
            hb.send("CANCEL");
            assertEquals(Optional.of("ERR nothing pending"), hb.readLine());

            d.signal("USR1");
            d.awaitLog("GRACE_START 60000 ms");
            hb.send("CANCEL");
            assertEquals(Optional.of("CANCELLED"), hb.readLine());
            hb.send("PING");
            assertEquals(Optional.of("PONG"), hb.readLine());

            assertEquals("Attached", d.statusField("state"));
            assertEquals("null", d.statusField("grace_left_ms"));
            assertTrue(d.process.isAlive() && Dazai.alive(holder.pid()));

            // QUIT is the intentional stand-down: a clean stop, holders left alone, even armed.
            hb.send("QUIT");
            assertEquals(Optional.of("BYE"), hb.readLine());
        }
        assertEquals(0, d.awaitExit(), d.log());
        Dazai.assertInOrder(d.log(), "CANCELLED by heartbeat pid", "TRIGGER HeartbeatQuits", "WIPED", "EXIT 0 stopped");
        assertTrue(Dazai.alive(holder.pid()), "a clean stop leaves holders alone");
    }

    @Test
    void dazaiCancelAsksTheAttachedHeartbeatToCancel() throws Exception {
        Dazai.Daemon d = dazai.start("--arm", "--grace", "60");
        Process hb = dazai.heartbeat(d);
        assertEquals(1, dazai.client("cancel").exit(), "nothing pending yet is a refusal");

        Dazai.Run panic = dazai.client("panic");
        assertEquals(0, panic.exit(), panic.stderr());
        d.awaitLog("GRACE_START 60000 ms, OwnerPanics control.sock PANIC");
        Dazai.Run cancel = dazai.client("cancel");

        assertEquals(0, cancel.exit(), cancel.stderr());
        assertTrue(cancel.stdout().contains("cancelled by the heartbeat (pid " + hb.pid() + ")"), cancel.stdout());
        d.awaitLog("CANCELLED by heartbeat pid " + hb.pid());
        assertEquals("Attached", d.statusField("state"));
        assertTrue(hb.isAlive(), "the heartbeat keeps beating after it cancelled");
    }

    @Test
    void dazaiCancelAfterALossReconnectsAndStaysAsTheHeartbeat() throws Exception {
        Dazai.Daemon d = dazai.start("--arm", "--grace", "60");
        Process hb = dazai.heartbeat(d);
        hb.destroyForcibly();
        d.awaitLog("GRACE_START 60000 ms, OwnerLosesHeartbeat");

        Process cancel = dazai.background(dazai.command(true, java.util.List.of("cancel", "--socket-dir",
                dazai.socketDir().toString())));

        d.awaitLog("CANCELLED by reconnect of pid " + cancel.pid());
        assertEquals(Long.toString(cancel.pid()), d.statusField("heartbeat_pid"));
        assertTrue(cancel.isAlive(), "cancel stays in the foreground as the new heartbeat");
    }

    @Test
    void quitOnTheHeartbeatsStdinStandsDownCleanly() throws Exception {
        Process holder = dazai.holder();
        Dazai.Daemon d = dazai.start("--arm", "--register", Long.toString(holder.pid()));
        Process hb = dazai.heartbeat(d);

        hb.getOutputStream().write("quit\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        hb.getOutputStream().flush();

        assertTrue(hb.waitFor(Dazai.LIVENESS.toSeconds(), java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(0, hb.exitValue(), "the heartbeat exits 0 after BYE");
        assertEquals(0, d.awaitExit(), d.log());
        Dazai.assertInOrder(d.log(), "TRIGGER HeartbeatQuits pid " + hb.pid(), "WIPED", "EXIT 0 stopped");
        assertTrue(Dazai.alive(holder.pid()), "a stand-down kills nobody");
    }
}
