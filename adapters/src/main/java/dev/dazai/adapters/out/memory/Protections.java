package dev.dazai.adapters.out.memory;

/**
 * The protection a secret buffer really has, read back from {@code /proc/self/smaps} rather than
 * trusted from return codes.
 *
 * @param kind       "secretmem" or "anonymous"
 * @param locked     VmFlags {@code lo}: the pages cannot be swapped out
 * @param dontDump   VmFlags {@code dd}: core dumps leave the pages out
 * @param secretmem  the mapping is {@code /secretmem}: gone from the kernel's direct map
 * @param guardPages a no-access page sits right before and right after the data
 * @param wipeOnFork VmFlags {@code wf}: a forked child sees zeros
 * @param dontFork   VmFlags {@code dc}: a forked child gets no mapping at all
 * @param lockedKb   the {@code Locked:} line, kB resident and locked now
 */
public record Protections(String kind, boolean locked, boolean dontDump, boolean secretmem,
        boolean guardPages, boolean wipeOnFork, boolean dontFork, long lockedKb) {

    /** What a buffer that is closed, or not found in smaps, has: nothing. */
    public static Protections none(String kind) {
        return new Protections(kind, false, false, false, false, false, false, 0);
    }

    /** A forked child cannot read the secret: either it gets zeros or no mapping at all. */
    public boolean forkSafe() {
        return wipeOnFork || dontFork;
    }
}
