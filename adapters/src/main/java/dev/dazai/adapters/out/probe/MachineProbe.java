package dev.dazai.adapters.out.probe;

import dev.dazai.adapters.nativ.Limits;
import dev.dazai.adapters.nativ.Native;
import dev.dazai.adapters.nativ.Sys;
import dev.dazai.adapters.out.memory.LockedBuffer;
import dev.dazai.adapters.out.memory.MemoryOptions;
import dev.dazai.adapters.out.memory.Protections;
import dev.dazai.adapters.out.pidfd.PidfdHolderKiller;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What this machine really gives a secret, found by trying it, for {@code dazai doctor}: the same
 * locked buffer the daemon allocates (and freed at once), the limits, the kernel's dump and ptrace
 * settings, swap, and whether consumers can be contained. Nothing is left changed: a test buffer
 * is closed, a test cgroup removed, the subreaper flag reset.
 */
public final class MachineProbe {

    /** PR_SET_CHILD_SUBREAPER; PR_GET is 37. */
    private static final int PR_SET_CHILD_SUBREAPER = 36;

    private final Path proc;
    private final Path sys;

    public MachineProbe() {
        this(Path.of("/proc"), Path.of("/sys"));
    }

    MachineProbe(Path proc, Path sys) {
        this.proc = proc;
        this.sys = sys;
    }

    /** The buffer the daemon would get for a page of secret, read back from smaps. */
    public record SecretMemory(String kind, Optional<String> secretMemRefusal, Optional<String> lockRefusal,
            Protections protections) {
    }

    public SecretMemory secretMemory() {
        try (LockedBuffer buffer = LockedBuffer.allocate(1, MemoryOptions.defaults())) {
            return new SecretMemory(buffer.kind(), buffer.secretMemRefusal(), buffer.lockRefusal(), buffer.protections());
        }
    }

    /** RLIMIT_MEMLOCK as this process has it (the daemon raises the soft limit to the hard one). */
    public Limits.Limit memlock() {
        return Limits.get(Sys.RLIMIT_MEMLOCK);
    }

    /** RLIMIT_CORE as this process has it (the daemon sets both to 0 itself). */
    public Limits.Limit coreLimit() {
        return Limits.get(Sys.RLIMIT_CORE);
    }

    /** kernel.core_pattern, or empty if it cannot be read. */
    public Optional<String> corePattern() {
        return read(proc.resolve("sys/kernel/core_pattern"));
    }

    /** fs.suid_dumpable: 0 keeps a non-dumpable process out of every dump; 1 and 2 do not. */
    public OptionalInt suidDumpable() {
        return number(proc.resolve("sys/fs/suid_dumpable"));
    }

    /** kernel.yama.ptrace_scope, or empty without Yama. */
    public OptionalInt ptraceScope() {
        return number(proc.resolve("sys/kernel/yama/ptrace_scope"));
    }

    /** The NoNewPrivs line of this process's status. */
    public boolean noNewPrivs() {
        return read(proc.resolve("self/status")).map(s -> s.lines().anyMatch(l -> l.matches("NoNewPrivs:\\s*1"))).orElse(false);
    }

    /** pidfd_open works here: kills reach only the registered process, never a recycled PID. */
    public boolean pidfd() {
        return PidfdHolderKiller.supported();
    }

    /** One line of /proc/swaps, and how it is kept from disk in the clear ("dm-crypt", "zram"), if it is. */
    public record Swap(String name, String type, Optional<String> protectedBy) {
    }

