package dev.dazai.app.hostile;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Looks for a secret's bytes in a core file or in a live process's memory. The secret is cut into
 * 16-byte pieces and every piece is looked for on its own, so a partial copy (a prefix in a
 * buffer, a tail in a register spill) is found too; a whole copy is four pieces in a row. Files
 * and memory are streamed through one 8 MiB buffer: cores run to gigabytes and never enter the heap.
 */
final class MemoryScan {

    static final int PIECE = 16;
    private static final int WINDOW = 8 << 20;
    private static final int PAGE = 4096;

    /** One piece of the secret found: where (file or mapping), at which offset or address, which piece. */
    record Hit(String where, long at, int piece) {
    }

    /** One line of /proc/PID/maps, with its VmFlags from smaps. */
    record Mapping(long start, long end, String perms, String name, Set<String> flags) {
        long size() {
            return end - start;
        }

        String describe() {
            return String.format("%x-%x %s %s", start, end, perms, name.isEmpty() ? "[anon]" : name);
        }
    }

    /** What a process scan saw: hits, bytes read, and the mappings (or pages) the kernel would not let us read. */
    record ProcessScan(List<Hit> hits, long bytesRead, long bytesUnreadable, List<String> unreadable, List<Mapping> maps) {
        /** Mappings holding a hit. */
        List<Mapping> mappingsWithHits() {
            List<Mapping> with = new ArrayList<>();
            for (Mapping m : maps) {
                if (hits.stream().anyMatch(h -> h.at() >= m.start() && h.at() < m.end())) {
                    with.add(m);
                }
            }
            return with;
        }
    }

    private final byte[][] pieces;
    /** For each byte value, a bit per piece that starts with it: most positions are rejected with one lookup. */
    private final int[] firstByte = new int[256];

    MemoryScan(byte[] secret) {
        if (secret.length % PIECE != 0 || secret.length == 0 || secret.length / PIECE > 31) {
            throw new IllegalArgumentException("secret must be 16..496 bytes, a multiple of 16: " + secret.length);
        }
        pieces = new byte[secret.length / PIECE][];
        for (int i = 0; i < pieces.length; i++) {
            pieces[i] = Arrays.copyOfRange(secret, i * PIECE, (i + 1) * PIECE);
            firstByte[pieces[i][0] & 0xff] |= 1 << i;
        }
    }

    int pieceCount() {
        return pieces.length;
    }

