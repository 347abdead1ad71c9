package dev.dazai.app.daemon;

import com.sun.management.HotSpotDiagnosticMXBean;
import com.sun.management.VMOption;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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

    /** The flags, in the form the launcher takes. ErrorFile=/dev/null: the report goes nowhere (checked on JDK 17 and 25). */
    static final List<String> FLAGS = List.of(
            "-XX:+DisableAttachMechanism",
            "-XX:-UsePerfData",
            "-XX:-CreateCoredumpOnCrash",
            "-XX:ErrorFile=/dev/null");

    /** Set on the re-exec'd command line so a JVM that ignored the flags is not exec'd forever. */
    static final String MARKER_PROPERTY = "dazai.reexec";

    private static final Map<String, String> WANTED = Map.of(
            "DisableAttachMechanism", "true",
            "UsePerfData", "false",
            "CreateCoredumpOnCrash", "false",
            "ErrorFile", "/dev/null");

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
        POSIX posix = POSIXFactory.getNativePOSIX();
        posix.execv("/proc/self/exe", argv.toArray(new String[0]));
        // Only a failed exec gets here.
        return new Outcome(false, false, "re-exec with " + String.join(" ", missing) + " failed (errno "
                + posix.errno() + "); running without them: attach and hs_err stay possible");
    }

    /** The flags this JVM does not have, read from the VM itself (JAVA_TOOL_OPTIONS and @argfiles count). */
    static List<String> missingFlags() {
        List<String> missing = new ArrayList<>();
        HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        for (String flag : FLAGS) {
            String name = flagName(flag);
            String want = WANTED.get(name);
            String have;
            try {
                VMOption option = vm.getVMOption(name);
                have = option.getValue();
            } catch (IllegalArgumentException notAnOption) {
                have = null;
            }
            if (!want.equals(have)) {
                missing.add(flag);
            }
        }
        return missing;
    }

    /** "-XX:+Name", "-XX:-Name", "-XX:Name=value" → "Name". */
    static String flagName(String flag) {
        String rest = flag.substring("-XX:".length());
        if (rest.startsWith("+") || rest.startsWith("-")) {
            rest = rest.substring(1);
        }
        int eq = rest.indexOf('=');
        return eq < 0 ? rest : rest.substring(0, eq);
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
        if (javaFeature >= 23) {
            // Native access and sun.misc.Unsafe each print a warning block on stderr from Java 24 on,
            // and stderr is the journal (one JSON object a line with --log-format json). jnr needs the
            // first; the second covers any library on the class path besides jffi (see Main).
            out.add("--enable-native-access=ALL-UNNAMED");
            out.add("--sun-misc-unsafe-memory-access=allow");
        }
        out.add("-D" + MARKER_PROPERTY + "=1");
        out.addAll(argv.subList(1, argv.size()));
        return out;
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
