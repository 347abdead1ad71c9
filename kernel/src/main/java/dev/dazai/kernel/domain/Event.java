package dev.dazai.kernel.domain;

/**
 * Every event the machine accepts, named after the spec's actions. The first block comes from
 * outside (design table); the second is the kernel's own progress through start-up and the sequence.
 */
public enum Event {
    HeartbeatLost,
    PingTimeout,
    GracefulSignal,
    HardPanic,
    Reconnect,
    Cancel,
    GraceExpired,
    Shutdown,

    HandlersLive,
    SecretLoaded,
    Attach,
    HoldersKilled,
    SecretWiped,
    FilesUnlinked
}
