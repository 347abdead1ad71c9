package dev.dazai.adapters.in.unixsocket;

import static dev.dazai.adapters.in.unixsocket.Recorders.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dazai.adapters.in.unixsocket.Recorders.RecordingLiveness;
import dev.dazai.adapters.in.unixsocket.Recorders.RecordingLog;
import dev.dazai.kernel.port.in.Liveness.Answer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** heartbeat.sock over real sockets, against a recording Liveness that answers on its own thread. */
class HeartbeatServerTest {

    @TempDir
    Path dir;

    private final RecordingLiveness liveness = new RecordingLiveness();
    private final RecordingLog log = new RecordingLog();
    private HeartbeatServer server;
    private Path socket;

    @BeforeEach
    void start() {
        socket = dir.resolve("heartbeat.sock");
        server = new HeartbeatServer(socket, liveness, log,
                new SocketLimits(64, Duration.ofSeconds(2))).start();
    }

    @AfterEach
    void stop() {
        server.close();
        liveness.close();
    }

    @Test
    void theReferenceConversationByteForByte() throws Exception {
        try (RawClient c = RawClient.connect(socket)) {
            assertEquals("WELCOME\n", c.exchange("HELLO 4242\n"));
            assertEquals(List.of(4242L), liveness.hellos);
            assertEquals("PONG\n", c.exchange("PING\n"));
            assertEquals(1, liveness.pings.get());
            liveness.cancelAnswer = Answer.NOTHING_PENDING;
            assertEquals("ERR nothing pending\n", c.exchange("CANCEL\n"));
            liveness.cancelAnswer = Answer.CANCELLED;
            assertEquals("CANCELLED\n", c.exchange("CANCEL\n"));
            liveness.cancelAnswer = Answer.TOO_LATE;
            assertEquals("ERR too late\n", c.exchange("CANCEL\n"));
            assertEquals("ERR unknown command\n", c.exchange("FLY\n"));
            assertEquals("ERR already attached\n", c.exchange("HELLO 1\n"));
            liveness.pingAccepted = false;
            assertEquals("ERR too late\n", c.exchange("PING\n"));
            c.clear();
            c.send("QUIT\n");
            assertEquals("BYE\n", c.readToEof());
        }
        assertTrue(eventually(() -> liveness.quits.get() == 1 && liveness.hangUps.get() == 1));
        Thread.sleep(100);
        assertEquals(0, liveness.losts.get(), "QUIT is not a loss");
        assertEquals(1, liveness.quits.get());
        assertEquals(1, liveness.hangUps.get(), "the connection's end is still reported, once");
    }

    @Test
    void quitInsideAWindowIsAnsweredWithTheKernelsRefusalAndClosed() throws Exception {
        liveness.quitAnswer = Answer.PANIC_PENDING;
        try (RawClient c = RawClient.connect(socket)) {
            assertEquals("WELCOME\n", c.exchange("HELLO 1\n"));
            c.clear();
            c.send("QUIT\n");
            assertEquals("ERR panic pending\n", c.readToEof());
        }
        liveness.quitAnswer = Answer.TOO_LATE;
        try (RawClient c = RawClient.connect(socket)) {
            c.send("HELLO 1\nQUIT\n");
            assertEquals("WELCOME\nERR too late\n", c.readToEof());
        }
    }

    @Test
    void pipelinedLinesAreAnsweredInOrderAndCrIsIgnored() throws Exception {
        try (RawClient c = RawClient.connect(socket)) {
            c.send("HELLO 7\r\nPING\nPING\r\nQUIT\n");
            assertEquals("WELCOME\nPONG\nPONG\nBYE\n", c.readToEof());
        }
    }

    @Test
    void aSecondConnectionHearsBusyOnConnectBeforeItSendsAnything() throws Exception {
        try (RawClient first = RawClient.connect(socket)) {
            assertEquals("WELCOME\n", first.exchange("HELLO 1\n"));
            try (RawClient second = RawClient.connect(socket)) {
                assertEquals("BUSY\n", second.readToEof(), "nothing was sent on this connection");
            }
            assertTrue(eventually(() -> liveness.hangUps.get() == 1), "a BUSY connection's end is reported too");
            assertEquals(List.of(1L), liveness.hellos);
            assertEquals("PONG\n", first.exchange("PING\n"), "the holder is not displaced");
        }
        assertEquals(0, liveness.cancels.get());
    }

