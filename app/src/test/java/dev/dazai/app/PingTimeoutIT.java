package dev.dazai.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dazai.app.client.LineClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --ping-timeout: a heartbeat that stays connected but stops pinging is as good as lost. */
class PingTimeoutIT {

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
    void silenceOnAnOpenConnectionFires() throws Exception {
        Process holder = dazai.holder();
        Dazai.Daemon d = dazai.start("--arm", "--ping-timeout", "2", "--grace", "0",
                "--register", Long.toString(holder.pid()));
        try (LineClient hb = LineClient.connect(dazai.heartbeatSocket(), Duration.ofSeconds(30))) {
            hb.send("HELLO " + ProcessHandle.current().pid());
            assertEquals(Optional.of("WELCOME"), hb.readLine());
            hb.send("PING");
            assertEquals(Optional.of("PONG"), hb.readLine());

            // Then nothing: the connection stays open, but no PING comes.
            assertEquals(ArmedIT.SIGKILLED, d.awaitExit(), d.log());
        }
        String log = d.log();
        Dazai.assertInOrder(log, "ATTACHED", "TRIGGER PingDeadlinePasses after 2000 ms", "FIRE PingDeadlinePasses",
                "KILLED " + holder.pid(), "WIPED", "UNLINKED", "DIE");
        assertTrue(!log.contains("LOST"), "the connection was never closed: " + log);
        assertTrue(SignalsIT.mono(log, "TRIGGER PingDeadlinePasses") - SignalsIT.mono(log, "ATTACHED") >= 2000 - 5, log);
    }

    @Test
    void thePingingHeartbeatClientKeepsTheDaemonAlive() throws Exception {
        Dazai.Daemon d = dazai.start("--ping-timeout", "3", "--grace", "0");
        Process hb = dazai.heartbeat(d);

        // Over three ping timeouts' worth of time, with the client's PING every second.
        Thread.sleep(10_000);

        assertTrue(d.process.isAlive(), d.log());
        assertEquals("Attached", d.statusField("state"));
        assertTrue(hb.isAlive());
        assertTrue(!d.log().contains("PingDeadlinePasses"), d.log());
    }
}
