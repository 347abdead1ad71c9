package dev.dazai.app.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where the daemon's files live (DESIGN.md, Wire protocol): {@code $DAZAI_SOCKET_DIR} if set,
 * else {@code $XDG_RUNTIME_DIR/dazai/} if that is yours, else {@code /tmp/dazai-$UID/}, holding
 * {@code heartbeat.sock}, {@code control.sock}, the {@code sessions/} directory and, unless
 * {@code --pidfile} says otherwise, {@code dazai.pid}. The daemon and every client compute the
 * same defaults, so a bare {@code dazai status} finds a bare {@code dazai}.
 */
public record Locations(Path socketDir, Path pidfile) {

    public static final String HEARTBEAT_SOCKET = "heartbeat.sock";
    public static final String CONTROL_SOCKET = "control.sock";
    public static final String PIDFILE = "dazai.pid";

    /** Fills the defaults for whatever was not given (either may be null). */
    public static Locations of(Path socketDir, Path pidfile) {
        Path dir = socketDir != null ? socketDir : defaultSocketDir(System.getenv());
        Path pid = pidfile != null ? pidfile : dir.resolve(PIDFILE);
        return new Locations(dir.toAbsolutePath().normalize(), pid.toAbsolutePath().normalize());
    }

    public Path heartbeatSocket() {
        return socketDir.resolve(HEARTBEAT_SOCKET);
    }

    public Path controlSocket() {
        return socketDir.resolve(CONTROL_SOCKET);
    }

    /**
     * $DAZAI_SOCKET_DIR (the shell integration exports it, as ssh-agent does SSH_AUTH_SOCK), else
     * DESIGN.md's rule. shell/dazai.bash and shell/dazai.zsh compute the same directory at every
     * shell start, so each test here has its twin there (SocketDirAgreementTest runs both):
     * <ul>
     *   <li>{@code DAZAI_SOCKET_DIR} set and not empty: that directory;</li>
     *   <li>{@code XDG_RUNTIME_DIR} an absolute path to a directory owned by this uid (links
     *       followed, as bash's {@code -d} and {@code -O} do): {@code $XDG_RUNTIME_DIR/dazai};</li>
     *   <li>anything else (unset, empty, relative, missing after {@code su} or in a container, a
     *       file, someone else's): {@code /tmp/dazai-$UID}.</li>
     * </ul>
     */
    static Path defaultSocketDir(Map<String, String> env) {
        return defaultSocketDir(env, uid());
    }

    static Path defaultSocketDir(Map<String, String> env, long uid) {
        String own = env.get("DAZAI_SOCKET_DIR");
        if (own != null && !own.isEmpty()) {
            return Path.of(own);
        }
        String xdg = env.get("XDG_RUNTIME_DIR");
        if (xdg != null && xdg.startsWith("/") && ownedDirectory(Path.of(xdg), uid)) {
            return Path.of(xdg, "dazai");
        }
        return Path.of("/tmp", "dazai-" + uid);
    }

    private static boolean ownedDirectory(Path dir, long uid) {
        try {
            return Files.isDirectory(dir) && ((Number) Files.getAttribute(dir, "unix:uid")).longValue() == uid;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | SecurityException e) {
            return false;
        }
    }

    /**
     * This process's uid without loading native code: /proc/self belongs to the process's uid.
     * Clients start in a fraction of a second partly because they never load jnr.
     */
    public static long uid() {
        try {
            return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue();
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            String user = System.getProperty("user.name", "user");
            return user.hashCode() & 0x7fffffffL;
        }
    }
}
