---------------------------- MODULE MCTraceHolders ----------------------------
(* Holders and consumers, for the kernel's trace conformance: both modes     *)
(* and both grace settings, a consumer on PID 1 that may fork onto PID 2     *)
(* once the process there exited (or the OS recycles a PID instead), plain   *)
(* holders on either, no heartbeat connection and no session (MCTrace has    *)
(* those).  Dump it with                                                     *)
(*   -dump dot,actionlabels target/trace/DeadManHolders.dot                  *)
EXTENDS DeadMan

TraceModes        == {"DryRun", "Armed"}
TraceGraces       == {"Zero", "Window"}
TracePids         == {1, 2}
TraceMaxPidReuses == 1
TraceMaxConns     == 0
TraceSessions     == {}
TraceConsumerPids == {1}
=============================================================================
