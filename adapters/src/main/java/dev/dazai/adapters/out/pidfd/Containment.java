package dev.dazai.adapters.out.pidfd;

import dev.dazai.kernel.port.out.KillOutcome;
import java.util.List;
import java.util.Set;

/**
 * How a consumer and everything it starts are kept together, so that the sequence can end them
 * all: a cgroup of their own ({@code cgroup.kill}), or a tree a child subreaper keeps in one piece
 * (walked through /proc). Chosen once at start ({@code --containment}); said in the banner and
 * STATUS.
 */
public interface Containment {

    /** "cgroup" or "subreaper": what STATUS and the banner say. */
    String name();

    /**
     * Contains {@code pid}, already pinned by {@code pidfd} (which stays the caller's), and all it
     * will start. {@code prepared} is a place made for it before it was started (an {@code --exec}
     * child joins its cgroup before exec), or null. Throws
     * {@link dev.dazai.kernel.port.out.RegistrationException} if it cannot be contained.
     */
    Tree contain(long pid, int pidfd, Prepared prepared);

    /** Makes room for a consumer not started yet (an {@code --exec} child); see {@link Prepared#joinPath}. */
    Prepared prepare();

    /** At exit, on every path: removes what was made (cgroups). The processes are not touched. */
    void cleanUp();

    /** Room made for a consumer before it starts. */
    interface Prepared {
        /** The file the child writes "0" into before exec to join its cgroup; empty: nothing to join. */
        java.util.Optional<java.nio.file.Path> joinPath();
    }

    /** One consumer and its descendants. */
    interface Tree {

        /** How this one is contained: "cgroup", or "subreaper" (a cgroup move that failed falls back to it). */
        String kind();

        /** SIGKILLs every member, the root first in the list, and waits (briefly) for them to be gone. */
        List<KillOutcome> kill(Set<Long> spare);

        /** Dry-run: WOULD_KILL for each member now (GONE for an exited root), sending nothing. */
        List<KillOutcome> rehearse(Set<Long> spare);

        /** Unregistered: no longer kept together (the processes are not touched). */
        void release();

        /** True once nothing of it can run again: the root has exited and nothing it started is left. */
        boolean finished();
    }
}
