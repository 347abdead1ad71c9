package dev.dazai.kernel;

import dev.dazai.kernel.domain.Mode;
import dev.dazai.kernel.port.out.JournalEntry;
import dev.dazai.kernel.port.out.JournalEntry.Kind;
import java.util.ArrayList;
import java.util.List;

/**
 * The spec's invariants, checked over a journal: what the kernel actually did, in order. Each
 * method returns the violations it found (empty when the invariant holds), so a test can show them.
 * NoInnocentKilled is the holders adapter's property (kill by pidfd) and is checked where the
 * process table lives: the adapter's tests and the fakes.
 */
public final class Invariants {

    private Invariants() {
    }

    /** SingleFire: the sequence starts at most once. */
    public static List<String> singleFire(List<JournalEntry> journal) {
        long fires = journal.stream().filter(e -> e.kind() == Kind.FIRE).count();
        return fires <= 1 ? List.of() : List.of("sequence started " + fires + " times");
    }

    /** DryRunNeverKills: in DryRun no kill is sent, to holders or to self. */
    public static List<String> dryRunNeverKills(Mode mode, List<JournalEntry> journal) {
        if (mode != Mode.DryRun) {
            return List.of();
        }
        List<String> bad = new ArrayList<>();
        for (JournalEntry e : journal) {
            if (e.kind() == Kind.KILLED || e.kind() == Kind.DIE) {
                bad.add("dry-run sent " + e.kind() + " " + e.detail());
            }
        }
        return bad;
    }

    /** KillBeforeWipe: every holder outcome of a fire comes before its wipe. */
    public static List<String> killBeforeWipe(List<JournalEntry> journal) {
        List<String> bad = new ArrayList<>();
        boolean fired = false;
        boolean wiped = false;
        for (JournalEntry e : journal) {
            switch (e.kind()) {
                case FIRE -> fired = true;
                case WIPED -> wiped = wiped || fired;
                case KILLED, GONE, WOULD_SIGKILL, KILL_FAILED -> {
                    if (wiped && !"self".equals(e.detail())) {
                        bad.add(e.kind() + " " + e.detail() + " after the wipe");
                    }
                }
                default -> { }
            }
        }
        return bad;
    }

    /** WipeBeforeDeath: no death or exit on a path the kernel controls without a wipe first. */
    public static List<String> wipeBeforeDeath(List<JournalEntry> journal) {
        boolean wiped = false;
        for (JournalEntry e : journal) {
            if (e.kind() == Kind.WIPED) {
                wiped = true;
            }
            if ((e.kind() == Kind.DIE || e.kind() == Kind.EXIT) && !wiped) {
                return List.of(e.kind() + " before any wipe");
            }
        }
        return List.of();
    }

    /** CancelOnlyBeforeFire: no cancel or reconnect takes effect once the sequence started. */
    public static List<String> cancelOnlyBeforeFire(List<JournalEntry> journal) {
        boolean fired = false;
        List<String> bad = new ArrayList<>();
        for (JournalEntry e : journal) {
            if (e.kind() == Kind.FIRE) {
                fired = true;
            }
            if (fired && (e.kind() == Kind.CANCELLED || e.kind() == Kind.RECONNECTED)) {
                bad.add(e.kind() + " after FIRE: " + e.detail());
            }
        }
        return bad;
    }

    /** BusyNeverDisplaces: while a heartbeat holds the slot, nobody else attaches. */
    public static List<String> busyNeverDisplaces(List<JournalEntry> journal) {
        boolean held = false;
        List<String> bad = new ArrayList<>();
        for (JournalEntry e : journal) {
            switch (e.kind()) {
                case ATTACHED, RECONNECTED -> {
                    if (held) {
                        bad.add(e.kind() + " " + e.detail() + " while the slot was held");
                    }
                    held = true;
                }
                case LOST, EXIT, DIE -> held = false;
                case TRIGGER -> {
                    if (e.detail().startsWith("HeartbeatQuits")) {
                        held = false;
                    }
                }
                default -> { }
            }
        }
        return bad;
    }

    /** NoSignalLost: a panic trigger ends in a window, a fire, or a stop; never in nothing. */
    public static List<String> noSignalLost(List<JournalEntry> journal) {
        boolean panicked = false;
        for (JournalEntry e : journal) {
            if (e.kind() == Kind.TRIGGER && e.detail().startsWith("OwnerPanics")) {
                panicked = true;
            }
        }
        if (!panicked) {
            return List.of();
        }
        boolean handled = journal.stream().anyMatch(e -> e.kind() == Kind.FIRE || e.kind() == Kind.GRACE_START
                || e.kind() == Kind.GRACE_IGNORED || e.kind() == Kind.EXIT);
        return handled ? List.of() : List.of("a panic trigger led to nothing");
    }

    /**
     * NoLossWhilePresent: no window or fire for a loss of liveness (a heartbeat lost or silent, a
     * last session out) while a session the journal says started has not yet ended.
     */
    public static List<String> noLossWhilePresent(List<JournalEntry> journal) {
        int sessions = 0;
        List<String> bad = new ArrayList<>();
        for (JournalEntry e : journal) {
            switch (e.kind()) {
                case SESSION_START -> sessions++;
                case SESSION_END -> sessions = Math.max(0, sessions - 1);
                case GRACE_START, FIRE -> {
                    boolean loss = e.detail().contains("OwnerLosesHeartbeat") || e.detail().contains("PingDeadlinePasses")
                            || e.detail().contains("LastSessionEnds");
                    if (loss && sessions > 0) {
                        bad.add(e.kind() + " " + e.detail() + " while " + sessions + " sessions lived");
                    }
                }
                default -> { }
            }
        }
        return bad;
    }

    /** All of the above. */
    public static List<String> all(Mode mode, List<JournalEntry> journal) {
        List<String> bad = new ArrayList<>();
        bad.addAll(singleFire(journal));
        bad.addAll(dryRunNeverKills(mode, journal));
        bad.addAll(killBeforeWipe(journal));
        bad.addAll(wipeBeforeDeath(journal));
        bad.addAll(cancelOnlyBeforeFire(journal));
        bad.addAll(busyNeverDisplaces(journal));
        bad.addAll(noSignalLost(journal));
        bad.addAll(noLossWhilePresent(journal));
        return bad;
    }
}
