package dev.dazai.adapters.out.pidfd;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/** Field 22 of {@code /proc/<pid>/stat}: the start time in clock ticks after boot, which tells incarnations apart. */
public final class ProcStat {

    private ProcStat() {
    }

    /** The start time of whatever process has {@code pid} now; empty if there is none. */
    public static OptionalLong startTime(long pid) {
        String stat;
        try {
            stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        } catch (IOException e) {
            return OptionalLong.empty();
        }
        return parseStartTime(stat);
    }

    /** Parses a stat line; the command name (field 2) may hold spaces and parentheses, so fields count from the last ')'. */
    static OptionalLong parseStartTime(String stat) {
        int close = stat.lastIndexOf(')');
        if (close < 0) {
            return OptionalLong.empty();
        }
        String[] rest = stat.substring(close + 1).trim().split("\\s+");
        // rest[0] is field 3 (state), so field 22 is rest[19].
        if (rest.length < 20) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(rest[19]));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** Field 3, the state letter (R, S, T, Z, ...), or '?' if there is no such process. */
    public static char state(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] rest = stat.substring(stat.lastIndexOf(')') + 1).trim().split("\\s+");
            return rest[0].charAt(0);
        } catch (IOException | RuntimeException e) {
            return '?';
        }
    }
}