    /** Every piece found anywhere in {@code file}, streamed. */
    List<Hit> scanFile(Path file) throws IOException {
        List<Hit> hits = new ArrayList<>();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            Stream s = new Stream(file.getFileName().toString(), 0, hits);
            ByteBuffer buf = ByteBuffer.allocate(WINDOW);
            long pos = 0;
            while (true) {
                buf.clear();
                int n = ch.read(buf, pos);
                if (n < 0) {
                    break;
                }
                s.feed(buf.array(), n);
                pos += n;
            }
        }
        return hits.stream().distinct().toList();
    }

    /**
     * Reads every mapping of a live process through /proc/PID/mem (as root, dumpable or not) and
     * looks for the pieces. Pages the kernel refuses (memfd_secret's, [vvar]) are counted, not
     * skipped silently. PROT_NONE pages are read too: /proc/PID/mem reads past page protections.
     */
    ProcessScan scanProcess(long pid) throws IOException {
        List<Mapping> maps = mappings(pid);
        List<Hit> hits = new ArrayList<>();
        List<String> unreadable = new ArrayList<>();
        long read = 0;
        long refused = 0;
        ByteBuffer buf = ByteBuffer.allocate(WINDOW);
        try (FileChannel mem = FileChannel.open(Path.of("/proc", Long.toString(pid), "mem"), StandardOpenOption.READ)) {
            for (Mapping m : maps) {
                if (m.start() < 0) {
                    // [vsyscall] sits above 2^63; FileChannel positions are signed, and it is the same page in every process.
                    continue;
                }
                Stream s = new Stream(m.describe(), m.start(), hits);
                long refusedHere = 0;
                for (long at = m.start(); at < m.end(); ) {
                    int len = (int) Math.min(WINDOW, m.end() - at);
                    buf.clear().limit(len);
                    int n;
                    try {
                        n = mem.read(buf, at);
                    } catch (IOException e) {
                        n = -1;
                    }
                    if (n > 0) {
                        s.feed(buf.array(), n);
                        read += n;
                        at += n;
                    } else {
                        // One page refused: note it, restart the stream after it so no match straddles the hole.
                        refusedHere += PAGE;
                        at += PAGE;
                        s = new Stream(m.describe(), at, hits);
                    }
                }
                if (refusedHere > 0) {
                    unreadable.add(m.describe() + " (" + refusedHere / 1024 + " KiB refused)");
                    refused += refusedHere;
                }
            }
        }
        return new ProcessScan(hits.stream().distinct().toList(), read, refused, unreadable, maps);
    }

    /** /proc/PID/maps with each mapping's VmFlags (dd = left out of dumps, lo = locked). */
    static List<Mapping> mappings(long pid) throws IOException {
        List<Mapping> maps = new ArrayList<>();
        Mapping last = null;
        List<String> flags = null;
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "smaps"))) {
            if (line.startsWith("VmFlags:")) {
                if (last != null) {
                    maps.add(new Mapping(last.start(), last.end(), last.perms(), last.name(),
                            Set.of(line.substring("VmFlags:".length()).trim().split("\\s+"))));
                    last = null;
                }
                continue;
            }
            int dash = line.indexOf('-');
            int space = line.indexOf(' ');
            if (dash <= 0 || space <= dash || !isHex(line.substring(0, dash))) {
                continue;
            }
            if (last != null) {
                maps.add(last);
            }
            String[] f = line.trim().split("\\s+", 6);
            last = new Mapping(Long.parseUnsignedLong(f[0].substring(0, dash), 16),
                    Long.parseUnsignedLong(f[0].substring(dash + 1), 16), f[1], f.length > 5 ? f[5] : "", Set.of());
        }
        if (last != null) {
            maps.add(last);
        }
        return maps;
    }

    private static boolean isHex(String s) {
        return !s.isEmpty() && s.chars().allMatch(c -> Character.digit(c, 16) >= 0);
    }

    /** Whole copies: all pieces in a row, in one file or mapping. */
    List<Hit> wholeCopies(List<Hit> hits) {
        List<Hit> whole = new ArrayList<>();
        for (Hit first : hits) {
            if (first.piece() != 0) {
                continue;
            }
            boolean all = true;
            for (int k = 1; k < pieces.length && all; k++) {
                long want = first.at() + (long) k * PIECE;
                int piece = k;
                all = hits.stream().anyMatch(h -> h.piece() == piece && h.at() == want && h.where().equals(first.where()));
            }
            if (all) {
                whole.add(first);
            }
        }
        return whole;
    }

    /**
     * A contiguous byte stream fed in windows. The last 15 bytes of each window are carried into
     * the next, so a piece that straddles two windows is found, and found once.
     */
    private final class Stream {
        private final String where;
        private final List<Hit> hits;
        private final byte[] carry = new byte[PIECE - 1];
        private int carried;
        /** Address (or file offset) of the first byte not yet fed. */
        private long next;

        Stream(String where, long start, List<Hit> hits) {
            this.where = where;
            this.next = start;
            this.hits = hits;
        }

        void feed(byte[] data, int n) {
            // Matches that start in the carried tail and end in the new data.
            if (carried > 0) {
                byte[] seam = new byte[carried + Math.min(n, PIECE - 1)];
                System.arraycopy(carry, 0, seam, 0, carried);
                System.arraycopy(data, 0, seam, carried, seam.length - carried);
                search(seam, 0, carried, next - carried);
            }
            search(data, 0, n - PIECE + 1, next);
            if (n >= PIECE - 1) {
                System.arraycopy(data, n - (PIECE - 1), carry, 0, PIECE - 1);
                carried = PIECE - 1;
            } else {
                byte[] joined = new byte[carried + n];
                System.arraycopy(carry, 0, joined, 0, carried);
                System.arraycopy(data, 0, joined, carried, n);
                carried = Math.min(PIECE - 1, joined.length);
                System.arraycopy(joined, joined.length - carried, carry, 0, carried);
            }
            next += n;
        }

        /** Looks for pieces starting at positions [from, to) of {@code a}; {@code base} is the address of a[0]. */
        private void search(byte[] a, int from, int to, long base) {
            int limit = Math.min(to, a.length - PIECE + 1);
            for (int i = from; i < limit; i++) {
                int candidates = firstByte[a[i] & 0xff];
                while (candidates != 0) {
                    int k = Integer.numberOfTrailingZeros(candidates);
                    candidates &= candidates - 1;
                    if (Arrays.equals(a, i, i + PIECE, pieces[k], 0, PIECE)) {
                        hits.add(new Hit(where, base + i, k));
                    }
                }
            }
        }
    }
}
