package dev.dazai.app.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Another user on the same machine, and the traps they can set before the daemon starts. The
 * intruder is {@code nobody} (uid 65534): once as a plain user, whom the 0700 directory stops, and
 * once with CAP_DAC_OVERRIDE as an ambient capability, who walks past every file mode and leaves
 * only the daemon's SO_PEERCRED check to stop it. The daemon is armed, so a command that got
 * through would be a real one.
 */
class IntrudersIT {

    private static final String NOBODY = "nobody";
    private static final int NOBODY_UID = 65534;

    @TempDir
    Path tmp;

    private Lab lab;

    @BeforeAll
    static void rootAndTools() {
        assumeTrue(Host.isRoot(), "needs root: to run clients as another uid and to chown");
        assumeTrue(Host.onPath("socat"), "needs socat (apt-get install socat; .ci/run does)");
        assumeTrue(Host.onPath("runuser") && Host.onPath("setpriv"), "needs runuser and setpriv (util-linux)");
    }

    @BeforeEach
    void setUp() throws IOException {
        lab = new Lab(tmp);
        // The test's home is 0700 by default; open it so the daemon's own directory is the only wall.
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @AfterEach
    void tearDown() {
        lab.close();
    }

    private TargetDaemon armed(String name) throws IOException {
        return lab.daemon(name).arm().grace(600).start();
    }

    /** socat as {@code nobody}, optionally with CAP_DAC_OVERRIDE; its stdout, stderr and exit. */
    private static Host.Run intrude(Path socket, String input, boolean pastFileModes) throws Exception {
        List<String> cmd = new ArrayList<>();
        if (pastFileModes) {
            cmd.addAll(List.of("setpriv", "--reuid=" + NOBODY_UID, "--regid=" + NOBODY_UID, "--clear-groups",
                    "--inh-caps=+dac_override", "--ambient-caps=+dac_override"));
        } else {
            cmd.addAll(List.of("runuser", "-u", NOBODY, "--"));
        }
        cmd.addAll(List.of("sh", "-c", "printf '" + input + "' | socat -t 3 - UNIX-CONNECT:" + socket));
        return Host.run(Duration.ofSeconds(60), cmd);
    }

    private static void assertUntouched(TargetDaemon d) throws IOException {
        assertTrue(d.alive(), "the daemon is alive:\n" + d.log());
        String status = d.status();
        assertEquals("Waiting", Host.jsonField(status, "state"), status);
        assertEquals("null", Host.jsonField(status, "heartbeat_pid"), status);
        String log = d.log();
        for (String never : List.of("ATTACHED", "TRIGGER", "GRACE_START", "FIRE", "REGISTERED", "WIPED")) {
            assertFalse(log.contains(never), never + " after an intruder:\n" + log);
        }
    }

    // ---- other uids ----------------------------------------------------------------------------

    @Test
    void anotherUidCannotReachEitherSocketThroughTheDirectory() throws Exception {
        TargetDaemon d = armed("plain");
        int refused = 0;
        for (Path socket : List.of(d.heartbeatSocket(), d.controlSocket())) {
            for (String input : List.of("HELLO 1\\nPING\\n", "PANIC HARD\\n", "STATUS\\n", "REGISTER 1\\n")) {
                Host.Run r = intrude(socket, input, false);
                assertEquals("", r.stdout(), "nothing comes back to another uid");
                assertTrue(r.stderr().contains("Permission denied"), "the 0700 directory stops it: " + r.stderr());
                refused++;
            }
        }
        System.out.printf("FIGURE intruders.directory refused=%d%n", refused);
        assertUntouched(d);
    }

    @Test
    void anotherUidPastTheFileModesIsClosedWithoutAWordAndLogged() throws Exception {
        TargetDaemon d = armed("dac");
        int refused = 0;
        for (Path socket : List.of(d.heartbeatSocket(), d.controlSocket())) {
            for (String input : List.of("HELLO 1\\nPING\\n", "HELLO 1\\nCANCEL\\nQUIT\\n", "PANIC HARD\\n", "PANIC\\n",
                    "STATUS\\n", "REGISTER 1\\n", "SIGNALS\\n")) {
                Host.Run r = intrude(socket, input, true);
                assertEquals("", r.stdout(), "closed without a word: " + socket + " " + input);
                assertFalse(r.stderr().contains("Permission denied"), "it did get past the file modes: " + r.stderr());
                refused++;
            }
        }
        d.awaitLog("refused peer uid " + NOBODY_UID + " .* on " + java.util.regex.Pattern.quote(d.controlSocket().toString()));
        long logged = d.log().lines().filter(l -> l.contains("refused peer uid " + NOBODY_UID)).count();
        System.out.printf("FIGURE intruders.peercred refused=%d logged=%d%n", refused, logged);
        assertEquals(refused, logged, "every refusal is in the journal:\n" + d.log());
        assertUntouched(d);
    }

    // ---- modes -------------------------------------------------------------------------------

    /** A careless admin's umask 000: the modes must not depend on it. */
    private TargetDaemon underUmask000(String name) throws IOException {
        return lab.daemon(name).arm().grace(600).wrappedIn(List.of("sh", "-c", "umask 000; exec \"$0\" \"$@\"")).start();
    }

    @Test
    void theDirectoryIs0700AndTheSocketsAre0600EvenUnderAWideOpenUmask() throws Exception {
        TargetDaemon d = underUmask000("umask");
        long uid = Host.uid(d.pid()).orElseThrow();
        assertEquals("rwx------", mode(d.socketDir()), "socket directory");
        assertEquals(uid, owner(d.socketDir()), "owned by the daemon's uid");
        for (Path socket : List.of(d.heartbeatSocket(), d.controlSocket())) {
            assertTrue(isSocket(socket), socket + " is a socket");
            assertEquals("rw-------", mode(socket), socket.toString());
            assertEquals(uid, owner(socket));
        }
        System.out.printf("FIGURE intruders.modes dir=%s sockets=%s%n", mode(d.socketDir()), mode(d.heartbeatSocket()));
    }

    /**
     * The pidfile says which process to signal; if others can write it, they choose what a script
     * that runs {@code kill $(cat dazai.pid)} kills. Inside the 0700 directory nobody else can reach
     * it, but {@code --pidfile} may put it anywhere, so its own mode must not come from the umask.
     */
    @Test
    void thePidfileIsNotWritableByOthersEvenUnderAWideOpenUmask() throws Exception {
        TargetDaemon d = underUmask000("umask-pidfile");
        String pidfileMode = mode(d.pidfile());
        System.out.printf("FIGURE intruders.pidfile-mode %s%n", pidfileMode);
        assertFalse(pidfileMode.charAt(4) == 'w' || pidfileMode.charAt(7) == 'w',
                "the pidfile is writable by group or others: " + pidfileMode);
    }

    // ---- traps set before the daemon starts ----------------------------------------------------

    /** Starts a daemon expected to refuse: exit 3 and one line on stderr. Returns that stderr. */
    private String refusedStart(TargetDaemon.Builder b) throws Exception {
        TargetDaemon d = b.launch();
        assertTrue(d.process().waitFor(Host.LIVENESS.toSeconds(), TimeUnit.SECONDS), "the daemon should refuse, not run");
        String err = d.log();
        assertEquals(3, d.process().exitValue(), "exit 3, environment:\n" + err);
        List<String> lines = err.lines().filter(l -> l.startsWith("dazai:")).toList();
        assertEquals(1, lines.size(), "one line that says what is wrong:\n" + err);
        return lines.get(0);
    }

    @Test
    void aSymlinkPlantedAtTheSocketDirectoryIsRefusedNotFollowed() throws Exception {
        Path elsewhere = Files.createDirectory(tmp.resolve("elsewhere"));
        Files.setPosixFilePermissions(elsewhere, PosixFilePermissions.fromString("rwx------"));
        Path planted = tmp.resolve("planted");
        Files.createSymbolicLink(planted, elsewhere);

        String why = refusedStart(lab.daemon("symlink-dir").arm().socketDir(planted));

        System.out.printf("FIGURE intruders.symlink-dir refused: %s%n", why);
        assertTrue(why.contains("symbolic link"), why);
        assertEquals(List.of(), list(elsewhere), "nothing was created through the link");
        assertTrue(Files.isSymbolicLink(planted), "the link is left as it was");
    }

    @Test
    void aSocketDirectoryOwnedByAnotherUidIsRefused() throws Exception {
        Path foreign = Files.createDirectory(tmp.resolve("foreign"));
        Files.setPosixFilePermissions(foreign, PosixFilePermissions.fromString("rwx------"));
        Files.setOwner(foreign, lookup(NOBODY));

        String why = refusedStart(lab.daemon("foreign-dir").arm().socketDir(foreign));

        System.out.printf("FIGURE intruders.foreign-dir refused: %s%n", why);
        assertTrue(why.contains("owned by uid " + NOBODY_UID), why);
        assertEquals(List.of(), list(foreign), "nothing was created in it");
    }

    @Test
    void aSocketDirectoryOpenToOthersIsRefused() throws Exception {
        Path open = Files.createDirectory(tmp.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));

        String why = refusedStart(lab.daemon("open-dir").arm().socketDir(open));

        System.out.printf("FIGURE intruders.open-dir refused: %s%n", why);
        assertTrue(why.contains("0777"), why);
        assertEquals(List.of(), list(open));
    }

