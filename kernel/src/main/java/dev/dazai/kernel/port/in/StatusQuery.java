package dev.dazai.kernel.port.in;

/** A recent snapshot for STATUS; safe from any thread, decides nothing. */
public interface StatusQuery {

    Status status();
}
