package dev.dazai.kernel.port.in;

import dev.dazai.kernel.port.out.Holder;
import java.util.OptionalLong;

/** Holders arriving and leaving at run time (control socket REGISTER/UNREGISTER, --register). */
public interface Registry {

    /** Throws {@code RegistrationException} with a human message if the process cannot be pinned. */
    Holder register(long pid, OptionalLong startTime);

    boolean unregister(long pid);
}
