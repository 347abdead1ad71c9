package dev.dazai.kernel.port.out;

/**
 * One named secret in protected memory. The kernel never sees its bytes: it names it, counts it,
 * hands it to a consumer's sink and has it wiped.
 */
public interface Secret {

    /** The name the daemon started it under ("default") or `dazai add NAME` gave it. */
    String name();

    /** Bytes held now; 0 once wiped. */
    long size();

    /** Starts writing the bytes to {@code sink} straight from protected memory (write(2)); returns at once. */
    void deliverTo(SecretSink sink);

    /** Overwrites every byte with a wipe the compiler cannot elide; final, safe to call twice. */
    void wipe();
}
