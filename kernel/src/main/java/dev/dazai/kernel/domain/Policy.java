package dev.dazai.kernel.domain;

/**
 * The switch's decisions as pure functions, made once: the kernel's code paths and the Spring
 * machine's guards both call these, so the two can never disagree (the grace-0 rule was once
 * decided in two places).
 */
public final class Policy {

    private Policy() {
    }

    /** A graceful panic with --grace 0 fires at once; otherwise it opens a window. */
    public static boolean graceFiresAtOnce(SwitchConfig config) {
        return config.graceMillis() == 0;
    }

    /** Starting and Loading: a panic here aborts the load and fires (EarlySignalArrives). */
    public static boolean isEarly(State state) {
        return state == State.Starting || state == State.Loading;
    }

    /** Where a heartbeat may take the free slot: Waiting, Attached (after a QUIT race) or inside a window. */
    public static boolean acceptsHeartbeat(State state) {
        return state == State.Waiting || state == State.Attached || state == State.Grace;
    }

    /** HeartbeatReconnects rather than HeartbeatAttaches: liveness comes back into a window it lost. */
    public static boolean helloCancels(State state, Window window) {
        return state == State.Grace && window == Window.Loss;
    }

    /** Which window a further graceful trigger leaves pending: a panic is never undone by a reconnect. */
    public static Window windowAfter(Window pending, Window trigger) {
        return pending == Window.Panic || trigger == Window.Panic ? Window.Panic : Window.Loss;
    }

    /** The end of the sequence: SIGKILL self when armed, a rehearsal's exit 0 in dry-run. */
    public static boolean diesBySigkill(SwitchConfig config) {
        return config.mode() == Mode.Armed;
    }
}
