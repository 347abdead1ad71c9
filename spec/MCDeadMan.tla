------------------------------ MODULE MCDeadMan ------------------------------
(* The heartbeat and holder model: both modes and both grace settings in    *)
(* one run, two holder PIDs, one PID reuse and two heartbeat connections    *)
(* (enough for an attach and a BUSY, a loss and a reconnect, a HELLO        *)
(* racing the attached heartbeat, or the OS between two kills).  No         *)
(* sessions and no consumers: MCPresence and MCConsumers add those on       *)
(* smaller bounds.  The mutants that break its claims extend this module.   *)
EXTENDS DeadMan

MCModes        == {"DryRun", "Armed"}
MCGraces       == {"Zero", "Window"}
MCPids         == {1, 2}
MCMaxPidReuses == 1
MCMaxConns     == 2
MCSessions     == {}
MCConsumerPids == {}
=============================================================================
