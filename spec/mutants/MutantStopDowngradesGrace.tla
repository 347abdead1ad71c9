------------------------ MODULE MutantStopDowngradesGrace ------------------------
(* Breaks LostHeartbeatEventuallyFires.  SIGTERM inside a grace window     *)
(* stops cleanly instead of firing: whoever took the machine ends a        *)
(* pending panic with `kill` and the holders live on.                      *)
EXTENDS MCPresence

OwnerStopsInsideWindow ==
    /\ state = "Grace"
    /\ state' = "Stopped"
    /\ secret' = "Wiped"
    /\ ended' = "Exit0"
    /\ UNCHANGED <<fixed, window, ready, fires, earlyPanic, os, holders, sequence,
                   clients, presence>>

MutantSpec == Init /\ [][Next \/ OwnerStopsInsideWindow]_vars /\ Fairness
=============================================================================
