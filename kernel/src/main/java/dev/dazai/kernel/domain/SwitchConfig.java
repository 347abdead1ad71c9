package dev.dazai.kernel.domain;

/**
 * Fixed at construction, like the spec's constants.
 *
 * @param graceMillis       grace window of a graceful panic; 0 fires at once
 * @param pingTimeoutMillis a loss when no HELLO/PING arrives for this long; 0 disables
 * @param lifetimeMillis    a graceful panic this long after the secret is held, present or not
 *                          (as {@code ssh-agent -t}); 0 disables
 */
public record SwitchConfig(Mode mode, long graceMillis, long pingTimeoutMillis, long lifetimeMillis) {

    public SwitchConfig {
        if (mode == null) {
            throw new IllegalArgumentException("mode is required");
        }
        if (graceMillis < 0 || pingTimeoutMillis < 0 || lifetimeMillis < 0) {
            throw new IllegalArgumentException("grace, ping timeout and lifetime must not be negative");
        }
    }

    public SwitchConfig(Mode mode, long graceMillis, long pingTimeoutMillis) {
        this(mode, graceMillis, pingTimeoutMillis, 0);
    }
}
