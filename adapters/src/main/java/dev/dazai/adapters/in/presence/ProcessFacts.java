package dev.dazai.adapters.in.presence;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What {@code /proc/PID} says about a process, read once: its start time (field 22 of stat), its
 * controlling terminal (field 7) and its real uid (the first number of status's {@code Uid:}).
 * Read only after a pidfd pins the process; whether the process was still that one while these
 * files were read is the caller's check (the pidfd not yet readable afterwards).
 *
 * @param startTime clock ticks after boot
 * @param tty       the terminal's name ({@code pts/3}, {@code tty2}), "" for none or one we cannot name
 * @param realUid   the real uid
 */
record ProcessFacts(long startTime, String tty, int realUid) {

    /** Empty when the process is gone or its files cannot be read or parsed. */
    static Optional<ProcessFacts> of(long pid) {
        Path proc = Path.of("/proc", Long.toString(pid));
        String stat;
        String status;
        try {
            stat = Files.readString(proc.resolve("stat"));
            status = Files.readString(proc.resolve("status"));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        // The command name (field 2) may hold spaces and ')': fields count from the last ')'.
        int close = stat.lastIndexOf(')');
        if (close < 0) {
            return Optional.empty();
        }
        String[] rest = stat.substring(close + 1).trim().split("\\s+");
        // rest[0] is field 3; field 7 is rest[4], field 22 is rest[19].
        if (rest.length < 20) {
            return Optional.empty();
        }
        int uid = realUid(status);
        try {
            long startTime = Long.parseLong(rest[19]);
            long ttyNr = Long.parseLong(rest[4]);
            return uid < 0 ? Optional.empty() : Optional.of(new ProcessFacts(startTime, ttyName(ttyNr), uid));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** The real uid from status's "Uid:\treal\teffective\tsaved\tfs" line; -1 if absent. */
    static int realUid(String status) {
        for (String line : status.split("\n")) {
            if (line.startsWith("Uid:")) {
                String[] f = line.substring(4).trim().split("\\s+");
                try {
                    return Integer.parseInt(f[0]);
                } catch (NumberFormatException e) {
                    return -1;
                }
            }
        }
        return -1;
    }

    /**
     * The terminal's name from tty_nr (Linux's new_encode_dev: minor bits 0-7 and 20-31, major 8-19),
     * for the devices people see: pseudo-terminals (majors 136-143) and virtual consoles and serial
     * lines (major 4). The shell integration derives the same name the same way.
     */
    static String ttyName(long ttyNr) {
        if (ttyNr == 0) {
            return "";
        }
        long major = (ttyNr >> 8) & 0xfff;
        long minor = (ttyNr & 0xff) | ((ttyNr >> 12) & 0xfff00);
        if (major >= 136 && major <= 143) {
            return "pts/" + ((major - 136) * 256 + minor);
        }
        if (major == 4) {
            return minor < 64 ? "tty" + minor : "ttyS" + (minor - 64);
        }
        return "";
    }
}
