package dev.dazai.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Dry-run, the default: the whole path is rehearsed, nothing is killed, and the daemon exits 0. */
class RehearsalIT {

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
    void aLostHeartbeatIsRehearsedAndTheHoldersLive() throws Exception {
        Process h1 = dazai.holder();
        Process h2 = dazai.holder();
        Dazai.Daemon d = dazai.start("--grace", "1", "--register", Long.toString(h1.pid()));
        assertEquals("OK", Dazai.request(dazai.controlSocket(), "REGISTER " + h2.pid()).orElseThrow());
        Process hb = dazai.heartbeat(d);

        hb.destroyForcibly();

        assertEquals(0, d.awaitExit(), d.log());
        String log = d.log();
        Dazai.assertInOrder(log, "LOST heartbeat pid " + hb.pid(), "GRACE_START", "FIRE TimerExpires",
                "WOULD SIGKILL " + h1.pid(), "WIPED 32 bytes", "UNLINKED", "WOULD SIGKILL self", "EXIT 0 rehearsed");
        assertTrue(log.contains("WOULD SIGKILL " + h2.pid()), log);
        assertFalse(log.contains("KILLED"), log);
        assertFalse(Files.exists(dazai.pidfile()), "pidfile removed");
        assertFalse(Files.exists(dazai.heartbeatSocket()), "heartbeat.sock removed");
        assertFalse(Files.exists(dazai.controlSocket()), "control.sock removed");
        assertTrue(Dazai.alive(h1.pid()) && Dazai.alive(h2.pid()), "dry-run never kills a holder");
    }

    @Test
    void noArgumentsStartsADryRunDaemonThatSaysHowToAttachAndArm() throws Exception {
        Files.createDirectories(dazai.socketDir());
        Files.setPosixFilePermissions(dazai.socketDir(), java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        // No arguments at all: the socket directory comes from $DAZAI_SOCKET_DIR, as a shell would set it.
        Dazai.Daemon d = dazai.launchRaw(List.of(), null);
        d.awaitReady();

        String banner = d.stdout();
        assertTrue(banner.contains("DRY-RUN"), banner);
        assertTrue(banner.contains(" heartbeat"), banner);
        assertTrue(banner.contains("--arm"), banner);
        assertTrue(banner.contains("32 bytes (random, synthetic)"), banner);
        assertEquals("DryRun", d.statusField("mode"));
        assertEquals("Waiting", d.statusField("state"));
        assertEquals("32", d.statusField("secret_bytes"));

        d.signal("TERM");
        assertEquals(0, d.awaitExit(), d.log());
        Dazai.assertInOrder(d.log(), "TRIGGER OwnerStops SIGTERM", "WIPED", "UNLINKED", "EXIT 0 stopped");
        assertFalse(Files.exists(dazai.pidfile()));
    }

    @Test
    void aSignalSentTheMomentThePidfileAppearsIsHandled() throws Exception {
        Dazai.Daemon d = dazai.launch("--grace", "60");
        Dazai.eventually("the pidfile", () -> Dazai.readPid(dazai.pidfile()).isPresent() || !d.process.isAlive());
        // USR1's default action would end the JVM: being alive and in Grace proves the handler was live.
        d.signal("USR1");
        d.awaitLog("GRACE_START 60000 ms, OwnerPanics SIGUSR1");
        assertTrue(d.process.isAlive(), d.log());
        String log = d.log();
        Dazai.assertInOrder(log, "LOADED 32 bytes", "Ready pid " + d.pid());
        // "Ready" is journalled just after the pidfile is written, so a signal sent the moment the
        // pidfile appears may be logged before it; what matters is that the machine was Waiting.
        Dazai.assertInOrder(log, "Starting -> Loading on DaemonInstallsHandlers", "Loading -> Waiting on DaemonLoadsSecret",
                "TRIGGER OwnerPanics SIGUSR1");
        assertEquals("Grace", d.statusField("state"));

        // A stop inside a window is not a way out of the panic: it fires (and, dry-run, exits 0).
        d.signal("TERM");
        assertEquals(0, d.awaitExit(), d.log());
        Dazai.assertInOrder(d.log(), "FIRE OwnerStops SIGTERM inside a grace window", "WIPED", "EXIT 0 rehearsed");
    }
}
