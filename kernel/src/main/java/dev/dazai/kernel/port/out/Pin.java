package dev.dazai.kernel.port.out;

import java.util.OptionalLong;

/**
 * A process the kernel asks the holders port to pin: its PID and, when known, its start time
 * (field 22 of /proc/PID/stat). An adapter may hand in its own Pin that already holds the process
 * by identity (the pidfd of a connection's peer, SO_PEERPIDFD); the kernel passes it through.
 */
public interface Pin {

    long pid();

    OptionalLong startTime();

    /** A PID number and, if given, the start time it must have. */
    static Pin of(long pid, OptionalLong startTime) {
        return new Pin() {
            @Override
            public long pid() {
                return pid;
            }

            @Override
            public OptionalLong startTime() {
                return startTime;
            }

            @Override
            public String toString() {
                return "pid " + pid;
            }
        };
    }
}
