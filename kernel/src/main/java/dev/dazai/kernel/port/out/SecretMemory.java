package dev.dazai.kernel.port.out;

import java.util.List;

/**
 * Where the secrets live, by name. The kernel never sees the bytes; it asks for the start-up
 * secret to be loaded, takes in named ones an adapter has read, and has them wiped: every one, on
 * every path it controls.
 */
public interface SecretMemory {

    /** Reads the start-up secret (--secret-*, --generate) as "default". Throws {@link SecretLoadException}. */
    void load();

    /** Takes in a secret an adapter has read into protected memory; false (nothing taken) if the name is in use. */
    boolean adopt(Secret secret);

    /** Wipes and forgets one secret; false if none has that name. */
    boolean remove(String name);

    /** Wipes every secret, final: a load or adopt after it holds nothing. Safe to call twice, and while a load runs. */
    void wipe();

    /** The secrets held now, in the order they came. */
    List<Secret> secrets();
}