    @Test
    void aSymlinkPlantedAtASocketPathIsRefusedNotFollowed() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("own"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        Path victim = Files.writeString(tmp.resolve("victim"), "precious\n");
        Files.createSymbolicLink(dir.resolve("heartbeat.sock"), victim);

        String why = refusedStart(lab.daemon("symlink-sock").arm().socketDir(dir));

        System.out.printf("FIGURE intruders.symlink-socket refused: %s%n", why);
        assertTrue(why.contains("not a socket"), why);
        assertEquals("precious\n", Files.readString(victim), "the link's target is untouched");
        assertTrue(Files.isSymbolicLink(dir.resolve("heartbeat.sock")), "the link is left as it was");
    }

    /**
     * A pidfile in a directory another user can write to (a careless admin's shared run
     * directory): that user plants symbolic links at the names the daemon will write through.
     * The daemon writes its pidfile via a temporary file {@code .NAME.PID.tmp}, and the PID is
     * easy to guess (the next ones the kernel hands out, or the new java process seen in /proc).
     * Whatever the daemon does, it must not write through the link into the file it points at.
     */
    @Test
    void symlinksPlantedAtThePidfilesTemporaryNameAreNotFollowed() throws Exception {
        Path shared = Files.createDirectory(tmp.resolve("shared-run"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path victim = Files.writeString(tmp.resolve("victim"), "precious\n");
        Path pidfile = shared.resolve("dazai.pid");
        // The next PIDs, planted ahead (by one process: planting must not use them up).
        long last = Long.parseLong(Files.readString(Path.of("/proc/sys/kernel/ns_last_pid")).strip());
        for (long pid = last + 1; pid <= last + 400; pid++) {
            plant(shared.resolve(".dazai.pid." + pid + ".tmp"), victim);
        }

        TargetDaemon d = lab.daemon("pidfile-trap").arm().grace(600).pidfile(pidfile).launch();
        // Or planted the moment its PID is known, a second before it gets to the pidfile.
        Path trap = shared.resolve(".dazai.pid." + d.pid() + ".tmp");
        boolean plantedAhead = Files.exists(trap, LinkOption.NOFOLLOW_LINKS);
        boolean tooLate = !plantedAhead && Files.exists(pidfile, LinkOption.NOFOLLOW_LINKS);
        if (!plantedAhead) {
            plant(trap, victim);
        }
        assumeFalse(tooLate, "inconclusive: the daemon wrote its pidfile before the trap was set");
        Host.eventually("the daemon ready or refused", () -> !d.process().isAlive()
                || Files.exists(pidfile, LinkOption.NOFOLLOW_LINKS));

        String content = Files.readString(victim);
        System.out.printf("FIGURE intruders.pidfile-trap victim=%s pidfileIsLink=%s alive=%s%n",
                content.strip(), Files.isSymbolicLink(pidfile), d.process().isAlive());
        assertEquals("precious\n", content, "the daemon (root) wrote its PID through a planted link into another file");
        assertFalse(Files.isSymbolicLink(pidfile), "the pidfile is a planted link: " + pidfile);
    }

    // ---- plumbing ----------------------------------------------------------------------------

    /** A link owned by the intruder, as if they had made it. */
    private static void plant(Path link, Path target) throws IOException {
        Files.createSymbolicLink(link, target);
        Files.setAttribute(link, "posix:owner", lookup(NOBODY), LinkOption.NOFOLLOW_LINKS);
    }

    private static UserPrincipal lookup(String user) throws IOException {
        return Path.of("/").getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(user);
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }

    private static int owner(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    }

    private static boolean isSocket(Path p) throws IOException {
        return ((Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 0170000) == 0140000;
    }

    private static List<String> list(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
