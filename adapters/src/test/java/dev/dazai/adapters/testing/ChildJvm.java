package dev.dazai.adapters.testing;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Starts a JVM like this one, with this test classpath, to run a test's tiny main class. */
public final class ChildJvm {

    private ChildJvm() {
    }

    /** {@code prefix} runs first (prlimit, setpriv, unshare ...), then java, the JVM options, the main class and its args. */
    public static ProcessBuilder command(List<String> prefix, List<String> jvmOptions, Class<?> main, String... args) {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xshare:auto");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-Xmx64m");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd);
    }

    public static ProcessBuilder command(Class<?> main, String... args) {
        return command(List.of(), List.of(), main, args);
    }

    /**
     * A prefix that starts the child with signals 32 and 33 at SIG_DFL, as a shell's fork and exec
     * would: glibc's posix_spawn, which ProcessBuilder uses, leaves those two (glibc's own, below
     * its SIGRTMIN) ignored in the child, and ignored survives exec. glibc's sigaction refuses
     * them, so perl makes the raw rt_sigaction call, then execs. Empty without perl, or on a CPU
     * whose rt_sigaction number is not known here.
     */
    public static java.util.Optional<List<String>> defaultDispositions() {
        String arch = System.getProperty("os.arch");
        int rtSigaction = arch.equals("amd64") || arch.equals("x86_64") ? 13 : arch.equals("aarch64") ? 134 : -1;
        if (rtSigaction < 0 || !onPath("perl")) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(List.of("perl", "-e", "for my $s (32, 33) { my $act = pack('Q4', 0, 0, 0, 0);"
                + " syscall(" + rtSigaction + ", $s, $act, 0, 8) == 0 or die \"rt_sigaction($s): $!\\n\" }"
                + " exec {$ARGV[0]} @ARGV or die \"exec $ARGV[0]: $!\\n\"", "--"));
    }

    /** True if {@code tool} is an executable on PATH. */
    public static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            if (new File(dir, tool).canExecute()) {
                return true;
            }
        }
        return false;
    }

    /** Effective uid 0, read from /proc/self/status. */
    public static boolean isRoot() {
        try {
            for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[2].equals("0");
                }
            }
            return false;
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
