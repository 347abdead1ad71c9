package dev.dazai.bench.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** What the numbers were measured on, read from /proc and the tools themselves. */
public record Machine(int cpus, String cpuModel, String kernel, String memory, String javaVersion, String gcc,
        String commit) {

    public static Machine read(Path java, String gcc) throws IOException, InterruptedException {
        String model = "?";
        for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
            if (line.startsWith("model name")) {
                model = line.substring(line.indexOf(':') + 1).strip();
                break;
            }
        }
        String mem = "?";
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (line.startsWith("MemTotal:")) {
                long kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
                mem = String.format("%.1f GiB", kb / 1024.0 / 1024.0);
                break;
            }
        }
        String kernel = Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
        String javaVersion = String.join("; ", output(List.of(java.toString(), "-version")));
        List<String> rev = output(List.of("git", "rev-parse", "--short", "HEAD"));
        return new Machine(Runtime.getRuntime().availableProcessors(), model, kernel, mem, javaVersion, gcc,
                rev.isEmpty() ? "?" : rev.get(0));
    }

    /** /proc/loadavg's first three fields. */
    public static String loadavg() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }

    private static List<String> output(List<String> cmd) throws InterruptedException {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            return out.lines().map(String::strip).filter(s -> !s.isEmpty()).toList();
        } catch (IOException e) {
            return List.of();
        }
    }
}
