------------------------------- MODULE MCTrace -------------------------------
(* A small model whose whole state graph the kernel replays (trace          *)
(* conformance): both modes and both grace settings, one holder PID that   *)
(* the OS may recycle once, one reconnect and one BUSY connection.  Dump    *)
(* it with  -dump dot,actionlabels target/trace/DeadMan.dot.                *)
EXTENDS DeadMan

TraceModes         == {"DryRun", "Armed"}
TraceGraces        == {"Zero", "Window"}
TracePids          == {1}
TraceMaxPidReuses  == 1
TraceMaxReconnects == 1
TraceMaxBusy       == 1
=============================================================================
