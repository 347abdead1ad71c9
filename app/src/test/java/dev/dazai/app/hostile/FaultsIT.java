package dev.dazai.app.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Things that go wrong on their own: the heartbeat is SIGKILLed, the daemon is SIGKILLed, holders
 * die before the fire or refuse to die, the disk is full. Armed daemons here really kill: every
 * holder is a throwaway {@code sleep} or {@code sh} this test started.
 */
class FaultsIT {

    @TempDir
    Path tmp;

    private Lab lab;
    private Path mounted;

    @BeforeEach
    void setUp() throws IOException {
        lab = new Lab(tmp);
    }

    @AfterEach
    void tearDown() throws Exception {
        lab.close();
        if (mounted != null) {
            Host.run(Duration.ofSeconds(30), List.of("umount", "-l", mounted.toString()));
        }
    }

    /** The real heartbeat client, {@code java -jar app.jar heartbeat}; returns once the daemon has it attached. */
    private Process heartbeat(TargetDaemon d) throws IOException {
        Process hb = lab.spawn(lab.javaCommand(List.of("-XX:TieredStopAtLevel=1"),
                List.of("heartbeat", "--interval", "1", "--socket-dir", d.socketDir().toString())));
        d.awaitLog("ATTACHED pid " + hb.pid() + "$");
        return hb;
    }

    @Test
    void sigkillOfTheHeartbeatFiresTheArmedDaemon() throws Exception {
        Process holder = lab.holder();
        TargetDaemon d = lab.daemon("hb-kill9").arm().grace(0).register(holder.pid()).start();
        Process hb = heartbeat(d);

        Host.kill("KILL", hb.pid());

        assertEquals(128 + 9, d.awaitExit(), "an armed fire ends in SIGKILL of self:\n" + d.log());
        Host.assertInOrder(d.log(), "LOST heartbeat pid " + hb.pid(), "FIRE", "KILLED " + holder.pid() + "$",
                "WIPED \\d+ bytes", "UNLINKED", "DIE");
        assertTrue(holder.waitFor(30, TimeUnit.SECONDS), "the holder is dead");
        assertEquals(128 + 9, holder.exitValue(), "by SIGKILL");
        assertFalse(Files.exists(d.pidfile()) || Files.exists(d.heartbeatSocket()) || Files.exists(d.controlSocket()),
                "pidfile and sockets removed");
        System.out.println("FIGURE faults.heartbeat-kill9 fired holderKilled wiped");
    }

    @Test
    void sigkillOfTheDaemonLeavesStaleFilesThatTheNextStartCleansUp() throws Exception {
        TargetDaemon first = lab.daemon("stale").start();
        long firstPid = first.pid();
        first.signal("KILL");
        assertEquals(128 + 9, first.awaitExit());

        // The honest limitation: nothing ran, so nothing was wiped or removed.
        assertFalse(first.log().contains("WIPED"), first.log());
        assertTrue(Files.exists(first.pidfile()), "stale pidfile left");
        assertTrue(Files.exists(first.heartbeatSocket()) && Files.exists(first.controlSocket()), "stale sockets left");
        assertEquals(Long.toString(firstPid), Files.readString(first.pidfile()).strip());

        TargetDaemon second = lab.daemon("stale").start();
        assertEquals(Long.toString(second.pid()), Files.readString(second.pidfile()).strip(), "the new pidfile");
        assertEquals(Long.toString(second.pid()), second.statusField("pid"), "the sockets are the new daemon's");
        second.signal("TERM");
        assertEquals(0, second.awaitExit());
        System.out.println("FIGURE faults.daemon-kill9 staleLeft cleanedOnRestart");
    }

    @Test
    void holdersThatAlreadyExitedAreReportedGone() throws Exception {
        Process early = lab.holder();
        Process late = lab.holder();
        Process survivor = lab.holder();
        TargetDaemon d = lab.daemon("gone").arm().grace(0).register(early.pid()).register(survivor.pid()).start();
        assertEquals("OK", d.request("REGISTER " + late.pid()).orElseThrow());

        // Both exit and are reaped: their PIDs are free for anyone now.
        early.destroyForcibly().waitFor();
        late.destroyForcibly().waitFor();
        assertEquals("OK", d.request("PANIC HARD").orElseThrow());

        assertEquals(128 + 9, d.awaitExit(), d.log());
        String log = d.log();
        Host.assertInOrder(log, "FIRE", "WIPED", "DIE");
        assertTrue(log.contains("GONE " + early.pid() + "\n"), log);
        assertTrue(log.contains("GONE " + late.pid() + "\n"), log);
        assertTrue(log.contains("KILLED " + survivor.pid() + "\n"), log);
        assertTrue(survivor.waitFor(30, TimeUnit.SECONDS), "the live holder is killed");
        System.out.println("FIGURE faults.gone reported=2 killed=1");
    }

