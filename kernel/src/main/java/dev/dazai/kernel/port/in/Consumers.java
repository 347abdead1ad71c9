package dev.dazai.kernel.port.in;

import dev.dazai.kernel.port.in.Registry.RegistryAnswer;
import dev.dazai.kernel.port.out.Pin;
import dev.dazai.kernel.port.out.Secret;
import dev.dazai.kernel.port.out.SecretSink;
import java.util.function.Consumer;

/**
 * Named secrets, and the programs that receive them, the ssh-agent way. Decided on the kernel
 * thread; each answer comes back through {@code answer}, once.
 */
public interface Consumers {

    /** OwnerAddsSecret: a secret an adapter read into protected memory joins by its name; refused (and wiped) once the end began. */
    void ownerAddsSecret(Secret secret, Consumer<RegistryAnswer> answer);

    /** OwnerRemovesSecret: wiped and forgotten. */
    void ownerRemovesSecret(String name, Consumer<RegistryAnswer> answer);

    /**
     * ConsumerStarts: pins the process and contains everything it will start, then hands the
     * named secret to its sink, in that order, so that nothing receives a secret the sequence would
     * not end. Refused once the end began, for an unknown name, or a process that cannot be pinned.
     */
    void consumerStarts(Pin consumer, String secretName, SecretSink sink, Consumer<RegistryAnswer> answer);
}
