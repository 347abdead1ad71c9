package dev.dazai.jcstress.os;

import dev.dazai.kernel.port.out.Secret;
import dev.dazai.kernel.port.out.SecretMemory;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Secret memory reduced to what the start-up race is about: how many bytes are held. A load and a
 * wipe are single atomic writes, so the harness sees the kernel's ordering and nothing else.
 */
public final class SecretPages implements SecretMemory {

    private static final long SECRET_BYTES = 32;

    private final AtomicLong held = new AtomicLong();

    @Override
    public void load() {
        held.set(SECRET_BYTES);
    }

    @Override
    public void wipe() {
        held.set(0);
    }

    @Override
    public boolean adopt(Secret secret) {
        return false;
    }

    @Override
    public boolean remove(String name) {
        return false;
    }

    @Override
    public List<Secret> secrets() {
        return List.of();
    }

    /** Bytes held now. */
    public long size() {
        return held.get();
    }
}
