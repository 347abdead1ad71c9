------------------------ MODULE MutantAbortBypassesGate ------------------------
(* Breaks NoHolderOutlivesFire.  A failed start-up wipes, unlinks and      *)
(* exits 3 without asking the gate: after an early panic fired, the abort  *)
(* ends the process while the kill loop has not finished.                  *)
EXTENDS MCDeadMan

DaemonAbortsStartWithoutGate ==
    /\ ~ready
    /\ Running
    /\ state' = "Stopped"
    /\ secret' = "Wiped"
    /\ ended' = "Exit3"
    /\ UNCHANGED <<fixed, window, ready, fires, earlyPanic, os, holders, sequence,
                   clients, presence>>

MutantSpec == Init /\ [][Next \/ DaemonAbortsStartWithoutGate]_vars /\ Fairness
=============================================================================
