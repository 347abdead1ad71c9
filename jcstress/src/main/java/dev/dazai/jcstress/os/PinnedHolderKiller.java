package dev.dazai.jcstress.os;

import dev.dazai.kernel.port.out.Holder;
import dev.dazai.kernel.port.out.HolderKiller;
import dev.dazai.kernel.port.out.KillOutcome;
import dev.dazai.kernel.port.out.Pin;
import dev.dazai.kernel.port.out.RegistrationException;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The kernel's way, over the toy table: registration pins the incarnation with a pidfd (then checks
 * the start time, as the real adapter does), and the kill goes through the handle. A holder that
 * has exited is reported GONE, whoever holds its number now.
 */
public final class PinnedHolderKiller implements HolderKiller {

    private final ProcessTable table;
    private final List<Pidfd> pinned = new CopyOnWriteArrayList<>();

    public PinnedHolderKiller(ProcessTable table) {
        this.table = table;
    }

    @Override
    public Holder register(Pin pin, Holder.Reach reach) {
        long pid = pin.pid();
        OptionalLong startTime = pin.startTime();
        Pidfd fd = table.openPidfd(pid);
        if (fd == null || !fd.isAlive()) {
            throw new RegistrationException("no process " + pid);
        }
        if (startTime.isPresent() && startTime.getAsLong() != fd.startTime()) {
            throw new RegistrationException("pid " + pid + " is another process now");
        }
        pinned.add(fd);
        return new Holder(pid, fd.startTime());
    }

    @Override
    public boolean unregister(long pid) {
        return pinned.removeIf(fd -> fd.pid() == pid);
    }

    @Override
    public List<Holder> holders() {
        List<Holder> all = new ArrayList<>();
        for (Pidfd fd : pinned) {
            all.add(new Holder(fd.pid(), fd.startTime()));
        }
        return all;
    }

    @Override
    public List<KillOutcome> killAll() {
        List<KillOutcome> outcomes = new ArrayList<>();
        for (Pidfd fd : pinned) {
            boolean killed = fd.sendKill();
            outcomes.add(new KillOutcome(fd.pid(), killed ? KillOutcome.Kind.KILLED : KillOutcome.Kind.GONE));
        }
        return outcomes;
    }

    @Override
    public List<KillOutcome> rehearseKillAll() {
        List<KillOutcome> outcomes = new ArrayList<>();
        for (Pidfd fd : pinned) {
            outcomes.add(new KillOutcome(fd.pid(), fd.isAlive() ? KillOutcome.Kind.WOULD_KILL : KillOutcome.Kind.GONE));
        }
        return outcomes;
    }
}
