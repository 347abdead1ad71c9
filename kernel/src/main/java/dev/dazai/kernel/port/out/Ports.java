package dev.dazai.kernel.port.out;

import java.util.Objects;

/** Everything the kernel needs done, handed to it at construction (no globals). */
public record Ports(
        SecretMemory memory,
        HolderKiller holders,
        Unlinker unlinker,
        SelfTerminator terminator,
        Clock clock,
        Journal journal) {

    public Ports {
        Objects.requireNonNull(memory, "memory");
        Objects.requireNonNull(holders, "holders");
        Objects.requireNonNull(unlinker, "unlinker");
        Objects.requireNonNull(terminator, "terminator");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(journal, "journal");
    }
}
