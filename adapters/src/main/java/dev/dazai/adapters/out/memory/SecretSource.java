package dev.dazai.adapters.out.memory;

import java.nio.file.Path;
import java.util.Objects;

/** Where the secret comes from: one of the CLI's secret options. */
public sealed interface SecretSource {

    /** An inherited descriptor: stdin ({@code --secret-stdin}) or {@code --secret-fd N}. Read to EOF, not closed. */
    record FromFd(int fd) implements SecretSource {
        public FromFd {
            if (fd < 0) {
                throw new IllegalArgumentException("fd must be >= 0: " + fd);
            }
        }
    }

    /** {@code --secret-file F}: opened with open(2), read to EOF, closed. */
    record FromFile(Path path) implements SecretSource {
        public FromFile {
            Objects.requireNonNull(path, "path");
        }
    }

    /** {@code --generate N}, and the rehearsal default: N random bytes from getrandom(2). */
    record Generated(int bytes) implements SecretSource {
        public Generated {
            if (bytes <= 0) {
                throw new IllegalArgumentException("bytes must be positive: " + bytes);
            }
        }
    }

    /** {@code --no-secret}: the daemon starts empty and takes its secrets by {@code dazai add}. */
    record Nothing() implements SecretSource {
    }
}
