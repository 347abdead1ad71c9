------------------------------ MODULE MCPresence ------------------------------
(* Presence: two sessions beside one heartbeat connection, in both modes and *)
(* both grace settings (enough for a session leaving beside another or       *)
(* beside the slot, the last one out, a session returning into a loss's      *)
(* window or starting inside a panic's, the heartbeat leaving while sessions *)
(* live).  One holder PID that the OS may recycle once.  The mutants that    *)
(* break its claims extend this module.                                      *)
EXTENDS DeadMan

CONSTANTS s1, s2   \* model values

MCModes        == {"DryRun", "Armed"}
MCGraces       == {"Zero", "Window"}
MCPids         == {1}
MCMaxPidReuses == 1
MCMaxConns     == 1
MCSessions     == {s1, s2}
MCConsumerPids == {}
=============================================================================
