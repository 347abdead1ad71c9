-------------------------- MODULE MutantWipeBeforeKill --------------------------
(* Breaks KillBeforeWipe.  The wipe does not wait for the kill loop: the   *)
(* daemon may leave Killing while registered holders are still untouched,  *)
(* so a holder can read a half-wiped secret.                               *)
EXTENDS MCDeadMan

DaemonWipesWithoutWaiting ==
    /\ state = "Killing"
    /\ state' = "Wiping"
    /\ UNCHANGED <<fixed, window, ready, secret, fires, earlyPanic, ended, os, holders,
                   sequence, clients, presence>>

MutantSpec == Init /\ [][Next \/ DaemonWipesWithoutWaiting]_vars /\ Fairness
=============================================================================
