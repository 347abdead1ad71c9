package dev.dazai.adapters.out.pidfd;

import dev.dazai.adapters.nativ.Errnos;
import dev.dazai.adapters.nativ.Native;
import dev.dazai.adapters.nativ.Sys;
import dev.dazai.kernel.port.out.Holder;
import dev.dazai.kernel.port.out.HolderKiller;
import dev.dazai.kernel.port.out.Journal;
import dev.dazai.kernel.port.out.JournalEntry;
import dev.dazai.kernel.port.out.KillOutcome;
import dev.dazai.kernel.port.out.Pin;
import dev.dazai.kernel.port.out.RegistrationException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * The weaker fallback for kernels without pidfd (before 5.3): a holder is remembered by PID and
 * start time, and at kill time the start time is read again and kill(2) is sent only if it still
 * matches. Weaker because a gap remains between that re-check and the kill: if the holder exits
 * and its PID is reused inside it, the newcomer is killed. The gap is microseconds and needs a PID
 * wrap-around at that moment, but it is not zero, which is why pidfds are preferred.
 */
public final class StartTimeHolderKiller implements HolderKiller {

    private final Journal journal;
    private final Map<Long, Holder> holders = new LinkedHashMap<>();

    public StartTimeHolderKiller(Journal journal) {
        this.journal = Objects.requireNonNull(journal, "journal");
    }

    /** Without pidfds a tree cannot be walked safely (every member would be a bare PID): consumers are refused. */
    @Override
    public Holder register(Pin pin, Holder.Reach reach) {
        if (reach == Holder.Reach.TREE) {
            throw new RegistrationException("this kernel has no pidfd (Linux before 5.3), so a consumer and all it"
                    + " starts cannot be contained; register single processes only");
        }
        return register(pin.pid(), pin.startTime());
    }

    /** Pins {@code pid} by its start time, checking it against the one given. */
    public synchronized Holder register(long pid, OptionalLong startTime) {
        OptionalLong observed = pid > 0 ? ProcStat.startTime(pid) : OptionalLong.empty();
        if (observed.isEmpty()) {
            throw new RegistrationException("no process with pid " + pid);
        }
        if (startTime.isPresent() && startTime.getAsLong() != observed.getAsLong()) {
            throw new RegistrationException("pid " + pid + " started at " + observed.getAsLong() + ", not "
                    + startTime.getAsLong() + ": it is another process now (PID reused)");
        }
        PidfdHolderKiller.refuseSelfAndAncestors(pid, -1);
        Holder h = new Holder(pid, observed.getAsLong());
        holders.remove(pid);
        holders.put(pid, h);
        return h;
    }

    @Override
    public synchronized boolean unregister(long pid) {
        return holders.remove(pid) != null;
    }

    @Override
    public synchronized List<Holder> holders() {
        return List.copyOf(holders.values());
    }

    @Override
    public synchronized List<KillOutcome> killAll() {
        List<KillOutcome> out = new ArrayList<>();
        for (Holder h : holders.values()) {
            if (!sameIncarnation(h)) {
                out.add(new KillOutcome(h.pid(), KillOutcome.Kind.GONE));
                continue;
            }
            int rc = Native.libc().kill((int) h.pid(), Sys.SIGKILL);
            int err = rc == 0 ? 0 : Native.errno();
            if (rc != 0 && err != Errnos.ESRCH) {
                journal.record(JournalEntry.of(JournalEntry.Kind.ERROR,
                        "pid " + h.pid() + " could not be killed (" + Errnos.name(err) + "); it may still be running"));
            }
            out.add(new KillOutcome(h.pid(), rc == 0 ? KillOutcome.Kind.KILLED : KillOutcome.Kind.GONE));
        }
        return out;
    }

    @Override
    public synchronized List<KillOutcome> rehearseKillAll() {
        List<KillOutcome> out = new ArrayList<>();
        for (Holder h : holders.values()) {
            out.add(new KillOutcome(h.pid(), sameIncarnation(h) ? KillOutcome.Kind.WOULD_KILL : KillOutcome.Kind.GONE));
        }
        return out;
    }

    private static boolean sameIncarnation(Holder h) {
        OptionalLong now = ProcStat.startTime(h.pid());
        return now.isPresent() && now.getAsLong() == h.startTime() && ProcStat.state(h.pid()) != 'Z';
    }
}
