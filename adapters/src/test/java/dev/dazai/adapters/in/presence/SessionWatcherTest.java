package dev.dazai.adapters.in.presence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dazai.adapters.nativ.Pidfds;
import dev.dazai.adapters.out.pidfd.ProcStat;
import dev.dazai.adapters.testing.ListJournal;
import dev.dazai.kernel.port.in.Presence.Session;
import dev.dazai.kernel.port.out.JournalEntry;
import dev.dazai.kernel.port.out.JournalEntry.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sessions watcher on the real file system with real processes: inotify, pidfds and
 * /proc, as the daemon uses them. Sessions are {@code sleep} children; the Presence port is a
 * recorder, so each test sees exactly the calls the kernel would get.
 */
class SessionWatcherTest {

    private static final int UID = uid();

    @TempDir
    Path tmp;

    private Path dir;
    private final ListJournal journal = new ListJournal();
    private final PresenceRecorder presence = new PresenceRecorder(() -> "journal: " + journal.entries);
    private final List<Process> started = new ArrayList<>();
    private SessionWatcher watcher;

    @BeforeAll
    static void pidfds() {
        assumeTrue(Pidfds.supported(), "needs pidfd_open (Linux >= 5.3)");
    }

    @BeforeEach
    void sessionsDirectory() {
        dir = SessionDirectory.open(tmp, UID);
    }

    @AfterEach
    void stop() throws Exception {
        if (watcher != null) {
            watcher.close();
        }
        for (Process p : started) {
            p.destroyForcibly().waitFor();
        }
    }

    @Test
    void anEntryForALiveProcessOfOursIsAdmitted() throws Exception {
        start();
        Process shell = sleeper();
        long startTime = startTime(shell);
        write(shell.pid(), shell.pid() + " " + startTime + " pts/9 bash\n");
        Session s = presence.nextStarts(shell.pid());
        assertEquals(startTime, s.startTime());
        assertEquals("bash", s.kind());
        assertEquals("pts/9", s.tty(), "a process without a terminal keeps the tty its entry claims");
        long ageMillis = System.currentTimeMillis() - s.sinceMillis();
        assertTrue(ageMillis >= -1_500 && ageMillis < 120_000, "since is when the process started: " + ageMillis + " ms ago");
        assertEquals(List.of(), warnings());
        assertTrue(Files.exists(dir.resolve(Long.toString(shell.pid()))), "an admitted entry stays");
    }

    @Test
    void theSessionEndsOnceWhenItsProcessExitsAndTheEntryIsRemoved() throws Exception {
        start();
        Process shell = sleeper();
        admit(shell, "bash");
        shell.destroy();
        shell.waitFor();
        assertEquals(startTime0, presence.nextEnds(shell.pid()).startTime());
        assertTrue(eventually(() -> !Files.exists(dir.resolve(Long.toString(shell.pid())))), "the daemon deletes the entry");
        presence.quiet(300);
        assertEquals(List.of(), warnings());
    }

    @Test
    void theSessionEndsWhenItsEntryIsDeletedWhileTheProcessLives() throws Exception {
        start();
        Process shell = sleeper();
        admit(shell, "zsh");
        Files.delete(dir.resolve(Long.toString(shell.pid())));
        presence.nextEnds(shell.pid());
        assertTrue(shell.isAlive());
        shell.destroy();
        shell.waitFor();
        presence.quiet(300);
    }

    @Test
    void anEntryRenamedAwayEndsItsSession() throws Exception {
        start();
        Process shell = sleeper();
        admit(shell, "bash");
        Files.move(dir.resolve(Long.toString(shell.pid())), tmp.resolve("elsewhere"));
        presence.nextEnds(shell.pid());
    }

    @Test
    void anEntryRenamedInIsAdmitted() throws Exception {
        start();
        Process shell = sleeper();
        Path staged = tmp.resolve("staged");
        Files.writeString(staged, shell.pid() + " " + startTime(shell) + " - bash\n");
        Files.move(staged, dir.resolve(Long.toString(shell.pid())));
        presence.nextStarts(shell.pid());
    }

    @Test
    void writingTheSameEntryAgainStartsNothingAndEndingTwoWaysAtOnceEndsOnce() throws Exception {
        start();
        Process shell = sleeper();
        admit(shell, "bash");
        write(shell.pid(), shell.pid() + " " + startTime(shell) + " - bash\n");
        write(shell.pid(), shell.pid() + " " + startTime(shell) + " - bash\n");
        presence.quiet(300);
        Files.delete(dir.resolve(Long.toString(shell.pid())));
        shell.destroy();
        shell.waitFor();
        presence.nextEnds(shell.pid());
        presence.quiet(500);
    }

