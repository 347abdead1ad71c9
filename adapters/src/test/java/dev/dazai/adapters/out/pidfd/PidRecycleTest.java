package dev.dazai.adapters.out.pidfd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dazai.adapters.testing.ChildJvm;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * PID recycling on purpose, in a PID namespace of our own so {@code ns_last_pid} can steer it:
 * the pidfd spares the innocent process that took the holder's number, and raw kill(pid) — the
 * race this adapter exists to close — kills it.
 */
class PidRecycleTest {

    @BeforeAll
    static void rootAndUnshare() {
        assumeTrue(ChildJvm.isRoot(), "needs root: a new PID namespace and writing ns_last_pid need CAP_SYS_ADMIN");
        assumeTrue(ChildJvm.onPath("unshare"), "needs unshare (util-linux)");
        assumeTrue(PidfdHolderKiller.supported(), "needs pidfd_open (Linux >= 5.3)");
    }

    private static String run(String mode) throws Exception {
        Process p = ChildJvm.command(List.of("unshare", "-p", "-f", "--mount-proc"), List.of(), PidRecycleChild.class, mode)
                .start();
        p.getOutputStream().close();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        String out = read(p.getInputStream());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child finished");
        assertEquals(0, p.exitValue(), out + err.get());
        assertTrue(out.contains("RECYCLED "), "the PID was handed to the innocent: " + out + err.get());
        return out;
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void thePidfdSparesTheProcessThatReusedTheHoldersPid() throws Exception {
        String out = run("pidfd");
        assertTrue(out.contains("kind=GONE"), "the holder is reported gone: " + out);
        assertTrue(out.contains("INNOCENT alive"), out);
    }

    @Test
    void rawKillByNumberKillsTheInnocent() throws Exception {
        String out = run("raw");
        assertTrue(out.contains("INNOCENT dead"), "this is the race pidfds close: " + out);
    }
}
