package dev.dazai.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dazai.kernel.domain.Mode;
import dev.dazai.kernel.port.in.Registry.RegistryAnswer;
import dev.dazai.kernel.port.in.Status.SecretEntry;
import dev.dazai.kernel.port.out.Pin;
import dev.dazai.kernel.port.out.SecretSink;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Named secrets and the programs that receive them: pinned first, given the secret second, killed whole. */
class ConsumersTest {

    private Rig rig;

    @AfterEach
    void noInvariantBroken() {
        if (rig != null) {
            rig.settle();
            assertEquals(List.of(), Invariants.all(rig.dms.config().mode(), rig.journal));
            assertEquals(0, rig.dms.deniedCount(), "machine refused a step: " + rig.journal);
            rig.close();
        }
    }

    private RegistryAnswer add(String name, long bytes) {
        CompletableFuture<RegistryAnswer> answer = new CompletableFuture<>();
        rig.dms.ownerAddsSecret(rig.new FakeSecret(name, bytes), answer::complete);
        return answer.join();
    }

    private RegistryAnswer remove(String name) {
        CompletableFuture<RegistryAnswer> answer = new CompletableFuture<>();
        rig.dms.ownerRemovesSecret(name, answer::complete);
        return answer.join();
    }

    private RegistryAnswer run(long pid, String name) {
        CompletableFuture<RegistryAnswer> answer = new CompletableFuture<>();
        rig.dms.consumerStarts(Pin.of(pid, OptionalLong.empty()), name, new Sink(pid), answer::complete);
        return answer.join();
    }

    @Test
    void secretsAreListedByNameAndSizeNeverBytes() {
        rig = Rig.waiting(Mode.Armed, 1_000);
        assertTrue(add("db", 16).ok());
        assertEquals(List.of(new SecretEntry("default", 32), new SecretEntry("db", 16)), rig.dms.status().secrets());
        assertEquals(48, rig.dms.status().secretBytes());
        assertTrue(remove("db").ok());
        assertEquals(List.of(new SecretEntry("default", 32)), rig.dms.status().secrets());
        assertFalse(remove("db").ok());
    }

    @Test
    void aNameIsHeldOnceAndTheRefusedCopyIsWiped() {
        rig = Rig.waiting(Mode.Armed, 1_000);
        assertTrue(add("db", 16).ok());
        Rig.FakeSecret second = rig.new FakeSecret("db", 8);
        CompletableFuture<RegistryAnswer> answer = new CompletableFuture<>();
        rig.dms.ownerAddsSecret(second, answer::complete);
        assertFalse(answer.join().ok());
        assertEquals(0, second.size(), "the refused copy was left in memory");
    }

    @Test
    void aSecretAddedAfterTheFireIsRefusedAndWiped() {
        rig = Rig.waiting(Mode.DryRun, 0);
        rig.dms.ownerPanicsHard("SIGUSR2");
        rig.settle();
        Rig.FakeSecret late = rig.new FakeSecret("late", 8);
        CompletableFuture<RegistryAnswer> answer = new CompletableFuture<>();
        rig.dms.ownerAddsSecret(late, answer::complete);
        assertFalse(answer.join().ok());
        assertEquals(0, late.size());
    }

    @Test
    void theSequenceWipesEveryNamedSecret() {
        rig = Rig.waiting(Mode.Armed, 0);
        Rig.FakeSecret db = rig.new FakeSecret("db", 16);
        rig.dms.ownerAddsSecret(db, a -> { });
        rig.dms.ownerPanicsHard("SIGUSR2");
        rig.settle();
        assertEquals(0, db.size());
        assertEquals(0, rig.memory.size());
    }

    @Test
    void aConsumerIsPinnedWholeBeforeItGetsTheSecret() {
        rig = Rig.waiting(Mode.Armed, 1_000);
        assertTrue(add("db", 16).ok());
        assertTrue(run(55, "db").ok());
        assertEquals(List.of("load", "register 55 tree", "deliver db to sink of 55"), rig.calls);
        rig.dms.ownerPanicsHard("SIGUSR2");
        rig.settle();
        assertEquals(List.of("load", "register 55 tree", "deliver db to sink of 55", "kill 55", "wipe", "unlink", "die"),
                rig.calls);
    }

    @Test
    void nothingIsDeliveredForAnUnknownNameAProcessThatCannotBePinnedOrAfterTheFire() {
        rig = Rig.waiting(Mode.DryRun, 0);
        assertFalse(run(55, "nope").ok());
        assertFalse(run(-1, "default").ok());
        rig.dms.ownerPanicsHard("SIGUSR2");
        rig.settle();
        assertFalse(run(56, "default").ok());
        assertTrue(rig.callsStartingWith("deliver").isEmpty(), rig.calls.toString());
    }

    @Test
    void aConsumerCannotBeUnregisteredNorRegisteredOver() {
        rig = Rig.waiting(Mode.Armed, 1_000);
        assertTrue(run(55, "default").ok());
        assertFalse(rig.unregister(55).ok(), "a consumer left the kill list");
        assertFalse(rig.register(55).ok(), "a second REGISTER turned a tree back into one process");
        rig.dms.ownerPanicsHard("SIGUSR2");
        rig.settle();
        assertTrue(rig.calls.contains("kill 55"), rig.calls.toString());
    }

    /** A consumer's sink, named for the calls log. */
    private record Sink(long pid) implements SecretSink {
        @Override
        public String toString() {
            return "sink of " + pid;
        }
    }
}
