-------------------------- MODULE MutantStopWithoutWipe --------------------------
(* Breaks WipeBeforeDeath.  The clean stop exits 0 without wiping, as a    *)
(* shutdown hook that forgot the secret would.                             *)
EXTENDS MCDeadMan

OwnerStopsWithoutWipe ==
    /\ state \in {"Starting", "Loading", "Waiting", "Attached"}
    /\ state' = "Stopped"
    /\ UNCHANGED <<fixed, secret, fires, earlyPanic, processes, sequence, liveness>>

MutantSpec == Init /\ [][Next \/ OwnerStopsWithoutWipe]_vars /\ Fairness
=============================================================================
