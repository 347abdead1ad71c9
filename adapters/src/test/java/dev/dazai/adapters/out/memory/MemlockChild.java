package dev.dazai.adapters.out.memory;

import dev.dazai.adapters.out.log.StreamJournal;
import dev.dazai.kernel.port.out.SecretLoadException;

/**
 * Run in a child JVM under {@code prlimit --memlock=...}: loads the secret from stdin, reports on
 * stderr what memory it got, and writes the secret back on stdout (proof the daemon still works).
 * Args: {@code warn|require}.
 */
public final class MemlockChild {

    private MemlockChild() {
    }

    public static void main(String[] args) {
        boolean require = args[0].equals("require");
        StreamJournal journal = new StreamJournal(System.err, StreamJournal.Format.TEXT, false);
        LockedSecretMemory memory = new LockedSecretMemory(new SecretSource.FromFd(0),
                new MemoryOptions(require, MemoryOptions.DEFAULT_MAX_BYTES), journal);
        try {
            memory.load();
        } catch (SecretLoadException e) {
            System.err.println(e.getMessage());
            System.err.flush();
            Runtime.getRuntime().halt(3);
        }
        Protections p = memory.protections();
        System.err.println("KIND " + memory.kind() + " LOCKED " + p.locked() + " DONTDUMP " + p.dontDump()
                + " SIZE " + memory.size());
        memory.drainTo(1);
        memory.wipe();
        System.err.flush();
    }
}