    @Test
    void anEntryEmptiedForARewriteKeepsItsSessionAndOneLeftEmptyIsRefused() throws Exception {
        start();
        Process shell = sleeper();
        admit(shell, "bash");
        // What `printf … > entry` does: truncate (the watcher may look now), then write.
        write(shell.pid(), "");
        presence.quiet(700);
        write(shell.pid(), shell.pid() + " " + startTime(shell) + " - bash\n");
        presence.quiet(300);
        assertEquals(List.of(), warnings());
        // A writer that never writes: after a while the empty entry is refused, and its session ends.
        write(shell.pid(), "");
        presence.nextEnds(shell.pid());
        assertTrue(awaitWarning(Long.toString(shell.pid())).contains("not one line"));
    }

    @Test
    void anEntryWhoseStartTimeIsNotThePidsIsRefusedAsPidReuse() throws Exception {
        start();
        Process other = sleeper();
        long real = startTime(other);
        // What a dead shell's entry looks like once the OS has given its PID to someone else.
        write(other.pid(), other.pid() + " " + (real - 1) + " pts/1 bash\n");
        String w = awaitWarning(Long.toString(other.pid()));
        assertTrue(w.contains("started at " + real + ", not " + (real - 1)), w);
        assertTrue(w.endsWith("; removed"), w);
        assertFalse(Files.exists(dir.resolve(Long.toString(other.pid()))));
        presence.quiet(300);
    }

