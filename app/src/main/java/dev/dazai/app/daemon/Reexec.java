package dev.dazai.app.daemon;

import com.sun.management.HotSpotDiagnosticMXBean;
import dev.dazai.adapters.out.process.Hardening;
import com.sun.management.VMOption;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;

/**
 * Puts the daemon's JVM under the flags DESIGN.md asks for (Process hardening): no attach
 * mechanism (no jcmd, jmap or agent can ask it for a heap dump), no perf-data file, no hs_err
 * report or core file on a crash. Flags cannot be turned on from inside a running JVM, so a daemon
 * started without them re-execs itself in place: {@code execv("/proc/self/exe")} with the same
 * argv plus the flags, which keeps the PID (a supervisor or test that started it is still its
 * parent) and the inherited descriptors (stdin, --secret-fd). It runs before any secret exists.
 *
 * <p>If the exec fails (no /proc, a seccomp filter, a JVM that ignores the flags), the daemon warns
 * and goes on unhardened rather than refusing to start: the secret's own pages are still locked
 * and left out of dumps by the memory adapter, so what is lost is defence in depth, not the wipe.
 */
public final class Reexec {

    /**
     * The flags, in the form the launcher takes; the one list every way of starting the daemon
     * uses. ErrorFile=/dev/null: the report goes nowhere (checked on JDK 17 and 25).
     *
     * <p>The last three bound memory. The daemon keeps nothing large in its heap (the secret is
     * never there; its live set is about 8 MB), but a default heap may grow to a quarter of RAM,
     * and the collector spreads garbage over it before collecting: 3,000 junk connections grew
     * RSS by 312 MiB without a cap and by 7 to 11 MiB with these (MemoryBoundIT, JDK 17 and 25).
     * Metaspace holds about 14 MB and the code cache about 9 MB after warm-up, so their caps
     * leave room four times over. Thread stacks are left at their default: they are reserved, not
     * touched, and the daemon runs about 21 threads. The collector is not chosen here, since a
     * second one given by the user would stop the JVM from starting at all.
     */
    public static final List<String> FLAGS = List.of(
            "-XX:+DisableAttachMechanism",
            "-XX:-UsePerfData",
            "-XX:-CreateCoredumpOnCrash",
            "-XX:ErrorFile=/dev/null",
            "-Xmx64m",
            "-XX:MaxMetaspaceSize=64m",
            "-XX:ReservedCodeCacheSize=32m");

    /** Set on the re-exec'd command line so a JVM that ignored the flags is not exec'd forever. */
    static final String MARKER_PROPERTY = "dazai.reexec";

    /** Flags that are sizes: a JVM already started with less of them has what the flag asks for. */
    private static final List<String> SIZES = List.of("MaxHeapSize", "MaxMetaspaceSize", "ReservedCodeCacheSize");

    /** What {@link #ensureHardened()} found; it does not return at all when the exec succeeds. */
    public record Outcome(boolean hardened, boolean reexeced, String warning) {
    }

    public Reexec() {
    }

    /** Returns when the JVM already runs with the flags, or when re-exec was impossible (with a warning). */
    public Outcome ensureHardened() {
        List<String> missing = missingFlags();
        boolean reexeced = System.getProperty(MARKER_PROPERTY) != null;
        if (missing.isEmpty()) {
            if (reexeced) {
                removeStalePerfData();
            }
            return new Outcome(true, reexeced, null);
        }
        if (reexeced) {
            return new Outcome(false, true, "the JVM ignored " + String.join(" ", missing)
                    + " after re-exec; running without them");
        }
        List<String> argv;
        try {
            argv = withFlags(currentArgv());
        } catch (IOException e) {
            return new Outcome(false, false, "cannot read /proc/self/cmdline (" + e.getMessage()
                    + ") to re-exec with " + String.join(" ", missing) + "; running without them");
        }
        System.out.flush();
        System.err.flush();
        // no_new_privs is per thread and survives exec: set on this thread now, the JVM that the
        // exec starts has it on every thread it ever makes (Hardening explains why that matters).
        new Hardening().forbidNewPrivileges();
        POSIX posix = POSIXFactory.getNativePOSIX();
        posix.execv("/proc/self/exe", argv.toArray(new String[0]));
        // Only a failed exec gets here.
        return new Outcome(false, false, "re-exec with " + String.join(" ", missing) + " failed (errno "
                + posix.errno() + "); running without them: attach and hs_err stay possible");
    }