    @Test
    void aConnectionWithoutTheSlotCannotCancel() throws Exception {
        liveness.cancelAnswer = Answer.CANCELLED;
        try (RawClient before = RawClient.connect(socket)) {
            before.send("CANCEL\n");
            assertEquals("ERR hello first\n", before.readToEof());
        }
        try (RawClient first = RawClient.connect(socket)) {
            assertEquals("WELCOME\n", first.exchange("HELLO 1\n"));
            try (RawClient third = RawClient.connect(socket)) {
                try {
                    third.send("HELLO 3\nCANCEL\nCANCEL\n");
                } catch (java.io.IOException toldBusyAndClosedFirst) {
                    // BUSY comes on connect: the daemon may have hung up before these bytes went out.
                }
                assertEquals("BUSY\n", third.readToEof());
            }
            assertEquals(0, liveness.cancels.get(), "a connection without the slot never reaches cancel");
            assertEquals("CANCELLED\n", first.exchange("CANCEL\n"));
            assertEquals(1, liveness.cancels.get());
        }
    }

    @Test
    void aKernelThatAnswersHelloLateLeavesTheClientWaitingThenWelcomes() throws Exception {
        CountDownLatch release = liveness.hold();
        try (RawClient c = RawClient.connect(socket)) {
            c.send("HELLO 5\n");
            // Longer than the 2 s command timeout: the wait for the kernel is not the client's silence.
            assertEquals("", c.readFor(3_000), "no BUSY, no timeout while the kernel decides");
            assertFalse(c.eof());
            release.countDown();
            assertEquals("WELCOME\n", c.readBytes("WELCOME\n".length()));
            c.clear();
            assertEquals("PONG\n", c.exchange("PING\n"));
        } finally {
            release.countDown();
        }
        assertFalse(log.has("no command within"), log.lines.toString());
    }

    @Test
    void nothingMoreIsReadUntilTheKernelsAnswerWasWritten() throws Exception {
        try (RawClient c = RawClient.connect(socket)) {
            assertEquals("WELCOME\n", c.exchange("HELLO 5\n"));
            c.clear();
            CountDownLatch release = liveness.hold();
            try {
                // FLY would be answered at once by the adapter itself, if it were read.
                c.send("PING\nPING\nFLY\n");
                assertTrue(eventually(() -> liveness.pings.get() == 1));
                assertEquals("", c.readFor(500));
                assertEquals(1, liveness.pings.get(), "the second PING waits in the socket, unread");
            } finally {
                release.countDown();
            }
            assertEquals("PONG\nPONG\nERR unknown command\n", c.readBytes(30));
            assertEquals(2, liveness.pings.get());
        }
    }

    @Test
    void eofWithoutQuitIsOneLoss() throws Exception {
        try (RawClient c = RawClient.connect(socket)) {
            assertEquals("WELCOME\n", c.exchange("HELLO 9\n"));
        }
        assertTrue(eventually(() -> liveness.losts.get() == 1));
        Thread.sleep(200);
        assertEquals(1, liveness.losts.get());
        assertEquals(0, liveness.quits.get());
        try (RawClient again = RawClient.connect(socket)) {
            assertEquals("WELCOME\n", again.exchange("HELLO 9\n"), "the slot can be claimed again (reconnect)");
        }
        assertTrue(eventually(() -> liveness.losts.get() == 2));
    }

    @Test
    void theLineCarriesThePeersRealPidNotTheClaimedOne() throws Exception {
        try (RawClient c = RawClient.connect(socket)) {
            assertEquals("WELCOME\n", c.exchange("HELLO 99999\n"));
        }
        assertEquals(List.of(99999L), liveness.hellos);
        assertEquals(List.of(ProcessHandle.current().pid()), liveness.helloPeerPids, "SO_PEERCRED of the test itself");
    }

    @Test
    void aConnectionThatNeverAttachedLosesNothing() throws Exception {
        try (RawClient c = RawClient.connect(socket)) {
            assertEquals("ERR unknown command\n", c.exchange("STATUS\n"));
        }
        assertTrue(eventually(() -> liveness.hangUps.get() == 1));
        Thread.sleep(200);
        assertEquals(1, liveness.connects.get());
        assertEquals(0, liveness.losts.get());
        assertEquals(0, liveness.hellos.size());
    }

    @Test
    void aLineTooLongIsRefusedAndClosed() throws Exception {
        try (RawClient c = RawClient.connect(socket)) {
            c.send("X".repeat(255) + "\n");
            assertEquals("ERR unknown command\n", c.readBytes(20), "255 bytes and a newline is the longest line");
            c.clear();
            c.send("Y".repeat(256));
            assertEquals("ERR line too long\n", c.readToEof());
        }
        assertTrue(log.has("line longer than 256 bytes"));
    }

