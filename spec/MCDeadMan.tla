------------------------------ MODULE MCDeadMan ------------------------------
(* The model TLC checks in every build: both modes and both grace settings  *)
(* in one run, three holder PIDs, two PID reuses, two reconnects and one    *)
(* BUSY connection.  Every mutant in mutants/ extends this module.          *)
EXTENDS DeadMan

MCModes         == {"DryRun", "Armed"}
MCGraces        == {"Zero", "Window"}
MCPids          == {1, 2, 3}
MCMaxPidReuses  == 1
MCMaxReconnects == 2
MCMaxBusy       == 1
=============================================================================
