package dev.dazai.adapters.out.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dazai.adapters.testing.ChildJvm;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * RLIMIT_MEMLOCK set from outside with {@code prlimit}, as an administrator would. Root's
 * CAP_IPC_LOCK ignores the limit, so as root the child also runs under {@code setpriv} with that
 * capability dropped: it then meets the limit like any user.
 */
class MemlockLimitTest {

    private static final byte[] SECRET = new byte[200];

    @BeforeAll
    static void tools() {
        assumeTrue(ChildJvm.onPath("prlimit"), "needs prlimit (util-linux)");
        assumeTrue(!ChildJvm.isRoot() || ChildJvm.onPath("setpriv"), "as root, needs setpriv (util-linux) to drop CAP_IPC_LOCK");
        new SecureRandom().nextBytes(SECRET);
    }

    private record Result(int exit, byte[] stdout, String stderr) {
    }

    private static Result run(String memlock, String mode) throws Exception {
        List<String> prefix = new ArrayList<>();
        if (ChildJvm.isRoot()) {
            prefix.addAll(List.of("setpriv", "--bounding-set=-ipc_lock", "--inh-caps=-ipc_lock"));
        }
        prefix.addAll(List.of("prlimit", "--memlock=" + memlock));
        Process p = ChildJvm.command(prefix, List.of(), MemlockChild.class, mode).start();
        CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
        p.getOutputStream().write(SECRET);
        p.getOutputStream().close();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child finished");
        return new Result(p.exitValue(), out.get(), new String(err.get(), StandardCharsets.UTF_8));
    }

    private static byte[] readAll(java.io.InputStream in) {
        try {
            return in.readAllBytes();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void withNoLockableMemoryItWarnsOnceAndStillWorks() throws Exception {
        Result r = run("0:0", "warn");
        assertEquals(0, r.exit(), r.stderr());
        assertEquals(1, r.stderr().split("WARNING secret memory is NOT locked", -1).length - 1, r.stderr());
        assertTrue(r.stderr().contains("RLIMIT_MEMLOCK soft 0 bytes, hard 0 bytes"), r.stderr());
        assertTrue(r.stderr().contains("KIND anonymous LOCKED false DONTDUMP true"), r.stderr());
        assertArrayEquals(SECRET, r.stdout(), "the secret went in and came back out");
    }

    @Test
    void withRequireLockItRefusesCleanly() throws Exception {
        Result r = run("0:0", "require");
        assertEquals(3, r.exit(), r.stderr());
        assertTrue(r.stderr().contains("dazai: cannot lock the secret's memory"), r.stderr());
        assertTrue(r.stderr().contains("--require-lock"), r.stderr());
        assertFalse(r.stderr().contains("Exception"), "one line for people, no stack trace: " + r.stderr());
        assertEquals(0, r.stdout().length);
    }

    @Test
    void aLowSoftLimitIsRaisedToTheHardOne() throws Exception {
        Result r = run("0:1048576", "require");
        assertEquals(0, r.exit(), r.stderr());
        assertFalse(r.stderr().contains("NOT locked"), r.stderr());
        assertTrue(r.stderr().contains("LOCKED true"), r.stderr());
        assertArrayEquals(SECRET, r.stdout());
    }
}
