package dev.dazai.adapters.in.presence;

import dev.dazai.adapters.in.unixsocket.SocketSetupException;
import dev.dazai.adapters.nativ.Errnos;
import dev.dazai.adapters.nativ.Fds;
import dev.dazai.adapters.nativ.Native;
import dev.dazai.adapters.nativ.NativeException;
import dev.dazai.adapters.nativ.Sys;
import dev.dazai.adapters.nativ.Pidfds;
import dev.dazai.kernel.port.in.Presence;
import dev.dazai.kernel.port.in.Presence.Session;
import dev.dazai.kernel.port.out.Journal;
import dev.dazai.kernel.port.out.JournalEntry;
import dev.dazai.kernel.port.out.JournalEntry.Kind;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import jnr.ffi.Pointer;

/**
 * Watches the sessions directory and tells the kernel's {@link Presence} port which sessions live.
 * A shell registers by writing one file named after its PID holding {@code PID STARTTIME TTY KIND}
 * ({@link SessionEntry}); no process of ours runs per shell.
 *
 * <p>An entry is admitted only when it is a regular file (not a link), owned by the daemon's uid,
 * at most 128 bytes, named after the PID it names, and that PID can be pinned: pidfd_open works,
 * field 22 of {@code /proc/PID/stat} read after the pidfd was opened equals the entry's start time
 * (so a PID the OS gave to someone else is refused), the process's real uid is ours, and the pidfd
 * did not turn readable while its files were read (so they were that process's files). A refused
 * entry is one WARNING line and is deleted. An admitted session ends exactly once, when its pidfd
 * turns readable (the process ended) or when its entry goes (deleted or renamed away by someone
 * else); the daemon then deletes the entry if it still names that process.
 *
 * <p>One thread, {@code dazai-sessions}, polls the inotify fd, one pidfd per session and a wake-up
 * pipe; it only posts to the kernel. Entries already present are read by {@link #start()} before
 * the thread runs. If the thread fails for good it reports every session it watched as ended:
 * a session nobody watches must not keep the switch attached.
 */
public final class SessionWatcher implements AutoCloseable {

    /** Bound on watched sessions (one pidfd each); entries beyond it are refused. */
    public static final int MAX_SESSIONS = 256;
    /**
     * An empty entry this young is being written: a shell's {@code >} truncates, then writes. It is
     * left alone (an admitted session stays) and looked at again until it has text or is older.
     */
    private static final long BEING_WRITTEN_MILLIS = 2_000;
    private static final int RECHECK_MILLIS = 500;
    private static final int S_IFMT = 0170000;
    private static final int S_IFREG = 0100000;
    private static final int GIVE_UP_AFTER_FAILURES = 20;

    private final Path dir;
    private final int uid;
    private final Presence presence;
    private final Journal journal;
    private final int maxSessions;
    private final long ticksPerSecond;
    /** Entry name → the session it admitted. Touched by start() before the thread runs, then only by it. */
    private final Map<String, Watched> watched = new LinkedHashMap<>();
    /** Entries found empty and young: looked at again every {@value #RECHECK_MILLIS} ms. Same thread rule. */
    private final Set<String> unsettled = new TreeSet<>();
    private final Pointer pollfds;
    private final Pointer timespec = Native.scratch(16);
    private final Pointer readBuffer = Native.scratch(SessionEntry.MAX_BYTES + 1);
    private Inotify inotify;
    private int[] wake;
    private Thread thread;

    private record Watched(String name, Session session, int pidfd) {
    }

    /** What reading one entry came to. */
    private sealed interface Reading {
    }

    private record Missing() implements Reading {
    }

    private record BeingWritten() implements Reading {
    }

    private record Refused(String why) implements Reading {
    }

    private record Valid(SessionEntry entry) implements Reading {
    }

    public SessionWatcher(Path dir, int uid, Presence presence, Journal journal) {
        this(dir, uid, presence, journal, MAX_SESSIONS);
    }

    public SessionWatcher(Path dir, int uid, Presence presence, Journal journal, int maxSessions) {
        this.dir = dir.toAbsolutePath().normalize();
        this.uid = uid;
        this.presence = Objects.requireNonNull(presence, "presence");
        this.journal = Objects.requireNonNull(journal, "journal");
        this.maxSessions = maxSessions;
        long hz = Native.libc().sysconf(Sys.SC_CLK_TCK);
        this.ticksPerSecond = hz > 0 ? hz : 100;
        this.pollfds = Native.scratch(8 * (2 + maxSessions));
    }

