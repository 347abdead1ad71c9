package dev.dazai.kernel.domain;

/**
 * Fixed at construction, like the spec's constants.
 *
 * @param graceMillis       grace window of a graceful panic; 0 fires at once
 * @param pingTimeoutMillis fire (gracefully) when no HELLO/PING arrives for this long; 0 disables
 */
public record SwitchConfig(Mode mode, long graceMillis, long pingTimeoutMillis) {

    public SwitchConfig {
        if (mode == null) {
            throw new IllegalArgumentException("mode is required");
        }
        if (graceMillis < 0 || pingTimeoutMillis < 0) {
            throw new IllegalArgumentException("grace and ping timeout must not be negative");
        }
    }
}
