package dev.dazai.kernel.port.out;

/**
 * Where the secret lives. The kernel never sees the bytes; it only asks for them to be loaded
 * and, exactly once on every path it controls, wiped.
 */
public interface SecretMemory {

    /** Reads the secret into protected memory. Throws {@link SecretLoadException} if it cannot. */
    void load();

    /** Overwrites every byte with a wipe the compiler cannot elide. Safe to call twice, and while {@link #load} runs. */
    void wipe();

    /** Size in bytes of what is held now (0 before load and after wipe). */
    long size();
}
