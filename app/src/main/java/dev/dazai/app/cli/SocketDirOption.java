package dev.dazai.app.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --socket-dir}, shared by the daemon and every client so both look in the same place. */
public final class SocketDirOption {

    @Option(names = "--socket-dir", paramLabel = "DIR",
            description = "Directory of heartbeat.sock and control.sock, made 0700."
                    + "%n  Default: $DAZAI_SOCKET_DIR, else $XDG_RUNTIME_DIR/dazai, else /tmp/dazai-$UID.")
    Path socketDir;

    public Locations locations() {
        return Locations.of(socketDir, null);
    }

    public Locations locations(Path pidfile) {
        return Locations.of(socketDir, pidfile);
    }
}
