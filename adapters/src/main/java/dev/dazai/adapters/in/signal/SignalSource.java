package dev.dazai.adapters.in.signal;

import dev.dazai.adapters.in.signal.SignalRow.Action;
import dev.dazai.adapters.nativ.Native;
import dev.dazai.kernel.port.in.Triggers;
import dev.dazai.kernel.port.out.Journal;
import dev.dazai.kernel.port.out.JournalEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Every catchable signal whose default action would end the daemon gets an explicit disposition,
 * as in DESIGN.md's signal table: panic, shut down, or ignore. Installed before any secret is
 * read, so no signal can end the process with the secret unwiped by default action.
 *
 * <p>Java handlers run on the JVM's signal-dispatch thread and only post to the kernel, whose
 * gate decides. {@code sun.misc.Signal} does not know the real-time signals, so those are set to
 * SIG_IGN with the raw rt_sigaction system call ({@link Dispositions}): glibc's sigaction refuses
 * 32 and 33, which glibc keeps below its SIGRTMIN of 34 but whose default action still ends the
 * process. QUIT, SEGV, FPE and ILL are refused by the JVM, which keeps them for itself; KILL and
 * STOP cannot be caught by anyone. Both are listed as they are.
 *
 * <p>HotSpot installs nothing for HUP, INT or TERM while they are ignored, as they are under nohup
 * or {@code cmd &} in a script, yet {@code Signal.handle} returns as if it had. So a signal found
 * SIG_IGN is reset to SIG_DFL first, and every handler is read back before its row claims it.
 */
public final class SignalSource {

    private static final List<String> GRACEFUL = List.of(
            "HUP", "USR1", "ALRM", "VTALRM", "PROF", "IO", "PWR", "SYS", "TRAP", "ABRT", "BUS", "STKFLT", "XCPU", "XFSZ");
    private static final List<String> HARD = List.of("USR2");
    private static final List<String> SHUTDOWN = List.of("INT", "TERM");
    private static final List<String> IGNORED = List.of("PIPE", "TSTP", "TTIN", "TTOU");
    private static final List<String> RESERVED = List.of("QUIT", "SEGV", "FPE", "ILL");
    private static final List<String> UNCATCHABLE = List.of("KILL", "STOP");

    private static final long SIG_DFL = Dispositions.SIG_DFL;
    private static final long SIG_IGN = Dispositions.SIG_IGN;
    /** The kernel's first real-time signal; glibc's SIGRTMIN comes after the ones it keeps. */
    private static final int KERNEL_SIGRTMIN = 32;

    private final Dispositions dispositions = new Dispositions();
    private volatile List<SignalRow> table = List.of();
    private boolean installed;

    public SignalSource() {
    }

    /**
     * Installs every disposition and returns the table of what was installed. Call once, first
     * thing, before the secret is read. Refusals are recorded as ERROR in {@code journal} and
     * appear in the table as they really are.
     */
    public synchronized List<SignalRow> install(Triggers triggers, Journal journal) {
        Objects.requireNonNull(triggers, "triggers");
        Objects.requireNonNull(journal, "journal");
        if (installed) {
            throw new IllegalStateException("signal handlers are installed once");
        }
        installed = true;
        List<SignalRow> rows = new ArrayList<>();
        // USR2 first: on JDK 17 a USR2 that arrives before its Java handler exists crashes the JVM.
        for (String name : HARD) {
            handle(rows, journal, name, Action.HARD_PANIC, triggers::ownerPanicsHard);
        }
        for (String name : GRACEFUL) {
            handle(rows, journal, name, Action.GRACEFUL_PANIC, triggers::ownerPanics);
        }
        for (String name : SHUTDOWN) {
            handle(rows, journal, name, Action.SHUTDOWN, triggers::ownerStops);
        }
        for (String name : IGNORED) {
            ignore(rows, journal, name);
        }
        ignoreRealTime(rows, journal);
        for (String name : RESERVED) {
            number(name).ifPresent(n -> rows.add(new SignalRow(name, n, Action.RESERVED_BY_JVM, reservedHow(name))));
        }
        for (String name : UNCATCHABLE) {
            number(name).ifPresent(n -> rows.add(new SignalRow(name, n, Action.UNCATCHABLE,
                    name.equals("KILL") ? "kernel: ends the process at once, nothing is wiped"
                            : "kernel: stops the process until SIGCONT")));
        }
        rows.sort((a, b) -> Integer.compare(a.number(), b.number()));
        table = List.copyOf(rows);
        return table;
    }

