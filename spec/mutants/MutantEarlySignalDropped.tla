------------------------- MODULE MutantEarlySignalDropped -------------------------
(* Breaks NoSignalLost.  A panic signal that arrives before the machine is *)
(* running is denied and dropped (Spring Statemachine denies every event   *)
(* before start), and the load goes on as if nothing had happened.         *)
EXTENDS MCDeadMan

EarlySignalIsDropped ==
    /\ state \in EarlyStates
    /\ earlyPanic' = TRUE
    /\ UNCHANGED <<fixed, state, window, ready, secret, fires, ended, os, holders,
                   sequence, clients, presence>>

MutantSpec == Init /\ [][Next \/ EarlySignalIsDropped]_vars /\ Fairness
=============================================================================
