-------------------------- MODULE MutantStopWithoutWipe --------------------------
(* Breaks WipeBeforeDeath.  The clean stop exits 0 without wiping, as a    *)
(* shutdown hook that forgot the secret would.                             *)
EXTENDS MCDeadMan

OwnerStopsWithoutWipe ==
    /\ state \in LiveStates \ {"Grace"}
    /\ state' = "Stopped"
    /\ ended' = "Exit0"
    /\ UNCHANGED <<fixed, window, ready, secret, fires, earlyPanic, os, holders, sequence,
                   clients, presence>>

MutantSpec == Init /\ [][Next \/ OwnerStopsWithoutWipe]_vars /\ Fairness
=============================================================================
