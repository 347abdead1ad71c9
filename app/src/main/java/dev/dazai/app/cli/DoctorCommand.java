package dev.dazai.app.cli;

import dev.dazai.adapters.in.unixsocket.SocketDirectory;
import dev.dazai.adapters.nativ.Limits;
import dev.dazai.adapters.out.memory.MemoryOptions;
import dev.dazai.adapters.out.probe.MachineProbe;
import dev.dazai.app.client.Json;
import dev.dazai.app.daemon.FlightRecorderCheck;
import dev.dazai.app.daemon.Reexec;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code dazai doctor}: what this machine really gives the secret, and why not. Each check tries
 * the real thing where it can (the daemon's own locked buffer, a child cgroup, the subreaper flag)
 * and reads the rest from /proc; every line says what to do when it is weaker than it could be.
 */
@Command(name = "doctor", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Check what this machine gives the secret (memfd_secret, memory locking, core dumps, ptrace,"
                + " swap, consumer containment, the socket directory, the JVM), one line each with what to do.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:everything is as strong as dazai can make it here",
            "1:something is weaker than it could be (the WEAK lines say what to do)",
            "2:usage: bad option or argument",
        })
public final class DoctorCommand implements Callable<Integer> {

    @Mixin
    SocketDirOption where;

    @Option(names = "--json", description = "Print one JSON object: {\"checks\":[{\"check\",\"status\",\"found\",\"fix\"}…],"
            + " \"weak\":N}.")
    boolean json;

    /** How a check came out; only WEAK makes the exit status 1. */
    public enum Status {
        ok,
        weak,
        info
    }

    /** One line of the report: what was checked, how it came out, what was found, what to do (if anything). */
    public record Check(String name, Status status, String found, Optional<String> fix) {
    }

    @Override
    public Integer call() {
        List<Check> checks = checks(new MachineProbe());
        PrintStream out = System.out;
        out.print(json ? json(checks) + "\n" : text(checks));
        out.flush();
        return checks.stream().anyMatch(c -> c.status() == Status.weak) ? ExitCodes.REFUSED : ExitCodes.OK;
    }

    List<Check> checks(MachineProbe probe) {
        List<Check> checks = new ArrayList<>();
        Limits.Limit memlock = probe.memlock();
        MachineProbe.SecretMemory memory = probe.secretMemory();
        checks.add(secretMemory(memory));
        checks.add(locking(memory, memlock));
        checks.add(coreDumps(probe.corePattern(), probe.suidDumpable(), probe.coreLimit()));
        checks.add(ptrace(probe.ptraceScope()));
        checks.add(swap(probe.swaps()));
        checks.add(noNewPrivs(probe.noNewPrivs()));
        checks.add(containment(probe.containment()));
        checks.add(pidfd(probe.pidfd()));
        checks.add(socketDirectory(where.locations().socketDir()));
        checks.add(jvm());
        return checks;
    }

    static Check secretMemory(MachineProbe.SecretMemory m) {
        if (m.kind().equals("secretmem")) {
            return new Check("memfd_secret", Status.ok, "the secret's pages leave the kernel's direct map (memfd_secret)",
                    Optional.empty());
        }
        String why = m.secretMemRefusal().orElse("not tried");
        String fix;
        if (why.contains("ENOSYS")) {
            fix = "use a kernel with CONFIG_SECRETMEM (Linux 5.14 or later; on 5.14 to 6.4 boot with secretmem.enable=1)";
        } else if (why.contains("EPERM") || why.contains("EACCES")) {
            fix = "a seccomp filter or LSM forbids it: allow memfd_secret (systemd: SystemCallFilter=... memfd_secret)";
        } else if (why.contains("mmap") || why.contains("ENOMEM") || why.contains("EAGAIN")) {
            fix = "secretmem pages count as locked memory: raise RLIMIT_MEMLOCK (ulimit -l, LimitMEMLOCK=)";
        } else {
            fix = "see memfd_secret(2) for " + why;
        }
        return new Check("memfd_secret", Status.weak, "not available (" + why + "): the secret is in ordinary anonymous"
                + " memory, which the kernel can still read through its direct map", Optional.of(fix));
    }

    static Check locking(MachineProbe.SecretMemory m, Limits.Limit memlock) {
        String limits = "RLIMIT_MEMLOCK soft " + Limits.describe(memlock.soft()) + ", hard " + Limits.describe(memlock.hard());
        if (!m.protections().locked()) {
            return new Check("memlock", Status.weak, "a test page could not be locked (" + m.lockRefusal().orElse("refused")
                    + "); " + limits + ": the secret may be swapped out",
                    Optional.of("raise the hard RLIMIT_MEMLOCK (limits.conf memlock, systemd LimitMEMLOCK=), or run"
                            + " the daemon with --require-lock to refuse rather than warn"));
        }
        long needed = MemoryOptions.DEFAULT_MAX_BYTES;
        if (memlock.hard() != Limits.INFINITY && memlock.hard() < needed) {
            return new Check("memlock", Status.weak, "a test page was locked, but " + limits + ": secrets over "
                    + memlock.hard() / 1024 + " KiB cannot be locked",
                    Optional.of("raise the hard RLIMIT_MEMLOCK to at least " + needed / 1024 + " KiB"));
        }
        return new Check("memlock", Status.ok, "a test page was locked and left out of dumps; " + limits, Optional.empty());
    }

    static Check coreDumps(Optional<String> pattern, OptionalInt suidDumpable, Limits.Limit core) {
        String found = "core_pattern " + pattern.map(p -> "'" + p + "'").orElse("unreadable")
                + ", fs.suid_dumpable " + (suidDumpable.isPresent() ? suidDumpable.getAsInt() : "unreadable")
                + ", RLIMIT_CORE here " + Limits.describe(core.soft()) + "/" + Limits.describe(core.hard())
                + "; the daemon makes itself non-dumpable and sets RLIMIT_CORE 0";
        if (suidDumpable.isPresent() && suidDumpable.getAsInt() == 0) {
            return new Check("core dumps", Status.ok, found, Optional.empty());
        }
        return new Check("core dumps", Status.weak, found + ", but with fs.suid_dumpable "
                + (suidDumpable.isPresent() ? suidDumpable.getAsInt() : "unknown")
                + " the kernel still dumps a non-dumpable process (the secret's own pages stay out of it)",
                Optional.of("sysctl -w fs.suid_dumpable=0 (and in /etc/sysctl.d to keep it)"));
    }

    static Check ptrace(OptionalInt scope) {
        if (scope.isEmpty()) {
            return new Check("ptrace", Status.weak, "no Yama LSM: any process of yours may ptrace the holders"
                    + " (not the daemon, which is non-dumpable)",
                    Optional.of("a kernel with Yama (CONFIG_SECURITY_YAMA), then kernel.yama.ptrace_scope=1"));
        }
        int s = scope.getAsInt();
        if (s == 0) {
            return new Check("ptrace", Status.weak, "kernel.yama.ptrace_scope 0: any process of yours may ptrace the"
                    + " holders that read the secret (not the daemon, which is non-dumpable)",
                    Optional.of("sysctl -w kernel.yama.ptrace_scope=1 (and in /etc/sysctl.d to keep it)"));
        }
        String what = switch (s) {
            case 1 -> "only a parent may ptrace its descendants";
            case 2 -> "only root may ptrace";
            default -> "no process may ptrace";
        };
        return new Check("ptrace", Status.ok, "kernel.yama.ptrace_scope " + s + ": " + what, Optional.empty());
    }

    static Check swap(List<MachineProbe.Swap> swaps) {
        if (swaps.isEmpty()) {
            return new Check("swap", Status.ok, "no swap", Optional.empty());
        }
        List<String> plain = new ArrayList<>();
        List<String> safe = new ArrayList<>();
        for (MachineProbe.Swap s : swaps) {
            if (s.protectedBy().isPresent()) {
                safe.add(s.name() + " (" + s.protectedBy().get() + ")");
            } else {
                plain.add(s.name());
            }
        }
        if (plain.isEmpty()) {
            return new Check("swap", Status.ok, "swap only on " + String.join(", ", safe), Optional.empty());
        }
        return new Check("swap", Status.weak, "unencrypted swap on " + String.join(", ", plain) + ": the secret's pages"
                + " are locked, but copies in holders and the JVM's heap may be written there",
                Optional.of("encrypt swap (dm-crypt, e.g. a random-key cryptswap) or swap to zram, or swapoff"));
    }

    static Check noNewPrivs(boolean set) {
        return new Check("no_new_privs", Status.info, set
                ? "set: this process and its children cannot gain privileges by exec (as under the systemd unit)"
                : "not set: a setuid program a holder runs could gain privileges (the systemd unit sets NoNewPrivileges=yes)",
                Optional.empty());
    }

    static Check containment(MachineProbe.Containment c) {
        if (c.childWithKill()) {
            return new Check("containment", Status.ok, "consumers can be put in a cgroup of their own and ended with"
                    + " cgroup.kill: " + c.why(), Optional.empty());
        }
        Optional<String> fix = Optional.of("run the daemon as the systemd user service (Delegate=yes) or as root, so it"
                + " has a cgroup subtree of its own");
        if (c.subreaper()) {
            return new Check("containment", Status.weak, "no cgroup for consumers (" + c.why() + "): they are caught"
                    + " as a child subreaper only, which a descendant leaves by being reparented elsewhere", fix);
        }
        return new Check("containment", Status.weak, "neither a cgroup (" + c.why() + ") nor a child subreaper:"
                + " a consumer's descendants can escape the kill", fix);
    }

    static Check pidfd(boolean supported) {
        return supported
                ? new Check("pidfd", Status.ok, "pidfd_open works: a kill reaches only the process registered, never one"
                        + " that reused its PID", Optional.empty())
                : new Check("pidfd", Status.weak, "no pidfd_open: kills fall back to kill(2) after a start-time check,"
                        + " which leaves a small window for a reused PID", Optional.of("Linux 5.3 or later"));
    }

    static Check socketDirectory(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        int longest = abs.resolve(SocketDirectory.HEARTBEAT_SOCKET).toString().getBytes(StandardCharsets.UTF_8).length;
        Optional<String> pass = Optional.of("remove it, or pass --socket-dir (or set DAZAI_SOCKET_DIR) to a directory of yours");
        if (longest > SocketDirectory.MAX_SOCKET_PATH_BYTES) {
            return new Check("socket dir", Status.weak, abs + " is too long for a UNIX socket path ("
                    + longest + " > " + SocketDirectory.MAX_SOCKET_PATH_BYTES + " bytes)",
                    Optional.of("pass a shorter --socket-dir"));
        }
        PosixFileAttributes a;
        try {
            a = Files.readAttributes(abs, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            Path parent = abs.getParent();
            return parent != null && Files.isDirectory(parent) && Files.isWritable(parent)
                    ? new Check("socket dir", Status.ok, abs + " does not exist yet; the daemon makes it 0700", Optional.empty())
                    : new Check("socket dir", Status.weak, abs + " does not exist and its parent is not writable",
                            Optional.of("pass --socket-dir to a directory of yours"));
        }
        if (a.isSymbolicLink() || !a.isDirectory()) {
            return new Check("socket dir", Status.weak, abs + " is " + (a.isSymbolicLink() ? "a symbolic link" : "not a directory")
                    + "; the daemon refuses it", pass);
        }
        long owner;
        try {
            owner = ((Number) Files.getAttribute(abs, "unix:uid", LinkOption.NOFOLLOW_LINKS)).longValue();
        } catch (IOException | UnsupportedOperationException e) {
            owner = -1;
        }
        if (owner != Locations.uid()) {
            return new Check("socket dir", Status.weak, abs + " belongs to uid " + owner + ", not you; the daemon refuses it", pass);
        }
        if (a.permissions().stream().anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))) {
            return new Check("socket dir", Status.weak, abs + " has mode " + mode(a) + ": others can reach it; the daemon"
                    + " refuses it", Optional.of("chmod 700 " + abs + " if nothing got in, else remove it"));
        }
        boolean live = Files.exists(abs.resolve(SocketDirectory.CONTROL_SOCKET), LinkOption.NOFOLLOW_LINKS);
        return new Check("socket dir", Status.ok, abs + " is yours and 0700" + (live ? "; a control socket is there" : ""),
                Optional.empty());
    }

    private static String mode(PosixFileAttributes a) {
        int m = 0;
        for (PosixFilePermission p : a.permissions()) {
            m |= 1 << (8 - p.ordinal());
        }
        return String.format("%04o", m);
    }

    static Check jvm() {
        String version = "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")";
        if (FlightRecorderCheck.configured()) {
            return new Check("jvm", Status.weak, version + " with Java Flight Recorder on: the daemon refuses to start",
                    Optional.of("remove -XX:StartFlightRecording from the JVM's options (JAVA_TOOL_OPTIONS, JDK_JAVA_OPTIONS)"));
        }
        List<String> missing = Reexec.missingFlags();
        if (missing.isEmpty()) {
            return new Check("jvm", Status.ok, version + ", with the hardening flags (no attach, no perf data, no core or"
                    + " crash file)", Optional.empty());
        }
        return new Check("jvm", Status.info, version + ", started without " + String.join(" ", missing)
                + ": the daemon re-execs itself with them; bin/dazai starts it with them", Optional.empty());
    }

    static String text(List<Check> checks) {
        StringBuilder sb = new StringBuilder();
        for (Check c : checks) {
            sb.append(String.format("%-5s %-13s %s", c.status() == Status.weak ? "WEAK" : c.status().name(), c.name(), c.found()));
            c.fix().ifPresent(f -> sb.append("; ").append(f));
            sb.append('\n');
        }
        long weak = checks.stream().filter(c -> c.status() == Status.weak).count();
        sb.append(weak == 0 ? "dazai doctor: nothing weaker than it could be\n"
                : "dazai doctor: " + weak + " weaker than it could be; the WEAK lines say what to do\n");
        return sb.toString();
    }

    static String json(List<Check> checks) {
        StringBuilder sb = new StringBuilder("{\"checks\":[");
        for (int i = 0; i < checks.size(); i++) {
            Check c = checks.get(i);
            sb.append(i == 0 ? "" : ",").append("{\"check\":");
            Json.quote(sb, c.name());
            sb.append(",\"status\":");
            Json.quote(sb, c.status().name());
            sb.append(",\"found\":");
            Json.quote(sb, c.found());
            sb.append(",\"fix\":");
            if (c.fix().isPresent()) {
                Json.quote(sb, c.fix().get());
            } else {
                sb.append("null");
            }
            sb.append('}');
        }
        return sb.append("],\"weak\":").append(checks.stream().filter(c -> c.status() == Status.weak).count()).append('}')
                .toString();
    }
}
