package dev.dazai.kernel.domain;

/** Fixed at start. Dry-run rehearses everything but never sends a kill. Names as in spec/DeadMan.tla. */
public enum Mode {
    DryRun,
    Armed
}
