package dev.dazai.bench.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The two C programs of bench/src/main/c, compiled with gcc in the same run that uses them. */
public record NativeTools(Path floor, Path load, String gccVersion) {

    public static NativeTools build(Path sources, Path out) throws IOException, InterruptedException {
        Files.createDirectories(out);
        Path floor = out.resolve("floor");
        Path load = out.resolve("load");
        gcc(sources.resolve("floor.c"), floor);
        gcc(sources.resolve("load.c"), load);
        return new NativeTools(floor, load, firstLine(List.of("gcc", "--version")));
    }

    private static void gcc(Path source, Path binary) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("gcc", "-O2", "-Wall", "-Wextra", "-Werror", "-o", binary.toString(),
                source.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException("gcc " + source + " failed:\n" + out);
        }
    }

    static String firstLine(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        int nl = out.indexOf('\n');
        return (nl < 0 ? out : out.substring(0, nl)).strip();
    }
}
