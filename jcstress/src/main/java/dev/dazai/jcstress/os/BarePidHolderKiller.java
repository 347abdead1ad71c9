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
 * The way such code is usually written: remember the PID (and its start time), and when the time
 * comes, send SIGKILL to that number. With {@code recheck} it first re-reads the start time and
 * kills only if it still matches — the weaker fallback DESIGN.md allows where there is no pidfd —
 * which narrows the window to the gap between the check and the kill, but cannot close it. That
 * gap is widened to a {@code Thread.yield()}, the order of a /proc read.
 */
public final class BarePidHolderKiller implements HolderKiller {

    private final ProcessTable table;
    private final boolean recheck;
    private final List<Holder> registered = new CopyOnWriteArrayList<>();

    public BarePidHolderKiller(ProcessTable table, boolean recheck) {
        this.table = table;
        this.recheck = recheck;
    }

    @Override
    public Holder register(Pin pin, Holder.Reach reach) {
        long pid = pin.pid();
        OptionalLong startTime = pin.startTime();
        Incarnation now = table.holderOf(pid);
        if (now == null || !now.isRunning()) {
            throw new RegistrationException("no process " + pid);
        }
        Holder holder = new Holder(pid, startTime.orElse(now.startTime()));
        registered.add(holder);
        return holder;
    }

    @Override
    public boolean unregister(long pid) {
        return registered.removeIf(h -> h.pid() == pid);
    }

    @Override
    public List<Holder> holders() {
        return List.copyOf(registered);
    }

    @Override
    public List<KillOutcome> killAll() {
        List<KillOutcome> outcomes = new ArrayList<>();
        for (Holder h : registered) {
            if (recheck) {
                if (!sameStartTime(h)) {
                    outcomes.add(new KillOutcome(h.pid(), KillOutcome.Kind.GONE));
                    continue;
                }
                // Stands in for reading and parsing /proc/PID/stat, microseconds in the real thing:
                // without it the gap is a few nanoseconds and the bounded run sees the race too rarely.
                Thread.yield();
            }
            boolean killed = table.killPid(h.pid());
            outcomes.add(new KillOutcome(h.pid(), killed ? KillOutcome.Kind.KILLED : KillOutcome.Kind.GONE));
        }
        return outcomes;
    }

    @Override
    public List<KillOutcome> rehearseKillAll() {
        List<KillOutcome> outcomes = new ArrayList<>();
        for (Holder h : registered) {
            outcomes.add(new KillOutcome(h.pid(), sameStartTime(h) ? KillOutcome.Kind.WOULD_KILL : KillOutcome.Kind.GONE));
        }
        return outcomes;
    }

    private boolean sameStartTime(Holder h) {
        Incarnation now = table.holderOf(h.pid());
        return now != null && now.isRunning() && now.startTime() == h.startTime();
    }
}
