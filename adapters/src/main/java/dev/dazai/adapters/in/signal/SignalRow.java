package dev.dazai.adapters.in.signal;

/**
 * One line of the SIGNALS answer: a signal, what the daemon does on it, and how that is wired.
 *
 * @param name   without the SIG prefix, as kill(1) spells it ("HUP", "RTMIN+3")
 * @param number the signal number on this system
 * @param action what happens
 * @param how    the mechanism, for people ("sun.misc.Signal handler", "rt_sigaction SIG_IGN, read back", ...)
 */
public record SignalRow(String name, int number, Action action, String how) {

    /** What the daemon does when the signal arrives. */
    public enum Action {
        GRACEFUL_PANIC("graceful panic"),
        HARD_PANIC("hard panic"),
        SHUTDOWN("clean shutdown"),
        IGNORED("ignored"),
        RESERVED_BY_JVM("reserved by the JVM"),
        UNCATCHABLE("cannot be caught");

        private final String label;

        Action(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }
}
