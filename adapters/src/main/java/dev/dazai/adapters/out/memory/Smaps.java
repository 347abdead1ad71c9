package dev.dazai.adapters.out.memory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A reader of {@code /proc/self/smaps}: what the kernel says about each mapping. */
final class Smaps {

    private static final Pattern HEADER =
            Pattern.compile("^([0-9a-f]+)-([0-9a-f]+) (\\S{4}) \\S+ \\S+ \\S+\\s*(.*)$");

    private Smaps() {
    }

    /** One mapping: [start, end), its permissions ("rw-s"), name, VmFlags and Locked kB. */
    record Mapping(long start, long end, String perms, String name, Set<String> flags, long lockedKb) {
        boolean contains(long address) {
            return Long.compareUnsigned(address, start) >= 0 && Long.compareUnsigned(address, end) < 0;
        }

        boolean noAccess() {
            return perms.startsWith("---");
        }
    }

    static List<Mapping> read() {
        List<String> lines;
        try {
            lines = Files.readAllLines(Path.of("/proc/self/smaps"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Mapping> out = new ArrayList<>();
        long start = 0;
        long end = 0;
        String perms = null;
        String name = "";
        long lockedKb = 0;
        for (String line : lines) {
            Matcher m = HEADER.matcher(line);
            if (m.matches()) {
                start = Long.parseUnsignedLong(m.group(1), 16);
                end = Long.parseUnsignedLong(m.group(2), 16);
                perms = m.group(3);
                name = m.group(4).trim();
                lockedKb = 0;
            } else if (line.startsWith("Locked:")) {
                lockedKb = Long.parseLong(line.substring(7).replace("kB", "").trim());
            } else if (line.startsWith("VmFlags:") && perms != null) {
                Set<String> flags = Set.of(line.substring(8).trim().split("\\s+"));
                out.add(new Mapping(start, end, perms, name, flags, lockedKb));
                perms = null;
            }
        }
        return out;
    }

    static Optional<Mapping> containing(List<Mapping> maps, long address) {
        return maps.stream().filter(m -> m.contains(address)).findFirst();
    }

    /** VmLck from /proc/self/status, in kB. */
    static long vmLockedKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmLck:")) {
                    return Long.parseLong(line.substring(6).replace("kB", "").trim());
                }
            }
            return 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
