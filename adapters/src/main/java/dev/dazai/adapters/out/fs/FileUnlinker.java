package dev.dazai.adapters.out.fs;

import dev.dazai.kernel.port.out.Unlinker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Removes the files that announce the daemon (pidfile, sockets). A missing file is fine: it may
 * never have been made, or someone removed it already. Every path is tried even if one fails.
 */
public final class FileUnlinker implements Unlinker {

    private final List<Path> paths;

    public FileUnlinker(Collection<Path> paths) {
        this.paths = new CopyOnWriteArrayList<>(paths);
    }

    /** Adds a path made after construction (a socket bound later). */
    public void add(Path path) {
        paths.add(path);
    }

    public List<Path> paths() {
        return List.copyOf(paths);
    }

    @Override
    public void unlink() {
        List<String> failures = new ArrayList<>();
        for (Path p : paths) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                failures.add(p + ": " + e.getMessage());
            }
        }
        if (!failures.isEmpty()) {
            throw new UncheckedIOException(new IOException("could not remove " + String.join("; ", failures)));
        }
    }
}
