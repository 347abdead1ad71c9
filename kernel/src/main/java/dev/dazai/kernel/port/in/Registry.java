package dev.dazai.kernel.port.in;

import java.util.OptionalLong;
import java.util.function.Consumer;

/**
 * Holders arriving and leaving at run time (control socket REGISTER/UNREGISTER, --register).
 * Decided on the kernel's thread; the answer comes back through {@code answer}, once.
 */
public interface Registry {

    /** OwnerRegistersHolder: pins the process now; refused once the sequence has begun. */
    void ownerRegistersHolder(long pid, OptionalLong startTime, Consumer<RegistryAnswer> answer);

    /** OwnerUnregistersHolder: forgets a holder; refused once the sequence has begun. */
    void ownerUnregistersHolder(long pid, Consumer<RegistryAnswer> answer);

    /** OK, or refused with a one-line reason for people. */
    record RegistryAnswer(boolean ok, String reason) {
        public static final RegistryAnswer OK = new RegistryAnswer(true, "");

        public static RegistryAnswer refused(String reason) {
            return new RegistryAnswer(false, reason);
        }
    }
}
