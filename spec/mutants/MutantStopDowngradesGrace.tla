------------------------ MODULE MutantStopDowngradesGrace ------------------------
(* Breaks LostHeartbeatEventuallyFires.  SIGTERM inside a grace window     *)
(* stops cleanly instead of firing: whoever took the machine ends a        *)
(* pending panic with `kill` and the holders live on.                      *)
EXTENDS MCDeadMan

OwnerStopsInsideWindow ==
    /\ state = "Grace"
    /\ state' = "Stopped"
    /\ secret' = "Wiped"
    /\ UNCHANGED <<fixed, fires, earlyPanic, processes, sequence, liveness>>

MutantSpec == Init /\ [][Next \/ OwnerStopsInsideWindow]_vars /\ Fairness
=============================================================================