    @Test
    void aProcessOfAnotherUidIsRefused() throws Exception {
        assumeTrue(UID == 0, "needs root to start a process under another uid (setpriv --reuid)");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "needs util-linux setpriv");
        start();
        Process foreign = start("/usr/bin/setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups",
                "sleep", "1000");
        assertTrue(eventually(() -> ProcStat.state(foreign.pid()) == 'S'
                && readUid(foreign.pid()) == 65534), "setpriv did not exec sleep as 65534");
        write(foreign.pid(), foreign.pid() + " " + startTime(foreign) + " - bash\n");
        String w = awaitWarning(Long.toString(foreign.pid()));
        assertTrue(w.contains("runs as uid 65534, not the daemon's uid 0"), w);
        presence.quiet(300);
    }

    @Test
    void anEntryOwnedByAnotherUidIsRefused() throws Exception {
        // The watcher runs "as" a uid that owns nothing here: every file is someone else's.
        watcher = new SessionWatcher(dir, UID + 4242, presence, journal).start();
        Process shell = sleeper();
        write(shell.pid(), shell.pid() + " " + startTime(shell) + " - bash\n");
        String w = awaitWarning(Long.toString(shell.pid()));
        assertTrue(w.contains("owned by uid " + UID + ", not the daemon's uid " + (UID + 4242)), w);
        presence.quiet(300);
    }

    @Test
    void malformedOversizedLinkedAndOddEntriesAreEachOneWarningAndRemoved() throws Exception {
        start();
        Process shell = sleeper();
        long pid = shell.pid();
        long st = startTime(shell);
        Path good = Files.writeString(tmp.resolve("good"), pid + " " + st + " - bash\n");

        write(pid, "hello\n");
        assertTrue(awaitWarning(Long.toString(pid)).contains("not one line"));
        write(pid, pid + " " + st + " - bash\n" + "x".repeat(200));
        assertTrue(awaitWarning(Long.toString(pid)).contains("more than 128"));
        write(pid, pid + " " + st + " - bash");
        assertTrue(awaitWarning(Long.toString(pid)).contains("not one line"), "no newline");
        write(pid, pid + " " + st + " - rm -rf ~\n");
        assertTrue(awaitWarning(Long.toString(pid)).contains("not one line"), "odd characters in the kind");
        write(pid + 1, pid + " " + st + " - bash\n");
        assertTrue(awaitWarning(Long.toString(pid + 1)).contains("but the line says pid " + pid));
        Files.createSymbolicLink(dir.resolve("x"), good);
        Files.move(dir.resolve("x"), dir.resolve(Long.toString(pid)));
        assertTrue(awaitWarning(Long.toString(pid)).contains("a symbolic link"));
        Files.writeString(tmp.resolve("named"), "whatever\n");
        Files.move(tmp.resolve("named"), dir.resolve("not-a-pid"));
        assertTrue(awaitWarning("not-a-pid").contains("its name is not a PID"));

        presence.quiet(300);
        assertEquals(7, warnings().size(), warnings().toString());
        try (var left = Files.list(dir)) {
            assertEquals(List.of(), left.collect(Collectors.toList()), "every refused entry is removed");
        }
        assertTrue(Files.exists(good), "a link is removed, not what it points to");
    }

    @Test
    void aFifoPutAsAnEntryDoesNotHangTheWatcher() throws Exception {
        start();
        Process fifoMaker = start("mkfifo", tmp.resolve("fifo").toString());
        assertEquals(0, fifoMaker.waitFor());
        Files.move(tmp.resolve("fifo"), dir.resolve("4242"));
        assertTrue(awaitWarning("4242").contains("not a regular file"));
        Process shell = sleeper();
        write(shell.pid(), shell.pid() + " " + startTime(shell) + " - bash\n");
        presence.nextStarts(shell.pid());
    }

    @Test
    void entriesPresentAtStartAreReadBeforeStartReturns() throws Exception {
        Process alive = sleeper();
        Process gone = sleeper();
        long goneStart = startTime(gone);
        write(alive.pid(), alive.pid() + " " + startTime(alive) + " pts/3 bash\n");
        write(gone.pid(), gone.pid() + " " + goneStart + " pts/4 bash\n");
        gone.destroy();
        gone.waitFor();
        write(1, "garbage\n");
        start();
        assertEquals(1, presence.all.size(), "admitted while start() ran: " + presence.all);
        presence.nextStarts(alive.pid());
        assertEquals(2, warnings().size(), warnings().toString());
        assertTrue(warnings().stream().anyMatch(w -> w.contains("\"" + gone.pid() + "\" refused: no process")), warnings().toString());
        assertFalse(Files.exists(dir.resolve(Long.toString(gone.pid()))));
        assertFalse(Files.exists(dir.resolve("1")));
        alive.destroy();
        presence.nextEnds(alive.pid());
    }

    @Test
    void sessionsBeyondTheBoundAreRefused() throws Exception {
        watcher = new SessionWatcher(dir, UID, presence, journal, 2).start();
        Process a = sleeper();
        Process b = sleeper();
        Process c = sleeper();
        admit(a, "bash");
        admit(b, "bash");
        write(c.pid(), c.pid() + " " + startTime(c) + " - bash\n");
        assertTrue(awaitWarning(Long.toString(c.pid())).contains("already watching 2 sessions"));
        a.destroy();
        presence.nextEnds(a.pid());
        admit(c, "bash");
    }

    @Test
    void theDirectoryRemovedEndsEverySession() throws Exception {
        start();
        Process shell = sleeper();
        admit(shell, "bash");
        Files.delete(dir.resolve(Long.toString(shell.pid())));
        Files.delete(dir);
        presence.nextEnds(shell.pid());
        assertTrue(eventually(() -> journal.entries.stream().anyMatch(e -> e.detail().contains("was removed or moved"))));
    }

    @Test
    void closeStopsTheThreadAndReportsNothing() throws Exception {
        start();
        Process shell = sleeper();
        admit(shell, "bash");
        watcher.close();
        watcher = null;
        assertFalse(Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("dazai-sessions")));
        shell.destroy();
        presence.quiet(300);
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private long startTime0;

    private void start() {
        watcher = new SessionWatcher(dir, UID, presence, journal).start();
    }

    private void admit(Process p, String kind) throws Exception {
        startTime0 = startTime(p);
        write(p.pid(), p.pid() + " " + startTime0 + " - " + kind + "\n");
        presence.nextStarts(p.pid());
    }

    private void write(long name, String text) throws IOException {
        Files.writeString(dir.resolve(Long.toString(name)), text);
    }

    private Process sleeper() throws IOException {
        return start("sleep", "1000");
    }

    private Process start(String... cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        started.add(p);
        return p;
    }

    private static long startTime(Process p) {
        return ProcStat.startTime(p.pid()).orElseThrow();
    }

    private List<String> warnings() {
        return journal.entries.stream().filter(e -> e.kind() == Kind.WARNING).map(JournalEntry::detail)
                .collect(Collectors.toList());
    }

    /** The next refusal of entry {@code name} not yet returned, once the entry is also gone. */
    private String awaitWarning(String name) throws InterruptedException {
        String needle = "session entry \"" + name + "\" refused: ";
        int before = refusalsSeen.getOrDefault(name, 0);
        assertTrue(eventually(() -> refusals(needle).size() > before
                && !Files.exists(dir.resolve(name), LinkOption.NOFOLLOW_LINKS)),
                "no refusal of " + name + "; journal: " + journal.entries);
        refusalsSeen.put(name, before + 1);
        return refusals(needle).get(before);
    }

    private final Map<String, Integer> refusalsSeen = new HashMap<>();

    private List<String> refusals(String prefix) {
        return journal.entries.stream().map(JournalEntry::detail).filter(d -> d.startsWith(prefix))
                .collect(Collectors.toList());
    }

    private static boolean eventually(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(10);
        }
        return condition.getAsBoolean();
    }

    private static int readUid(long pid) {
        try {
            return ProcessFacts.realUid(Files.readString(Path.of("/proc", Long.toString(pid), "status")));
        } catch (IOException e) {
            return -1;
        }
    }

    private static int uid() {
        try {
            return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
