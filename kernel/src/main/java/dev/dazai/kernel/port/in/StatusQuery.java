package dev.dazai.kernel.port.in;

import dev.dazai.kernel.domain.Status;

/** A consistent snapshot for STATUS. */
public interface StatusQuery {

    Status status();
}