    /** What {@link #install} set up, by signal number; empty before it ran. For the SIGNALS command. */
    public List<SignalRow> table() {
        return table;
    }

    private void handle(List<SignalRow> rows, Journal journal, String name, Action action, Consumer<String> trigger) {
        Signal signal;
        try {
            signal = new Signal(name);
        } catch (IllegalArgumentException unknown) {
            return; // not a signal on this OS (STKFLT, PWR on macOS)
        }
        String source = "SIG" + name;
        SignalHandler handler = s -> {
            try {
                trigger.accept(source);
            } catch (RuntimeException e) {
                journal.record(JournalEntry.of(JournalEntry.Kind.ERROR, source + " handler: " + e));
            }
        };
        int number = signal.getNumber();
        // Done for every signal, not only HUP, INT and TERM: no JVM internals to track, and
        // SIG_DFL for the moment until the handler is in costs nothing, as no secret is read yet.
        boolean ignoredAtStart = disposition(number) == SIG_IGN;
        String atStart = "";
        if (ignoredAtStart) {
            String refused = setDisposition(number, SIG_DFL);
            atStart = "; SIG_IGN at start, " + (refused == null ? "reset to SIG_DFL" : "reset refused (" + refused + ")");
            if (refused == null) {
                journal.record(JournalEntry.of(JournalEntry.Kind.WARNING, source + " was ignored at start (nohup, or cmd & in a"
                        + " script); reset, so it means " + action.label() + "; detach with setsid or systemd, not nohup"));
            }
        }
        try {
            Signal.handle(signal, handler);
        } catch (IllegalArgumentException refused) {
            if (ignoredAtStart) {
                setDisposition(number, SIG_IGN); // as found: ignored beats ending the daemon unwiped
            }
            journal.record(JournalEntry.of(JournalEntry.Kind.ERROR,
                    source + " cannot be handled on this JVM (" + refused.getMessage() + "); the JVM keeps it"));
            rows.add(new SignalRow(name, number, Action.RESERVED_BY_JVM, "refused by this JVM: " + refused.getMessage()));
            return;
        }
        // Read back, so the row never claims a handler the kernel does not have.
        long now = disposition(number);
        if (now == SIG_IGN || now == SIG_DFL) {
            String left = now == SIG_IGN ? "SIG_IGN (ignored)" : "SIG_DFL (default action)";
            journal.record(JournalEntry.of(JournalEntry.Kind.ERROR, source + " has no handler: sun.misc.Signal left it "
                    + left + atStart + "; it will not mean " + action.label()));
            rows.add(new SignalRow(name, number, now == SIG_IGN ? Action.IGNORED : Action.UNCATCHABLE,
                    "no handler: left " + left + atStart));
            return;
        }
        rows.add(new SignalRow(name, number, action, "sun.misc.Signal handler" + atStart));
    }

    /** The handler word of the signal's disposition: SIG_DFL, SIG_IGN or a function; -1 if unreadable (not seen). */
    private long disposition(int number) {
        return dispositions.get(number);
    }

    /** Sets SIG_DFL or SIG_IGN; null if done, else errno's name. */
    private String setDisposition(int number, long handler) {
        return dispositions.set(number, handler);
    }

    private void ignore(List<SignalRow> rows, Journal journal, String name) {
        Signal signal;
        try {
            signal = new Signal(name);
        } catch (IllegalArgumentException unknown) {
            return;
        }
        try {
            Signal.handle(signal, SignalHandler.SIG_IGN);
        } catch (IllegalArgumentException refused) {
            rows.add(sigIgn(journal, name, signal.getNumber()));
            return;
        }
        rows.add(disposition(signal.getNumber()) == SIG_IGN
                ? new SignalRow(name, signal.getNumber(), Action.IGNORED, "SIG_IGN via sun.misc.Signal, read back")
                : sigIgn(journal, name, signal.getNumber()));
    }

