package dev.dazai.bench.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The C programs of bench/src/main/c, compiled with gcc in the same run that uses them. The load
 * program (it forks the holders) is linked statically if the C library allows it: its forks are
 * then cheaper, which matters when every trial of a scenario forks 1,000 of them.
 */
public record NativeTools(Path floor, Path killFloor, Path load, boolean staticLoad, String gccVersion) {

    public static NativeTools build(Path sources, Path out) throws IOException, InterruptedException {
        Files.createDirectories(out);
        Path floor = out.resolve("floor");
        Path killFloor = out.resolve("killfloor");
        Path load = out.resolve("load");
        gcc(sources.resolve("floor.c"), floor, false);
        gcc(sources.resolve("killfloor.c"), killFloor, false);
        boolean staticLoad = true;
        try {
            gcc(sources.resolve("load.c"), load, true);
        } catch (IOException noStaticLibc) {
            staticLoad = false;
            gcc(sources.resolve("load.c"), load, false);
        }
        return new NativeTools(floor, killFloor, load, staticLoad, firstLine(List.of("gcc", "--version")));
    }

    private static void gcc(Path source, Path binary, boolean linkStatic) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("gcc", "-O2", "-Wall", "-Wextra", "-Werror"));
        if (linkStatic) {
            cmd.add("-static");
        }
        cmd.addAll(List.of("-o", binary.toString(), source.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
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