    /**
     * Watches the directory, then reads the entries already there (in that order, so none written
     * meanwhile is missed), then starts the thread. Throws {@link SocketSetupException} (exit 3)
     * when the directory cannot be watched.
     */
    public SessionWatcher start() {
        if (!Pidfds.supported()) {
            throw new SocketSetupException("dazai: this kernel has no pidfd_open (Linux >= 5.3 needed) to watch"
                    + " sessions; upgrade the kernel");
        }
        try {
            inotify = Inotify.watch(dir);
        } catch (NativeException e) {
            throw new SocketSetupException("dazai: cannot watch sessions directory " + dir + ": " + e.getMessage()
                    + "; raise fs.inotify.max_user_instances or stop other watchers", e);
        }
        wake = Fds.pipe();
        scan();
        thread = new Thread(this::run, "dazai-sessions");
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    public Path directory() {
        return dir;
    }

    /** Stops the thread and closes every fd; reports nothing to the kernel (this is not a loss). */
    @Override
    public void close() {
        if (thread == null) {
            return;
        }
        Fds.closeQuietly(wake[1]);
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!thread.isAlive()) {
            for (Watched w : watched.values()) {
                Fds.closeQuietly(w.pidfd());
            }
            watched.clear();
            Fds.closeQuietly(wake[0]);
            inotify.close();
        }
        thread = null;
    }

    // ---- the thread ------------------------------------------------------------------------------

    private void run() {
        int failures = 0;
        boolean watching = true;
        List<Watched> slots = new ArrayList<>();
        while (true) {
            try {
                slots.clear();
                slots.addAll(watched.values());
                int n = 0;
                n = pollfd(n, wake[0]);
                n = pollfd(n, watching ? inotify.fd() : -1);
                for (Watched w : slots) {
                    n = pollfd(n, w.pidfd());
                }
                int rc = Native.libc().poll(pollfds, n, unsettled.isEmpty() ? -1 : RECHECK_MILLIS);
                if (rc < 0) {
                    int errno = Native.errno();
                    if (errno == Errnos.EINTR) {
                        continue;
                    }
                    throw new NativeException("poll", errno);
                }
                if (revents(0) != 0) {
                    return; // close(): the pipe's write end is gone
                }
                if (watching && revents(1) != 0) {
                    watching = directoryEvents(inotify.drain());
                }
                for (int i = 0; i < slots.size(); i++) {
                    if (revents(2 + i) != 0) {
                        processEnded(slots.get(i));
                    }
                }
                for (String name : new ArrayList<>(unsettled)) {
                    reconsider(name);
                }
                failures = 0;
            } catch (RuntimeException e) {
                warn(Kind.ERROR, "sessions watcher: " + e);
                if (++failures >= GIVE_UP_AFTER_FAILURES) {
                    giveUp();
                    return;
                }
            }
        }
    }

    private int pollfd(int index, int fd) {
        pollfds.putInt(8L * index, fd);
        pollfds.putShort(8L * index + 4, Sys.POLLIN);
        pollfds.putShort(8L * index + 6, (short) 0);
        return index + 1;
    }

    private short revents(int index) {
        return pollfds.getShort(8L * index + 6);
    }

    /** Handles a batch of events; false once the directory itself is gone (nothing more to watch). */
    private boolean directoryEvents(List<Inotify.Event> events) {
        Set<String> names = new TreeSet<>();
        for (Inotify.Event e : events) {
            if (e.is(Sys.IN_Q_OVERFLOW)) {
                warn(Kind.WARNING, "sessions: inotify queue overflowed; reading " + dir + " again");
                scan();
            } else if (e.is(Sys.IN_DELETE_SELF | Sys.IN_MOVE_SELF | Sys.IN_IGNORED)) {
                warn(Kind.WARNING, "sessions directory " + dir + " was removed or moved: its sessions end, and no"
                        + " new one can register until the daemon restarts");
                for (Watched w : new ArrayList<>(watched.values())) {
                    end(w);
                }
                return false;
            } else if (!e.name().isEmpty()) {
                // Several events for one name in a batch: the entry as it is now decides, once.
                names.add(e.name());
            }
        }
        for (String name : names) {
            reconsider(name);
        }
        return true;
    }

