package dev.dazai.kernel;

import dev.dazai.kernel.domain.FireGate;
import dev.dazai.kernel.port.in.Registry.RegistryAnswer;
import dev.dazai.kernel.port.in.Status;
import dev.dazai.kernel.port.out.Journal;
import dev.dazai.kernel.port.out.JournalEntry;
import dev.dazai.kernel.port.out.JournalEntry.Kind;
import dev.dazai.kernel.port.out.Pin;
import dev.dazai.kernel.port.out.Secret;
import dev.dazai.kernel.port.out.SecretMemory;
import dev.dazai.kernel.port.out.SecretSink;
import java.util.List;
import java.util.Optional;

/**
 * The spec's secret and consumer actions, on the kernel thread. The memory port makes its wipe
 * final (nothing adopted after it is kept), so a secret that arrives as the sequence wipes is
 * either wiped with the rest or refused and wiped here: never held by a daemon about to die.
 */
final class NamedSecrets {

    private static final String TOO_LATE = "the switch has already fired or stopped";

    private final SecretMemory memory;
    private final Holders holders;
    private final FireGate gate;
    private final Journal journal;

    NamedSecrets(SecretMemory memory, Holders holders, FireGate gate, Journal journal) {
        this.memory = memory;
        this.holders = holders;
        this.gate = gate;
        this.journal = journal;
    }

    /** OwnerAddsSecret. */
    RegistryAnswer ownerAddsSecret(Secret secret) {
        if (gate.isTerminal()) {
            secret.wipe();
            return RegistryAnswer.refused(TOO_LATE);
        }
        if (!memory.adopt(secret)) {
            secret.wipe();
            return RegistryAnswer.refused(gate.isTerminal() ? TOO_LATE
                    : "a secret named " + secret.name() + " is held already; remove it first");
        }
        record(Kind.LOADED, secret.size() + " bytes as " + secret.name());
        return RegistryAnswer.OK;
    }

    /** OwnerRemovesSecret. */
    RegistryAnswer ownerRemovesSecret(String name) {
        if (gate.isTerminal()) {
            return RegistryAnswer.refused(TOO_LATE);
        }
        if (!memory.remove(name)) {
            return RegistryAnswer.refused("no secret named " + name);
        }
        record(Kind.WIPED, "secret " + name + " (removed)");
        return RegistryAnswer.OK;
    }

    /** ConsumerStarts: the named secret, if held, to a process pinned first. */
    RegistryAnswer consumerStarts(Pin consumer, String name, SecretSink sink) {
        Optional<Secret> secret = memory.secrets().stream().filter(s -> s.name().equals(name)).findFirst();
        if (secret.isEmpty()) {
            return RegistryAnswer.refused(gate.isTerminal() ? TOO_LATE : "no secret named " + name);
        }
        return holders.consumerStarts(consumer, secret.get(), sink);
    }

    /** Names and sizes, for STATUS. */
    List<Status.SecretEntry> entries() {
        return memory.secrets().stream().map(s -> new Status.SecretEntry(s.name(), s.size())).toList();
    }

    /** Bytes held in every secret. */
    long bytes() {
        long sum = 0;
        for (Secret s : memory.secrets()) {
            sum += s.size();
        }
        return sum;
    }

    private void record(Kind kind, String detail) {
        journal.record(JournalEntry.of(kind, detail));
    }
}
