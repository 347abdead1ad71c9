package dev.dazai.kernel.port.out;

/**
 * The structured log. An adapter stamps each entry with wall time and monotonic milliseconds and
 * writes it as text or JSON; {@link #flush} must make every entry durable before the process dies.
 */
public interface Journal {

    void record(JournalEntry entry);

    void flush();
}
