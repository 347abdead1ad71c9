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