    public List<Swap> swaps() {
        List<Swap> swaps = new ArrayList<>();
        List<String> lines = read(proc.resolve("swaps")).map(s -> s.lines().toList()).orElse(List.of());
        for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 2) {
                continue;
            }
            // /proc/swaps escapes spaces in names as \040.
            String name = f[0].replace("\\040", " ");
            swaps.add(new Swap(name, f[1], protectedBy(Path.of(name), f[1])));
        }
        return swaps;
    }

    private Optional<String> protectedBy(Path swap, String type) {
        try {
            Optional<Path> device;
            if (type.equals("partition")) {
                device = Optional.of(sys.resolve("class/block").resolve(swap.toRealPath().getFileName().toString()));
            } else {
                // A swap file is as safe as the block device its file system lives on.
                long dev = ((Number) Files.getAttribute(swap, "unix:dev")).longValue();
                device = Optional.of(sys.resolve("dev/block").resolve(major(dev) + ":" + minor(dev)));
            }
            return device.flatMap(this::encryption);
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** "zram" for a compressed RAM disk, "dm-crypt" when the device or any device under it is a crypt target. */
    Optional<String> encryption(Path blockDevice) {
        String name = blockDevice.getFileName().toString();
        if (name.startsWith("zram")) {
            return Optional.of("zram");
        }
        try {
            Path real = blockDevice.toRealPath();
            if (read(real.resolve("dm/uuid")).map(u -> u.startsWith("CRYPT-")).orElse(false)) {
                return Optional.of("dm-crypt");
            }
            // LVM and the like list the devices they sit on in slaves/; a plain partition has none.
            Path slaves = real.resolve("slaves");
            if (Files.isDirectory(slaves)) {
                try (var entries = Files.list(slaves)) {
                    for (Path slave : entries.toList()) {
                        Optional<String> found = encryption(slave);
                        if (found.isPresent()) {
                            return found;
                        }
                    }
                }
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** glibc's gnu_dev_major/minor. */
    static long major(long dev) {
        return ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
    }

    static long minor(long dev) {
        return (dev & 0xff) | ((dev >>> 12) & ~0xffL);
    }

    /**
     * Whether consumers can be contained: the cgroup2 mount (from mountinfo), this process's cgroup
     * (the "0::" line), whether a child cgroup can be made there and has cgroup.kill, and else
     * whether this process may become a child subreaper.
     */
    public record Containment(Optional<Path> cgroup2, Optional<Path> ownCgroup, boolean childWithKill, String why,
            boolean subreaper) {
    }

    public Containment containment() {
        Optional<Path> mount = read(proc.resolve("self/mountinfo")).flatMap(MachineProbe::cgroup2Mount);
        Optional<Path> own = mount.flatMap(m -> read(proc.resolve("self/cgroup")).flatMap(c -> c.lines()
                .filter(l -> l.startsWith("0::")).findFirst()
                .map(l -> m.resolve(l.substring(3).replaceFirst("^/", "")))));
        boolean withKill = false;
        String why;
        if (mount.isEmpty()) {
            why = "no cgroup2 file system is mounted";
        } else if (own.isEmpty()) {
            why = "no 0:: line in /proc/self/cgroup";
        } else {
            Path child = own.get().resolve("dazai-doctor-" + ProcessHandle.current().pid());
            try {
                Files.createDirectory(child);
                try {
                    withKill = Files.exists(child.resolve("cgroup.kill"));
                    why = withKill ? "a child cgroup of " + own.get() + " has cgroup.kill"
                            : "a child cgroup has no cgroup.kill (Linux < 5.14)";
                } finally {
                    Files.deleteIfExists(child);
                }
            } catch (AccessDeniedException e) {
                why = own.get() + " is not delegated to this user";
            } catch (FileSystemException e) {
                why = "cannot make a child cgroup of " + own.get() + " (" + e.getReason() + ")";
            } catch (IOException e) {
                why = "cannot make a child cgroup of " + own.get() + " (" + e.getMessage() + ")";
            }
        }
        boolean subreaper = false;
        if (Native.isLinux()) {
            subreaper = Native.libc().prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0;
            Native.libc().prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
        }
        return new Containment(mount, own, withKill, why, subreaper);
    }

    /** The mount point of the (first) cgroup2 file system in a mountinfo text. */
    static Optional<Path> cgroup2Mount(String mountinfo) {
        for (String line : mountinfo.lines().toList()) {
            String[] f = line.split(" ");
            int dash = List.of(f).indexOf("-");
            if (dash > 0 && dash + 1 < f.length && f[dash + 1].equals("cgroup2")) {
                return Optional.of(Path.of(f[4].replace("\\040", " ")));
            }
        }
        return Optional.empty();
    }

    private static Optional<String> read(Path file) {
        try {
            return Optional.of(Files.readString(file).strip());
        } catch (IOException | SecurityException e) {
            return Optional.empty();
        }
    }

    private static OptionalInt number(Path file) {
        return read(file).map(s -> {
            try {
                return OptionalInt.of(Integer.parseInt(s.trim()));
            } catch (NumberFormatException e) {
                return OptionalInt.empty();
            }
        }).orElse(OptionalInt.empty());
    }
}
