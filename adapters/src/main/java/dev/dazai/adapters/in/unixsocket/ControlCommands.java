package dev.dazai.adapters.in.unixsocket;

import java.util.OptionalLong;

/**
 * What {@code control.sock} may ask, one command per connection. The app implements it over the
 * kernel's ports; each method returns the single reply line, without its newline.
 */
public interface ControlCommands {

    /** STATUS: one JSON line. */
    String status();

    /** SIGNALS: one JSON line, the signals the daemon handles and the action for each. */
    String signals();

    /**
     * REGISTER pid [starttime]: {@code OK} or {@code ERR <reason>}. {@code peer} is the process
     * that asked; its pidfd, if any, is closed when this returns (duplicate it to keep it).
     */
    String register(long pid, OptionalLong startTime, Peer peer);

    /** UNREGISTER pid: {@code OK} or {@code ERR not registered}. */
    String unregister(long pid);

    /** PANIC / PANIC HARD: {@code OK}. */
    String panic(boolean hard);
}
