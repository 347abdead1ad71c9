package dev.dazai.adapters.in.presence;

import dev.dazai.adapters.nativ.Errnos;
import dev.dazai.adapters.nativ.Fds;
import dev.dazai.adapters.nativ.Native;
import dev.dazai.adapters.nativ.NativeException;
import dev.dazai.adapters.nativ.Sys;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jnr.ffi.Pointer;

/**
 * One inotify instance watching one directory for entries that appear complete (written and
 * closed, or renamed in) and entries that go (deleted, renamed away), plus the directory itself
 * going. Non-blocking: the watcher polls {@link #fd()} and drains it.
 */
final class Inotify implements AutoCloseable {

    static final int ENTRY_EVENTS = Sys.IN_CLOSE_WRITE | Sys.IN_MOVED_TO | Sys.IN_DELETE | Sys.IN_MOVED_FROM;
    private static final int SELF_EVENTS = Sys.IN_DELETE_SELF | Sys.IN_MOVE_SELF;
    /** struct inotify_event: int wd, uint32 mask, uint32 cookie, uint32 len, then len bytes of name. */
    private static final int HEADER = 16;
    /** Many events per read; one event is at most HEADER + NAME_MAX + 1 bytes. */
    private static final int BUFFER = 16 * 1024;

    /** One event: its mask and the entry's name ("" for events about the directory itself). */
    record Event(int mask, String name) {

        boolean is(int bits) {
            return (mask & bits) != 0;
        }
    }

    private final int fd;
    private final Pointer buffer = Native.scratch(BUFFER);

    private Inotify(int fd) {
        this.fd = fd;
    }

    /** Watches {@code dir} (a directory, not followed if it is a link). */
    static Inotify watch(Path dir) {
        int fd = Native.libc().inotify_init1(Sys.IN_NONBLOCK | Sys.IN_CLOEXEC);
        if (fd < 0) {
            throw Native.failure("inotify_init1");
        }
        int wd = Native.libc().inotify_add_watch(fd, dir.toString(),
                ENTRY_EVENTS | SELF_EVENTS | Sys.IN_ONLYDIR | Sys.IN_DONT_FOLLOW);
        if (wd < 0) {
            NativeException e = Native.failure("inotify_add_watch " + dir);
            Fds.closeQuietly(fd);
            throw e;
        }
        return new Inotify(fd);
    }

    int fd() {
        return fd;
    }

    /** Every event queued now, oldest first; empty when none is. */
    List<Event> drain() {
        List<Event> events = new ArrayList<>();
        while (true) {
            long n = Native.libc().read(fd, buffer.address(), BUFFER);
            if (n < 0) {
                int errno = Native.errno();
                if (errno == Errnos.EAGAIN) {
                    return events;
                }
                if (errno == Errnos.EINTR) {
                    continue;
                }
                throw new NativeException("read inotify", errno);
            }
            if (n == 0) {
                return events;
            }
            for (int at = 0; at + HEADER <= n; ) {
                int mask = buffer.getInt(at + 4);
                int len = buffer.getInt(at + 12);
                events.add(new Event(mask, name(at + HEADER, len)));
                at += HEADER + len;
            }
        }
    }

    /** The NUL-padded name; UTF-8, which is all an entry's name (digits) ever needs. */
    private String name(int at, int len) {
        int end = 0;
        while (end < len && buffer.getByte(at + end) != 0) {
            end++;
        }
        byte[] bytes = new byte[end];
        buffer.get(at, bytes, 0, end);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        Fds.closeQuietly(fd);
    }
}