    /** The pidfd turned readable: the process ended (or is a zombie). */
    private void processEnded(Watched w) {
        if (watched.get(w.name()) != w) {
            return; // already ended through its entry in this same round
        }
        end(w);
        Reading now = read(w.name());
        if (now instanceof Valid v && v.entry().pid() == w.session().pid()
                && v.entry().startTime() == w.session().startTime()) {
            delete(w.name());
        } else if (!(now instanceof Missing)) {
            reconsider(w.name()); // a new incarnation wrote it meanwhile
        }
    }

    /** The thread cannot go on: no session may stay attached with nobody watching it. */
    private void giveUp() {
        warn(Kind.ERROR, "sessions watcher stopped after " + GIVE_UP_AFTER_FAILURES
                + " failures in a row: every watched session is reported ended");
        for (Watched w : new ArrayList<>(watched.values())) {
            end(w);
        }
    }

    // ---- entries ---------------------------------------------------------------------------------

    /** Reads every entry (and ends the watched ones whose entry is gone). */
    private void scan() {
        Set<String> names = new TreeSet<>(watched.keySet());
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                names.add(p.getFileName().toString());
            }
        } catch (IOException e) {
            warn(Kind.ERROR, "sessions: cannot list " + dir + ": " + e.getMessage());
            return;
        }
        for (String name : names) {
            reconsider(name);
        }
    }

    /** Brings what is watched under {@code name} in line with what the entry says now. */
    private void reconsider(String name) {
        Watched w = watched.get(name);
        Reading now = read(name);
        if (now instanceof BeingWritten) {
            unsettled.add(name);
            return;
        }
        unsettled.remove(name);
        if (now instanceof Valid v && w != null && v.entry().pid() == w.session().pid()
                && v.entry().startTime() == w.session().startTime()) {
            return; // the same session, written again
        }
        if (w != null) {
            end(w);
        }
        if (now instanceof Refused r) {
            refuse(name, r.why());
        } else if (now instanceof Valid v) {
            admit(name, v.entry());
        }
    }

    private void admit(String name, SessionEntry entry) {
        if (watched.size() >= maxSessions) {
            refuse(name, "already watching " + maxSessions + " sessions");
            return;
        }
        long pid = entry.pid();
        int pidfd = Pidfds.open(pid);
        if (pidfd < 0) {
            refuse(name, -pidfd == Errnos.ESRCH ? "no process " + pid + " (it ended; a stale entry)"
                    : "pidfd_open(" + pid + "): " + Errnos.describe(-pidfd));
            return;
        }
        // Read after the pidfd pins the PID: if these are another process's files, the start time differs.
        Optional<ProcessFacts> facts = ProcessFacts.of(pid);
        String why = null;
        if (facts.isEmpty()) {
            why = "no process " + pid + " (it ended; a stale entry)";
        } else if (facts.get().startTime() != entry.startTime()) {
            why = "pid " + pid + " started at " + facts.get().startTime() + ", not " + entry.startTime()
                    + ": another process has that PID now";
        } else if (facts.get().realUid() != uid) {
            why = "pid " + pid + " runs as uid " + facts.get().realUid() + ", not the daemon's uid " + uid;
        }
        if (why == null && Pidfds.exited(pidfd)) {
            why = "pid " + pid + " ended while it was being checked";
        }
        if (why != null) {
            Fds.closeQuietly(pidfd);
            refuse(name, why);
            return;
        }
        String tty = facts.get().tty().isEmpty() ? entry.tty() : facts.get().tty();
        Session session = new Session(pid, entry.startTime(), tty, entry.kind(), sinceMillis(entry.startTime()));
        watched.put(name, new Watched(name, session, pidfd));
        presence.sessionStarts(session);
    }

    /** SessionEnds, exactly once per admitted session: it leaves the map here and nowhere else. */
    private void end(Watched w) {
        if (watched.remove(w.name(), w)) {
            Fds.closeQuietly(w.pidfd());
            presence.sessionEnds(w.session());
        }
    }

    private void refuse(String name, String why) {
        String printable = SessionEntry.printable(name);
        try {
            Files.deleteIfExists(dir.resolve(name));
            warn(Kind.WARNING, "session entry " + printable + " refused: " + why + "; removed");
        } catch (IOException | RuntimeException e) {
            warn(Kind.WARNING, "session entry " + printable + " refused: " + why + "; could not remove it: " + e);
        }
    }

    private void delete(String name) {
        try {
            Files.deleteIfExists(dir.resolve(name));
        } catch (IOException e) {
            warn(Kind.WARNING, "session entry " + name + " of an ended session could not be removed: " + e.getMessage());
        }
    }

    /**
     * The entry as it is now. It is opened without following a link and without blocking (a FIFO
     * put there must not hang the thread), and the checks are made on the file actually opened
     * ({@code /proc/self/fd/N} is that file), not on whatever the name points to a moment later.
     */
    private Reading read(String name) {
        Path path = dir.resolve(name);
        PosixFileAttributes link;
        try {
            link = Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return new Missing();
        } catch (IOException | RuntimeException e) {
            return new Refused("cannot inspect it: " + e.getMessage());
        }
        if (link.isSymbolicLink()) {
            return new Refused("a symbolic link");
        }
        if (!link.isRegularFile()) {
            return new Refused("not a regular file");
        }
        if (!SessionEntry.isPidName(name)) {
            return new Refused("its name is not a PID");
        }
        int fd = Native.libc().open(path.toString(),
                Sys.O_RDONLY | Sys.O_NOFOLLOW | Sys.O_NONBLOCK | Sys.O_CLOEXEC | Sys.O_NOCTTY, 0);
        if (fd < 0) {
            int errno = Native.errno();
            if (errno == Errnos.ENOENT) {
                return new Missing();
            }
            return new Refused(errno == Errnos.ELOOP ? "a symbolic link" : "cannot open it: " + Errnos.describe(errno));
        }
        try {
            Map<String, Object> opened = Files.readAttributes(Path.of("/proc/self/fd/" + fd), "unix:mode,uid,size");
            int mode = (Integer) opened.get("mode");
            int owner = (Integer) opened.get("uid");
            long size = (Long) opened.get("size");
            if ((mode & S_IFMT) != S_IFREG) {
                return new Refused("not a regular file");
            }
            if (owner != uid) {
                return new Refused("owned by uid " + owner + ", not the daemon's uid " + uid);
            }
            if (size > SessionEntry.MAX_BYTES) {
                return new Refused(size + " bytes, more than " + SessionEntry.MAX_BYTES);
            }
            if (size == 0 && young(link.lastModifiedTime())) {
                return new BeingWritten();
            }
            byte[] text = readAtMost(fd, SessionEntry.MAX_BYTES + 1);
            return new Valid(SessionEntry.parse(name, text));
        } catch (SessionEntry.Malformed e) {
            return new Refused(e.getMessage());
        } catch (IOException | RuntimeException e) {
            return new Refused("cannot read it: " + e.getMessage());
        } finally {
            Fds.closeQuietly(fd);
        }
    }

    private byte[] readAtMost(int fd, int max) {
        int got = 0;
        while (got < max) {
            long n = Native.libc().read(fd, readBuffer.address() + got, max - got);
            if (n < 0) {
                int errno = Native.errno();
                if (errno == Errnos.EINTR) {
                    continue;
                }
                throw new NativeException("read", errno);
            }
            if (n == 0) {
                break;
            }
            got += (int) n;
        }
        byte[] bytes = new byte[got];
        readBuffer.get(0, bytes, 0, got);
        return bytes;
    }

    private static boolean young(FileTime modified) {
        return System.currentTimeMillis() - modified.toMillis() < BEING_WRITTEN_MILLIS;
    }

    /** Wall-clock start of a process from its start time (ticks after boot, suspend included). */
    private long sinceMillis(long startTicks) {
        if (Native.libc().clock_gettime(Sys.CLOCK_BOOTTIME, timespec) != 0) {
            return System.currentTimeMillis();
        }
        long bootNowMillis = timespec.getLong(0) * 1000 + timespec.getLong(8) / 1_000_000;
        long startMillis = startTicks * 1000 / ticksPerSecond;
        return System.currentTimeMillis() - Math.max(0, bootNowMillis - startMillis);
    }

    private void warn(Kind kind, String detail) {
        journal.record(JournalEntry.of(kind, detail));
    }
}