    /** The flags this JVM does not have, read from the VM itself (JAVA_TOOL_OPTIONS and @argfiles count). */
    public static List<String> missingFlags() {
        List<String> missing = new ArrayList<>();
        HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        for (String flag : FLAGS) {
            String name = flagName(flag);
            String want = flagValue(flag);
            String have;
            try {
                VMOption option = vm.getVMOption(name);
                have = option.getValue();
            } catch (IllegalArgumentException notAnOption) {
                have = null;
            }
            if (!satisfied(name, want, have)) {
                missing.add(flag);
            }
        }
        return missing;
    }

    static boolean satisfied(String name, String want, String have) {
        if (have == null) {
            return false;
        }
        if (SIZES.contains(name)) {
            try {
                return Long.parseLong(have) <= Long.parseLong(want);
            } catch (NumberFormatException e) {
                return false;
            }
        }
        return want.equals(have);
    }

    /** "-XX:+Name", "-XX:-Name", "-XX:Name=value" → "Name"; "-Xmx…" → "MaxHeapSize". */
    static String flagName(String flag) {
        if (flag.startsWith("-Xmx")) {
            return "MaxHeapSize";
        }
        String rest = flag.substring("-XX:".length());
        if (rest.startsWith("+") || rest.startsWith("-")) {
            rest = rest.substring(1);
        }
        int eq = rest.indexOf('=');
        return eq < 0 ? rest : rest.substring(0, eq);
    }

    /** The value the VM reports for the flag: "true"/"false", the text after "=", or a size in bytes. */
    static String flagValue(String flag) {
        if (flag.startsWith("-Xmx")) {
            return Long.toString(bytes(flag.substring("-Xmx".length())));
        }
        if (flag.startsWith("-XX:+") || flag.startsWith("-XX:-")) {
            return Boolean.toString(flag.charAt(4) == '+');
        }
        String value = flag.substring(flag.indexOf('=') + 1);
        return SIZES.contains(flagName(flag)) ? Long.toString(bytes(value)) : value;
    }

    /** "64m" → 67108864, as the launcher reads a size (k, m, g; either case). */
    static long bytes(String size) {
        char unit = Character.toLowerCase(size.charAt(size.length() - 1));
        int shift = unit == 'k' ? 10 : unit == 'm' ? 20 : unit == 'g' ? 30 : 0;
        String digits = shift == 0 ? size : size.substring(0, size.length() - 1);
        return Long.parseLong(digits) << shift;
    }

    /** argv as the kernel holds it: the launcher's own arguments, not the JVM's view of them. */
    static List<String> currentArgv() throws IOException {
        byte[] raw = Files.readAllBytes(Path.of("/proc/self/cmdline"));
        List<String> argv = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == 0) {
                argv.add(new String(raw, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        if (start < raw.length) {
            argv.add(new String(raw, start, raw.length - start, StandardCharsets.UTF_8));
        }
        if (argv.isEmpty()) {
            throw new IOException("empty command line");
        }
        return argv;
    }

    /** JVM options go before -jar/-cp, so right after argv[0] is always a valid place. */
    static List<String> withFlags(List<String> argv) {
        return withFlags(argv, Runtime.version().feature());
    }

    static List<String> withFlags(List<String> argv, int javaFeature) {
        List<String> out = new ArrayList<>(argv.size() + FLAGS.size() + 3);
        out.add(argv.get(0));
        out.addAll(FLAGS);
        out.addAll(quietFlags(javaFeature));
        out.add("-D" + MARKER_PROPERTY + "=1");
        out.addAll(argv.subList(1, argv.size()));
        return out;
    }

    /**
     * The flags bin/dazai starts every JVM with (lib/dazai/jvm.options, written at build time by
     * dev.dazai.app.dist.LauncherFiles), so a daemon started through it finds nothing missing and
     * never re-execs.
     */
    public static List<String> hardeningFlags() {
        return FLAGS;
    }

    /**
     * Native access and sun.misc.Unsafe each print a warning block on stderr from Java 24 on, and
     * stderr is the journal (one JSON object a line with --log-format json). jnr needs the first;
     * the second covers any library on the class path besides jffi (see Main). Unknown options
     * before Java 23, so given only from there on.
     */
    public static List<String> quietFlags(int javaFeature) {
        return javaFeature >= 23
                ? List.of("--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow")
                : List.of();
    }

    /**
     * The JVM before the exec made a perf-data file named after our PID and never got to remove
     * it; left there, jps would list a JVM that cannot be attached to.
     */
    private static void removeStalePerfData() {
        Path file = Path.of(System.getProperty("java.io.tmpdir"), "hsperfdata_" + System.getProperty("user.name"),
                Long.toString(ProcessHandle.current().pid()));
        try {
            Files.deleteIfExists(file);
        } catch (IOException | SecurityException e) {
            // Harmless leftover; the next JVM with this PID overwrites it.
        }
    }
}
