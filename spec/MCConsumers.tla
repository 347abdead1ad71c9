------------------------------ MODULE MCConsumers ------------------------------
(* Consumers: one consumer on PID 1 that may fork once onto PID 2 (after the *)
(* process there exited), or the OS recycles a PID instead; both modes and   *)
(* both grace settings, one heartbeat connection, no sessions.  The mutants  *)
(* that break its claims extend this module.                                 *)
EXTENDS DeadMan

MCModes        == {"DryRun", "Armed"}
MCGraces       == {"Zero", "Window"}
MCPids         == {1, 2}
MCMaxPidReuses == 1
MCMaxConns     == 1
MCSessions     == {}
MCConsumerPids == {1}
=============================================================================
