------------------------------- MODULE MCTrace -------------------------------
(* Presence, for the kernel's trace conformance: a small model whose whole  *)
(* state graph the kernel replays.  Both modes and both grace settings, two *)
(* heartbeat connections (an attach and a BUSY, a loss and a reconnect) and *)
(* one session, no holder PIDs (MCTraceHolders has those).  Every action of *)
(* Next takes a step in this graph or in MCTraceHolders'.  Dump it with     *)
(*   -dump dot,actionlabels target/trace/DeadMan.dot                        *)
EXTENDS DeadMan

CONSTANTS s1   \* a model value

TraceModes        == {"DryRun", "Armed"}
TraceGraces       == {"Zero", "Window"}
TracePids         == {}
TraceMaxPidReuses == 0
TraceMaxConns     == 2
TraceSessions     == {s1}
TraceConsumerPids == {}
=============================================================================
