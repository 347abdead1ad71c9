package dev.dazai.adapters.in.unixsocket;

import java.util.OptionalLong;
import java.util.function.Consumer;

/**
 * What {@code control.sock} may ask, one command per connection. The app implements it over the
 * kernel's ports. Snapshots and posts answer at once (the return value); REGISTER, UNREGISTER and
 * the secret commands are decided on the kernel's thread and answer through {@code reply}, once,
 * from any thread. Every reply is one line without its newline.
 */
public interface ControlCommands {

    /** STATUS: one JSON line. */
    String status();

    /** SIGNALS: one JSON line, the signals the daemon handles and the action for each. */
    String signals();

    /**
     * REGISTER pid [starttime]: {@code OK} or {@code ERR <reason>} through {@code reply}.
     * {@code peer} is the process that asked; its pidfd, if any, is closed when this returns
     * (duplicate it to keep it).
     */
    void register(long pid, OptionalLong startTime, Peer peer, Consumer<String> reply);

    /** UNREGISTER pid: {@code OK} or {@code ERR not registered} through {@code reply}. */
    void unregister(long pid, Consumer<String> reply);

    /** PANIC / PANIC HARD: posted to the kernel; {@code OK} once posted. */
    String panic(boolean hard);

    /** STOP: OwnerStops, as SIGTERM; {@code OK} once posted. */
    String stop();

    /**
     * ADD name: the secret is read from {@code fd} (the client's stdin, passed with SCM_RIGHTS;
     * the callee owns it and closes it) off the socket's thread, then offered to the kernel.
     * {@code OK} or {@code ERR <reason>} through {@code reply}. {@code peer}'s pidfd is closed
     * when this returns.
     */
    void add(String name, int fd, Peer peer, Consumer<String> reply);

    /** REMOVE name: {@code OK} or {@code ERR <reason>} through {@code reply}. */
    void remove(String name, Consumer<String> reply);

    /**
     * RUN name: the asking process becomes a consumer of the secret. Through {@code reply}:
     * {@code OK <containment>} with the read end of the secret's pipe (the server sends it with
     * the line, then closes it), or {@code ERR <reason>} with no fd. {@code peer}'s pidfd is
     * closed when this returns: duplicate it to pin the process.
     */
    void run(String name, Peer peer, Consumer<WithFd> reply);

    /** A reply line and an fd to pass with it (-1 for none), owned by the server once handed over. */
    record WithFd(String line, int fd) {
        public static WithFd none(String line) {
            return new WithFd(line, -1);
        }
    }
}