    @Test
    void aLineTooLongOnTheAttachedConnectionIsALoss() throws Exception {
        try (RawClient c = RawClient.connect(socket)) {
            assertEquals("WELCOME\n", c.exchange("HELLO 5\n"));
            c.clear();
            c.send("P".repeat(1000) + "\n");
            assertEquals("ERR line too long\n", c.readToEof());
        }
        assertTrue(eventually(() -> liveness.losts.get() == 1));
    }

    @Test
    void badPidsAreRefusedWithoutClaimingTheSlot() throws Exception {
        try (RawClient c = RawClient.connect(socket)) {
            for (String bad : List.of("HELLO\n", "HELLO \n", "HELLO 0\n", "HELLO -1\n", "HELLO 01\n", "HELLO 1 2\n",
                    "HELLO 99999999999999999999\n", "HELLO 2147483648\n", "HELLO x\n")) {
                assertEquals("ERR bad pid\n", c.exchange(bad), bad);
            }
            assertEquals(0, liveness.hellos.size());
            assertEquals("ERR unknown command\n", c.exchange("hello 1\n"));
            assertEquals("WELCOME\n", c.exchange("HELLO 2147483647\n"));
        }
    }

    @Test
    void binaryGarbageGetsErrAndNothingBreaks() throws Exception {
        byte[] garbage = new byte[200];
        for (int i = 0; i < garbage.length; i++) {
            garbage[i] = (byte) (i * 37 + 11);
        }
        garbage[garbage.length - 1] = '\n';
        int lines = 0;
        for (byte b : garbage) {
            lines += b == '\n' ? 1 : 0;
        }
        try (RawClient c = RawClient.connect(socket)) {
            c.send(garbage);
            String got = c.readBytes(lines * "ERR unknown command\n".length());
            assertEquals("ERR unknown command\n".repeat(lines), got);
            assertFalse(c.eof(), "garbage is answered, not a reason to hang up");
            c.clear();
            assertEquals("WELCOME\n", c.exchange("HELLO 3\n"));
        }
    }

    @Test
    void silenceBeforeHelloTimesOutButAnAttachedHeartbeatMayBeSilent() throws Exception {
        // The idle one connects first, while the slot is free, so it is not told BUSY.
        try (RawClient idle = RawClient.connect(socket); RawClient attached = RawClient.connect(socket)) {
            assertEquals("WELCOME\n", attached.exchange("HELLO 1\n"));
            assertEquals("ERR timeout\n", idle.readToEof());
            Thread.sleep(500);
            assertEquals("PONG\n", attached.exchange("PING\n"), "silent for longer than the command timeout");
        }
        assertTrue(log.has("no command within 2000 ms"));
    }

    @Test
    void closingTheServerIsNotALossAndUnlinksNothing() throws Exception {
        try (RawClient c = RawClient.connect(socket)) {
            assertEquals("WELCOME\n", c.exchange("HELLO 1\n"));
            server.close();
            c.clear();
            assertEquals("", c.readToEof());
        }
        Thread.sleep(100);
        assertEquals(0, liveness.losts.get());
        assertEquals(0, liveness.hangUps.get(), "the daemon's own orderly close reports nothing");
        assertTrue(Files.exists(socket, LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void aSelectorThreadThatDiesReportsItsConnectionsHungUpNotServerClosing() throws Exception {
        try (RawClient c = RawClient.connect(socket)) {
            assertEquals("WELCOME\n", c.exchange("HELLO 1\n"));
            c.clear();
            liveness.failNextCall = new OutOfMemoryError("injected by the test");
            c.send("PING\n");
            assertEquals("", c.readToEof(), "the connection is closed, without a made-up reply");
        }
        assertTrue(eventually(() -> liveness.losts.get() == 1), "the heartbeat's loss is seen");
        assertEquals(1, liveness.hangUps.get());
        assertTrue(eventually(() -> log.has("failed java.lang.OutOfMemoryError: injected by the test")),
                log.lines.toString());
        assertTrue(eventually(() -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().equals("dazai-heartbeat.sock"))), "the Error ended the thread");
    }

    @Test
    void aClientThatSendsAndVanishesIsStillOneLoss() throws Exception {
        for (int i = 0; i < 20; i++) {
            try (RawClient c = RawClient.connect(socket)) {
                c.send("HELLO 11\nPING\nPING\n");
            }
            final int expected = i + 1;
            assertTrue(eventually(() -> liveness.losts.get() == expected && liveness.holder.get() == null),
                    "round " + i + ": losts " + liveness.losts.get());
        }
    }
}
