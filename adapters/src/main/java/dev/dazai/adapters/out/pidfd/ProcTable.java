package dev.dazai.adapters.out.pidfd;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The process table as {@code /proc} shows it: who is whose parent, in which state, since when.
 * A snapshot is only a hint (processes come and go while it is read); whoever acts on it pins a
 * process by pidfd first and checks the snapshot's facts again afterwards.
 */
public final class ProcTable {

    /** One line of /proc/PID/stat: field 3 (state), 4 (ppid) and 22 (start time). */
    public record Proc(long pid, long ppid, char state, long startTime) {
    }

    private ProcTable() {
    }

    /** Every process now, by PID. */
    public static Map<Long, Proc> snapshot() {
        Map<Long, Proc> all = new HashMap<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(Path.of("/proc"))) {
            for (Path p : dir) {
                String name = p.getFileName().toString();
                if (!name.isEmpty() && Character.isDigit(name.charAt(0))) {
                    of(Long.parseLong(name)).ifPresent(proc -> all.put(proc.pid(), proc));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // A partial table: the walk repeats until a round finds nothing new.
        }
        return all;
    }

    /** The process with {@code pid} now, if any. */
    public static Optional<Proc> of(long pid) {
        try {
            return parse(pid, Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Parses a stat line; the command (field 2) may hold spaces and parentheses, so fields count from the last ')'. */
    static Optional<Proc> parse(long pid, String stat) {
        int close = stat.lastIndexOf(')');
        if (close < 0) {
            return Optional.empty();
        }
        String[] rest = stat.substring(close + 1).trim().split("\\s+");
        if (rest.length < 20) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Proc(pid, Long.parseLong(rest[1]), rest[0].charAt(0), Long.parseLong(rest[19])));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * This process and every ancestor up to init: the processes a holder must never be, since
     * killing one before the wipe would end the daemon (or the session that runs it) first.
     */
    public static Set<Long> selfAndAncestors() {
        Set<Long> line = new LinkedHashSet<>();
        long pid = ProcessHandle.current().pid();
        while (pid > 0 && line.add(pid)) {
            Optional<Proc> p = of(pid);
            if (p.isEmpty()) {
                break;
            }
            pid = p.get().ppid();
        }
        return line;
    }
}
