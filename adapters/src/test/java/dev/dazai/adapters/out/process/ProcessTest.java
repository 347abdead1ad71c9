package dev.dazai.adapters.out.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dazai.adapters.testing.ChildJvm;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Hardening and the two ways to end, each in a child JVM (both are one-way streets). */
class ProcessTest {

    private record Result(int exit, String out) {
    }

    private static Result run(String... args) throws Exception {
        Process p = ChildJvm.command(ProcessChild.class, args).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new Result(p.exitValue(), out);
    }

    @Test
    void hardeningTurnsOffDumpsAndCoreFiles() throws Exception {
        Result r = run("harden");
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("DUMPABLE_BEFORE true"), r.out());
        assertTrue(r.out().contains("DISABLE_DUMPS true"), r.out());
        assertTrue(r.out().contains("DUMPABLE_AFTER false"), r.out());
        assertTrue(r.out().contains("NO_CORE_FILES true"), r.out());
        assertTrue(r.out().matches("(?s).*Max core file size\\s+0\\s+0\\s+bytes.*"), r.out());
        assertTrue(r.out().contains("SMAPS_READABLE true"), "the daemon can still read its own smaps: " + r.out());
    }

    @Test
    void dieFlushesTheJournalThenSigkillsWithNoHook() throws Exception {
        Result r = run("die");
        assertEquals(137, r.exit(), r.out());
        assertTrue(r.out().contains("WIPED 32 bytes"), r.out());
        assertFalse(r.out().contains("HOOK RAN"), r.out());
        assertFalse(r.out().contains("STILL HERE"), r.out());
    }

    @Test
    void exitHaltsWithTheStatusAndNoHook() throws Exception {
        Result r = run("exit", "7");
        assertEquals(7, r.exit(), r.out());
        assertTrue(r.out().contains("WIPED 32 bytes"), r.out());
        assertFalse(r.out().contains("HOOK RAN"), r.out());
        assertFalse(r.out().contains("STILL HERE"), r.out());
    }

    @Test
    void exitSaysItsLastWordsAfterTheJournal() throws Exception {
        Result r = run("exit", "3", "dazai: socket directory is not ours; pass --socket-dir");
        assertEquals(3, r.exit(), r.out());
        int wiped = r.out().indexOf("WIPED 32 bytes");
        int words = r.out().indexOf("dazai: socket directory is not ours; pass --socket-dir\n");
        assertTrue(wiped >= 0 && words > wiped, "the line for people comes last: " + r.out());
        assertFalse(r.out().contains("HOOK RAN"), r.out());
    }
}
