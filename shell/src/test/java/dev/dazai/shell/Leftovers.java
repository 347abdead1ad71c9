package dev.dazai.shell;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Finds every process a test left behind, however it was detached (setsid, reparented to init),
 * by the test's own temp directory in its environment: each test gives its shell and daemon a HOME
 * of their own, and every child inherits it.
 */
final class Leftovers {

    private Leftovers() {
    }

    /** PIDs (other than this JVM) whose environment mentions {@code dir}. */
    static List<Long> mentioning(Path dir) {
        byte[] needle = dir.toString().getBytes(StandardCharsets.UTF_8);
        long self = ProcessHandle.current().pid();
        List<Long> found = new ArrayList<>();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path p : procs) {
                long pid = Long.parseLong(p.getFileName().toString());
                if (pid != self && contains(readEnviron(p), needle)) {
                    found.add(pid);
                }
            }
        } catch (IOException e) {
            // No /proc (not Linux): nothing to find this way.
        }
        return found;
    }

    /** SIGKILLs them all and waits (bounded) until they are gone. */
    static void kill(Path dir) {
        List<ProcessHandle> handles = new ArrayList<>();
        for (long pid : mentioning(dir)) {
            Optional<ProcessHandle> h = ProcessHandle.of(pid);
            h.ifPresent(ph -> {
                ph.destroyForcibly();
                handles.add(ph);
            });
        }
        for (ProcessHandle h : handles) {
            try {
                h.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                // A zombie whose parent is gone is init's to reap; nothing more to do from here.
            }
        }
    }

    private static byte[] readEnviron(Path proc) {
        try {
            return Files.readAllBytes(proc.resolve("environ"));
        } catch (IOException e) {
            return new byte[0];
        }
    }

    private static boolean contains(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
