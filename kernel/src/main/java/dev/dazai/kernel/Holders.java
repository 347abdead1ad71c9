package dev.dazai.kernel;

import dev.dazai.kernel.domain.FireGate;
import dev.dazai.kernel.port.in.Registry.RegistryAnswer;
import dev.dazai.kernel.port.out.Holder;
import dev.dazai.kernel.port.out.HolderKiller;
import dev.dazai.kernel.port.out.Journal;
import dev.dazai.kernel.port.out.JournalEntry;
import dev.dazai.kernel.port.out.JournalEntry.Kind;
import dev.dazai.kernel.port.out.KillOutcome;
import dev.dazai.kernel.port.out.Pin;
import dev.dazai.kernel.port.out.RegistrationException;
import dev.dazai.kernel.port.out.Secret;
import dev.dazai.kernel.port.out.SecretSink;
import java.util.List;
import java.util.OptionalLong;

/**
 * The holders port behind one lock, shared by the kernel thread (OwnerRegistersHolder,
 * OwnerUnregistersHolder) and the sequence thread (DaemonKillsHolder). A change to the list
 * either lands before the kill loop reads it or is refused, because both ask the gate under the
 * lock and the gate closes before the loop starts: every incarnation registered when the
 * sequence began is dealt with (KillBeforeWipe, NoHolderOutlivesFire).
 */
final class Holders {

    private static final String TOO_LATE = "the switch has already fired or stopped";

    private final HolderKiller port;
    private final FireGate gate;
    private final Journal journal;

    Holders(HolderKiller port, FireGate gate, Journal journal) {
        this.port = port;
        this.gate = gate;
        this.journal = journal;
    }

    /** OwnerRegistersHolder: this process only; it got its copy elsewhere. */
    synchronized RegistryAnswer ownerRegistersHolder(long pid, OptionalLong startTime) {
        if (gate.isTerminal()) {
            return RegistryAnswer.refused(TOO_LATE);
        }
        if (registered(pid) != null) {
            return RegistryAnswer.refused("pid " + pid + " is registered already");
        }
        try {
            Holder holder = port.register(Pin.of(pid, startTime), Holder.Reach.PROCESS);
            journal.record(JournalEntry.of(Kind.REGISTERED, "pid " + holder.pid() + " starttime " + holder.startTime())
                    .with("pid", holder.pid()).with("starttime", holder.startTime()));
            return RegistryAnswer.OK;
        } catch (RegistrationException e) {
            return RegistryAnswer.refused(e.getMessage());
        }
    }

    /**
     * ConsumerStarts: pinned and contained with all it will start, then given the secret, under
     * the lock the kill loop takes: a consumer that got a secret is on the list the loop reads.
     */
    synchronized RegistryAnswer consumerStarts(Pin consumer, Secret secret, SecretSink sink) {
        if (gate.isTerminal()) {
            return RegistryAnswer.refused(TOO_LATE);
        }
        if (registered(consumer.pid()) != null) {
            return RegistryAnswer.refused("pid " + consumer.pid() + " is registered already");
        }
        Holder holder;
        try {
            holder = port.register(consumer, Holder.Reach.TREE);
        } catch (RegistrationException e) {
            return RegistryAnswer.refused(e.getMessage());
        }
        journal.record(JournalEntry.of(Kind.REGISTERED, "pid " + holder.pid() + " starttime " + holder.startTime()
                + " and all it starts: consumer of " + secret.name() + " (" + secret.size() + " bytes)")
                .with("pid", holder.pid()).with("starttime", holder.startTime()).with("secret", secret.name())
                .with("bytes", secret.size()));
        secret.deliverTo(sink);
        return RegistryAnswer.OK;
    }

    /** OwnerUnregistersHolder: refused once the sequence has begun, like a registration. */
    synchronized RegistryAnswer ownerUnregistersHolder(long pid) {
        if (gate.isTerminal()) {
            return RegistryAnswer.refused(TOO_LATE);
        }
        Holder holder = registered(pid);
        if (holder == null) {
            return RegistryAnswer.refused("not registered");
        }
        if (holder.reach() == Holder.Reach.TREE) {
            // It received a secret from the daemon: it dies with it, or the secret outlives the fire.
            return RegistryAnswer.refused("pid " + pid + " received a secret from dazai and dies with it; end it instead");
        }
        port.unregister(pid);
        journal.record(JournalEntry.of(Kind.UNREGISTERED, "pid " + pid).with("pid", pid));
        return RegistryAnswer.OK;
    }

    /** DaemonKillsHolder for each, then DaemonFinishesKilling; in dry-run only what would be sent. */
    synchronized List<KillOutcome> daemonKillsHolders(boolean armed) {
        return armed ? port.killAll() : port.rehearseKillAll();
    }

    private Holder registered(long pid) {
        for (Holder h : port.holders()) {
            if (h.pid() == pid) {
                return h;
            }
        }
        return null;
    }

    List<Holder> list() {
        return port.holders();
    }
}
