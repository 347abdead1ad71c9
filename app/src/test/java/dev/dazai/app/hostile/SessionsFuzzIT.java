package dev.dazai.app.hostile;

import static dev.dazai.app.hostile.Junk.randomBytes;
import static dev.dazai.app.hostile.Junk.tail;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile round 2, the sessions/ drop directory: {@link FuzzedDaemon#INPUTS} junk entries of 19
 * kinds, one entry one input. None may be admitted; every one the watcher is told of is refused
 * (one WARNING) and removed; those it is not told of (made in place without a write or a rename)
 * are counted and removed by the test. No entry can be a valid session by accident: each one that
 * names a live process of ours has a wrong start time, a malformed line, a link, a foreign owner
 * or the wrong name.
 */
class SessionsFuzzIT {

    private static final int ENTRIES_PER_BATCH = 100;

    @TempDir
    Path tmp;

    private FuzzedDaemon fz;
    private TargetDaemon d;
    private UnixLine heartbeat;

    @AfterEach
    void tearDown() throws IOException {
        if (fz != null) {
            fz.close();
        }
    }

    /** The daemon, a panic's window pending; {@code attach}: our heartbeat holds the slot. */
    private void start(boolean attach) throws Exception {
        fz = FuzzedDaemon.start(tmp, attach);
        d = fz.daemon();
        heartbeat = fz.heartbeat();
    }

    /** What a junk entry is. */
    private enum Entry {
        RANDOM_BYTES, WRONG_STARTTIME, FOREIGN_PROCESS, DEAD_PROCESS, BEYOND_PID_MAX, WRONG_FIELDS, OVER_LONG,
        NAME_NOT_THE_PID, NAME_NOT_A_PID, SYMLINK_TO_A_VALID_ENTRY, DANGLING_SYMLINK, DIRECTORY, WRONG_MODE,
        FOREIGN_OWNER, HUGE_SPARSE, FIFO, SOCKET, EMPTY, CHURN
    }

    /** Facts the entries are made from, found once per test. */
    private record Processes(long live, long liveStart, long dead, long deadStart, Optional<Long> foreign,
                             long foreignStart, long pidMax, boolean root) {
    }

    @Test
    void junkSessionEntriesAreRefusedRemovedAndNeverAdmitted() throws Exception {
        start(true);
        Path sessions = d.socketDir().resolve("sessions");
        Path stage = Files.createDirectories(tmp.resolve("stage"));
        Processes p = processes();
        Map<Entry, AtomicLong> made = new EnumMap<>(Entry.class);
        for (Entry e : Entry.values()) {
            made.put(e, new AtomicLong());
        }
        AtomicLong inputs = new AtomicLong();
        AtomicLong serial = new AtomicLong();
        AtomicLong unseen = new AtomicLong();
        long t0 = System.nanoTime();
        qt().withExamples(FuzzedDaemon.batches(ENTRIES_PER_BATCH)).withShrinkCycles(0)
                .forAll(lists().of(integers().all()).ofSize(ENTRIES_PER_BATCH))
                .checkAssert(batch -> {
                    List<Path> madeInPlace = new ArrayList<>();
                    for (int seed : batch) {
                        // QuickTheories favours a few boundary seeds; the serial makes each entry its own.
                        long n = serial.incrementAndGet();
                        Random random = new Random(seed * 0x9E3779B97F4A7C15L + n);
                        Entry kind = Entry.values()[random.nextInt(Entry.values().length)];
                        if (kind == Entry.FOREIGN_PROCESS && p.foreign().isEmpty()
                                || kind == Entry.FOREIGN_OWNER && !p.root()) {
                            kind = Entry.WRONG_STARTTIME;
                        }
                        try {
                            put(sessions, stage, kind, random, p, n).ifPresent(madeInPlace::add);
                        } catch (IOException raced) {
                            // The watcher removed it while we were still at it: that is a refusal too.
                        }
                        made.get(kind).incrementAndGet();
                        inputs.incrementAndGet();
                    }
                    // Made without a write or a rename, the watcher is not told of them (it watches
                    // IN_CLOSE_WRITE, IN_MOVED_TO, IN_DELETE, IN_MOVED_FROM): we remove what it left.
                    for (Path f : madeInPlace) {
                        try {
                            if (Files.deleteIfExists(f)) {
                                unseen.incrementAndGet();
                            }
                        } catch (IOException e) {
                            throw new AssertionError(e);
                        }
                    }
                    // Backpressure: the watcher keeps up, or the directory would grow without bound.
                    awaitDrained(sessions, 2 * ENTRIES_PER_BATCH);
                    fz.assertStillHolding();
                });
        awaitDrained(sessions, 0);
        FuzzedDaemon.figure("sessions", inputs.get(), 0, t0);
        long refused = Pattern.compile("session entry .* refused").matcher(d.log()).results().count();
        System.out.printf("FIGURE fuzz.surface.sessions.kinds %s refusedInJournal=%d madeInPlaceNeverSeen=%d foreign=%s root=%s%n",
                made, refused, unseen.get(), p.foreign().isPresent(), p.root());
        assertTrue(refused > 0, "the watcher saw and refused junk");
        assertFalse(Pattern.compile("\\bSESSION_START\\b").matcher(d.log()).find(), "no junk entry admitted:\n" + tail(d.log()));
        fz.assertUndisturbed("junk in sessions/");
    }

    /**
     * One junk entry of {@code kind}: written in place, or made aside and renamed in whole where a
     * half-made one could pass. Links, directories, FIFOs and sockets are made in place (returned:
     * the watcher is not told of those) or aside and renamed in (it is), half and half.
     */
    private Optional<Path> put(Path sessions, Path stage, Entry kind, Random r, Processes p, long serial) throws IOException {
        boolean inPlace = r.nextBoolean();
        Path oddPath = (inPlace ? sessions : stage).resolve(Long.toString(p.pidMax() + serial));
        long livePid = p.live();
        String tty = r.nextBoolean() ? "pts/" + r.nextInt(10) : "-";
        switch (kind) {
            case RANDOM_BYTES -> write(sessions.resolve(Long.toString(p.pidMax() + serial)), randomBytes(r, r.nextInt(128)));
            case WRONG_STARTTIME -> {
                long start = p.liveStart() + 1 + r.nextInt(1_000_000);
                write(sessions.resolve(Long.toString(livePid)), line(livePid, start, tty, "bash"));
            }
            case FOREIGN_PROCESS -> write(sessions.resolve(Long.toString(p.foreign().orElseThrow())),
                    line(p.foreign().orElseThrow(), p.foreignStart(), tty, "zsh"));
            case DEAD_PROCESS -> write(sessions.resolve(Long.toString(p.dead())), line(p.dead(), p.deadStart(), tty, "bash"));
            case BEYOND_PID_MAX -> {
                long pid = p.pidMax() + r.nextInt(1_000_000);
                write(sessions.resolve(Long.toString(pid)), line(pid, r.nextInt(Integer.MAX_VALUE), tty, "bash"));
            }
            case WRONG_FIELDS -> {
                String[] forms = {livePid + " " + p.liveStart() + "\n", livePid + "\n", livePid + " " + p.liveStart() + " " + tty
                    + " bash with too many words\n", livePid + " x " + tty + " bash\n", livePid + " " + p.liveStart() + " " + tty
                    + " bash", livePid + "  " + p.liveStart() + " " + tty + " bash\n", "\n\n\n", livePid + " -1 - bash\n"};
                // Each names the live process by its right start time but is malformed: refused on form alone.
                stageAndRename(sessions, stage, Long.toString(livePid), forms[r.nextInt(forms.length)].getBytes(StandardCharsets.US_ASCII), null, serial);
            }
            case OVER_LONG -> {
                String kindWord = "k".repeat(129 + r.nextInt(2000));
                stageAndRename(sessions, stage, Long.toString(livePid),
                        line(livePid, p.liveStart(), tty, kindWord), null, serial);
            }
            case NAME_NOT_THE_PID -> stageAndRename(sessions, stage, Long.toString(p.dead()),
                    line(livePid, p.liveStart(), tty, "bash"), null, serial);
            case NAME_NOT_A_PID -> {
                String[] names = {"0" + livePid, livePid + ".tmp", ".hidden" + serial, "x" + serial, "~" + serial,
                    "a b " + serial, "-" + serial, "9".repeat(11), "n".repeat(200 + r.nextInt(50))};
                stageAndRename(sessions, stage, names[r.nextInt(names.length)], line(livePid, p.liveStart(), tty, "bash"), null, serial);
            }
            case SYMLINK_TO_A_VALID_ENTRY -> {
                // The target is a valid entry of ours; only the link stands in the way.
                Path target = stage.resolve("valid");
                if (!Files.exists(target)) {
                    Files.write(target, line(livePid, p.liveStart(), "-", "bash"));
                }
                Path link = stage.resolve("link-" + serial);
                Files.createSymbolicLink(link, target);
                Files.move(link, sessions.resolve(Long.toString(livePid)), StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            }
            case DANGLING_SYMLINK -> Files.createSymbolicLink(oddPath, Path.of(r.nextBoolean() ? "/nonexistent/" + serial : "/etc/passwd"));
            case DIRECTORY -> Files.createDirectory(oddPath);
            case WRONG_MODE -> {
                String[] modes = {"---------", "rwxrwxrwx", "rw-rw-rw-", "-w-------", "r--r--r--"};
                // Mode is no part of the check (owner, type and content are): the content is what is wrong.
                stageAndRename(sessions, stage, Long.toString(livePid),
                        line(livePid, p.liveStart() + 1 + r.nextInt(1000), tty, "bash"), modes[r.nextInt(modes.length)], serial);
            }
            case FOREIGN_OWNER -> {
                // A valid line for our own live process in a file owned by someone else: refused for the owner alone.
                Path f = stage.resolve("foreign-" + serial);
                Files.write(f, line(livePid, p.liveStart(), tty, "bash"));
                Files.setAttribute(f, "unix:uid", 65534, LinkOption.NOFOLLOW_LINKS);
                Files.move(f, sessions.resolve(Long.toString(livePid)), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            case HUGE_SPARSE -> {
                Path f = stage.resolve("huge-" + serial);
                try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
                    raf.write(line(livePid, p.liveStart(), tty, "bash"));
                    raf.setLength(1L << (20 + r.nextInt(11)));
                }
                Files.move(f, sessions.resolve(Long.toString(livePid)), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            case FIFO -> {
                try {
                    Host.run(Duration.ofSeconds(10), List.of("mkfifo", oddPath.toString()));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            case SOCKET -> {
                try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
                    s.bind(UnixDomainSocketAddress.of(oddPath));
                }
            }
            case EMPTY -> write(sessions.resolve(Long.toString(p.dead())), new byte[0]);
            case CHURN -> {
                Path f = sessions.resolve(Long.toString(p.pidMax() + serial));
                write(f, randomBytes(r, r.nextInt(64)));
                Files.deleteIfExists(f);
            }
        }
        boolean odd = kind == Entry.DANGLING_SYMLINK || kind == Entry.DIRECTORY || kind == Entry.FIFO || kind == Entry.SOCKET;
        if (!odd) {
            return Optional.empty();
        }
        if (inPlace) {
            return Optional.of(oddPath);
        }
        Files.move(oddPath, sessions.resolve(oddPath.getFileName()), StandardCopyOption.ATOMIC_MOVE);
        return Optional.empty();
    }

    /** Waits until at most {@code most} entries are left; on failure, says which, and how the journal ends. */
    private void awaitDrained(Path sessions, long most) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (entries(sessions) > most) {
            if (System.nanoTime() - deadline > 0) {
                StringBuilder left = new StringBuilder();
                try (var s = Files.list(sessions)) {
                    s.limit(20).forEach(f -> left.append(' ').append(f.getFileName()).append(Files.isSymbolicLink(f) ? "(link)"
                            : Files.isDirectory(f, LinkOption.NOFOLLOW_LINKS) ? "(dir)" : Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)
                            ? "(file)" : "(other)"));
                } catch (IOException e) {
                    left.append(e);
                }
                fail(entries(sessions) + " entries left in " + sessions + " after 60 s, e.g." + left + "\n" + tail(d.log()));
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted");
            }
        }
    }

    private static void write(Path f, byte[] bytes) throws IOException {
        Files.write(f, bytes);
    }

    private static void stageAndRename(Path sessions, Path stage, String name, byte[] bytes, String mode, long serial) throws IOException {
        Path f = stage.resolve("e-" + serial);
        Files.write(f, bytes);
        if (mode != null) {
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(mode));
        }
        Files.move(f, sessions.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static byte[] line(long pid, long start, String tty, String kind) {
        return (pid + " " + start + " " + tty + " " + kind + "\n").getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * The processes entries name. None of them can make a valid session: the live one is ours but
     * every entry naming it has the wrong start time, a malformed line, a link, a foreign owner or
     * the wrong name; the foreign one runs as uid 65534 (root only); the dead one has ended.
     */
    private Processes processes() throws Exception {
        long pidMax = Long.parseLong(Files.readString(Path.of("/proc/sys/kernel/pid_max")).strip());
        Process live = fz.lab().holder();
        long liveStart = startTime(live.pid());
        Process dead = fz.lab().holder();
        long deadPid = dead.pid();
        long deadStart = startTime(deadPid);
        dead.destroyForcibly().waitFor();
        Optional<Long> foreign = Optional.empty();
        long foreignStart = 0;
        if (Host.isRoot() && Host.onPath("setpriv")) {
            Process f = fz.lab().spawn(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "sleep", "1000"));
            Host.eventually(Duration.ofSeconds(10), "setpriv dropped to uid 65534", () -> Host.uid(f.pid()).orElse(-1) == 65534);
            foreign = Optional.of(f.pid());
            foreignStart = startTime(f.pid());
        }
        return new Processes(live.pid(), liveStart, deadPid, deadStart, foreign, foreignStart, pidMax, Host.isRoot());
    }

    private static long startTime(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(after[19]);
    }

    private static long entries(Path dir) {
        try (var s = Files.list(dir)) {
            return s.count();
        } catch (IOException e) {
            return Long.MAX_VALUE;
        }
    }

}
