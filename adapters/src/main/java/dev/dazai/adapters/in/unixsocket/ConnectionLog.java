package dev.dazai.adapters.in.unixsocket;

import dev.dazai.kernel.port.out.Journal;
import dev.dazai.kernel.port.out.JournalEntry;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What the socket servers report on their own: peers of another uid, connections dropped for
 * breaking a limit, a server that stopped. Replies the protocol defines (BUSY, ERR …) are not
 * reported here; the kernel journals what they mean.
 */
public interface ConnectionLog {

    /** A peer whose uid is not the daemon's was closed without a word. */
    void refused(Path socket, Peer peer);

    /** A connection was cut: too many connections, a line too long, no command in time, an internal error. */
    void dropped(Path socket, Peer peer, String reason);

    /** The server stopped on its own (its selector failed): the socket no longer answers. */
    void failed(Path socket, String reason);

    /** Every kind as ERROR entries of the daemon's journal. */
    static ConnectionLog journal(Journal journal) {
        Objects.requireNonNull(journal, "journal");
        return new ConnectionLog() {
            @Override
            public void refused(Path socket, Peer peer) {
                journal.record(JournalEntry.of(JournalEntry.Kind.ERROR,
                        "refused peer " + peer + " on " + socket + ": not the daemon's uid"));
            }

            @Override
            public void dropped(Path socket, Peer peer, String reason) {
                journal.record(JournalEntry.of(JournalEntry.Kind.ERROR,
                        "dropped peer " + peer + " on " + socket + ": " + reason));
            }

            @Override
            public void failed(Path socket, String reason) {
                journal.record(JournalEntry.of(JournalEntry.Kind.ERROR,
                        "socket server on " + socket + " stopped: " + reason));
            }
        };
    }
}