    @Test
    void aHolderThatIgnoresSigtermStillDies() throws Exception {
        Process stubborn = lab.spawn(List.of("sh", "-c", "trap '' TERM INT HUP; sleep 1000 & wait"));
        Host.eventually("the holder's traps are set and its child started",
                () -> ignoresTerm(stubborn.pid()) && stubborn.children().findAny().isPresent());
        ProcessHandle child = stubborn.children().findAny().orElseThrow();
        try {
            Host.kill("TERM", stubborn.pid());
            TargetDaemon d = lab.daemon("stubborn").arm().grace(0).register(stubborn.pid()).start();
            assertTrue(stubborn.isAlive(), "the holder shrugged off SIGTERM");

            d.signal("USR2");

            assertEquals(128 + 9, d.awaitExit(), d.log());
            Host.assertInOrder(d.log(), "KILLED " + stubborn.pid() + "$", "WIPED", "DIE");
            assertTrue(stubborn.waitFor(30, TimeUnit.SECONDS), "the holder is dead");
            assertEquals(128 + 9, stubborn.exitValue(), "by SIGKILL, which it cannot ignore");
            // Recorded, not asserted: the daemon kills the processes registered, not their children.
            System.out.printf("FIGURE faults.stubborn-holder killed unregisteredChildAlive=%s%n", child.isAlive());
        } finally {
            child.destroyForcibly();
        }
    }

    /** SigIgn of /proc/PID/status has SIGTERM's bit (15) set. */
    private static boolean ignoresTerm(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("SigIgn:")) {
                    return (Long.parseUnsignedLong(line.substring(7).strip(), 16) & (1L << 14)) != 0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return false;
        }
        return false;
    }

    @Test
    void aFullDiskForThePidfileGivesOneClearLineAndExit3() throws Exception {
        assumeTrue(Host.isRoot(), "needs root to mount a tmpfs");
        Path full = Files.createDirectory(tmp.resolve("full"));
        Host.Run mount = Host.run(Duration.ofSeconds(30), List.of("mount", "-t", "tmpfs", "-o", "size=16k,mode=0700", "tmpfs",
                full.toString()));
        assumeTrue(mount.exit() == 0, "cannot mount a tmpfs here: " + mount.both());
        mounted = full;
        fill(full.resolve("filler"));

        TargetDaemon d = lab.daemon("fulldisk").arm().grace(600).pidfile(full.resolve("dazai.pid")).launch();

        assertTrue(d.process().waitFor(Host.LIVENESS.toSeconds(), TimeUnit.SECONDS), "it must give up, not hang");
        String err = d.log();
        assertEquals(3, d.process().exitValue(), "exit 3, environment:\n" + err);
        List<String> lines = err.lines().filter(l -> l.startsWith("dazai:")).toList();
        assertEquals(1, lines.size(), "one line for people:\n" + err);
        assertTrue(lines.get(0).contains("pidfile") && lines.get(0).contains("No space left on device"), lines.get(0));
        assertFalse(Files.exists(d.heartbeatSocket()) || Files.exists(d.controlSocket()),
                "the sockets it had already bound are removed");
        try (var s = Files.list(full)) {
            assertEquals(List.of("filler"), s.map(p -> p.getFileName().toString()).toList(), "no half-written pidfile left");
        }
        System.out.printf("FIGURE faults.full-disk exit=3 line=%s%n", lines.get(0));
    }

    /** Writes until the filesystem is full. */
    private static void fill(Path file) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            byte[] block = new byte[1024];
            for (int i = 0; i < 1024; i++) {
                out.write(block);
                out.flush();
            }
        } catch (IOException full) {
            if (!String.valueOf(full.getMessage()).contains("No space left")) {
                throw full;
            }
            return;
        }
        throw new NoSuchFileException(file + " never filled up: is it a 16k tmpfs?");
    }
}
