package dev.dazai.kernel.port.out;

/** A registered process incarnation: its PID and its start time in clock ticks since boot (0 if unknown). */
public record Holder(long pid, long startTime) {
}