    /**
     * Real-time signals end a process by default and sun.misc.Signal cannot name them: SIG_IGN
     * through rt_sigaction, from the kernel's first (32) to the last, including the ones below
     * glibc's SIGRTMIN that glibc keeps for itself.
     */
    private void ignoreRealTime(List<SignalRow> rows, Journal journal) {
        if (!Native.isLinux()) {
            return;
        }
        int min = Native.libc().__libc_current_sigrtmin();
        int max = Native.libc().__libc_current_sigrtmax();
        for (int n = KERNEL_SIGRTMIN; n < min; n++) {
            rows.add(libcInternal(journal, n));
        }
        for (int n = min; n <= max; n++) {
            String name = n - min <= (max - min) / 2 ? rtName("RTMIN", n - min) : rtName("RTMAX", n - max);
            rows.add(sigIgn(journal, name, n));
        }
    }

    /**
     * 32 and 33 (on glibc): no name, as bash's kill -l shows. glibc may already have put its own
     * handler on one of them (33, for set*id across threads, is installed at start on glibc 2.36);
     * that handler returns at once for a signal another process sent (it checks si_pid and
     * si_code), and replacing it would hang a later setuid, so it is left as it is. A default
     * disposition, which would end the daemon unwiped, is set to SIG_IGN.
     */
    private SignalRow libcInternal(Journal journal, int number) {
        String name = Integer.toString(number);
        if (!dispositions.raw()) {
            journal.record(JournalEntry.of(JournalEntry.Kind.ERROR, "signal " + number + " cannot be ignored: no raw"
                    + " rt_sigaction on this CPU here, and the C library's sigaction refuses it; its default action"
                    + " ends the daemon unwiped"));
            return new SignalRow(name, number, Action.UNCATCHABLE, "C library refuses it: default action");
        }
        long now = disposition(number);
        if (now == SIG_IGN) {
            return new SignalRow(name, number, Action.IGNORED, "SIG_IGN at start (inherited), read back with rt_sigaction");
        }
        if (now != SIG_DFL && now != Dispositions.UNKNOWN) {
            return new SignalRow(name, number, Action.IGNORED, "glibc's own handler, left in place: it returns at once"
                    + " for a signal from another process");
        }
        return sigIgn(journal, name, number);
    }

    private static String rtName(String base, int offset) {
        return offset == 0 ? base : base + (offset > 0 ? "+" : "") + offset;
    }

    /** SIG_IGN, then read back: the row says what the kernel now does, not what was asked. */
    private SignalRow sigIgn(Journal journal, String name, int number) {
        String label = name.matches("\\d+") ? "signal " + name : "SIG" + name;
        String call = dispositions.raw() ? "rt_sigaction" : "sigaction";
        String why = setDisposition(number, SIG_IGN);
        if (why == null && disposition(number) == SIG_IGN) {
            return new SignalRow(name, number, Action.IGNORED, call + " SIG_IGN, read back");
        }
        String what = why != null ? call + ": " + why : "read back as not ignored";
        journal.record(JournalEntry.of(JournalEntry.Kind.ERROR, label + " could not be ignored: " + what));
        return new SignalRow(name, number, Action.UNCATCHABLE, "SIG_IGN failed (" + what + "): default action");
    }

    private static String reservedHow(String name) {
        return name.equals("QUIT")
                ? "the JVM prints a thread dump and goes on"
                : "the JVM's crash handler: the process ends unwiped (core dumps are off)";
    }

    private static java.util.OptionalInt number(String name) {
        try {
            return java.util.OptionalInt.of(new Signal(name).getNumber());
        } catch (IllegalArgumentException unknown) {
            return java.util.OptionalInt.empty();
        }
    }
}
