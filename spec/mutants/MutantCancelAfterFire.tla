-------------------------- MODULE MutantCancelAfterFire --------------------------
(* Breaks CancelOnlyBeforeFire.  CANCEL checks for "not yet dead" instead  *)
(* of "window pending", so it takes back a sequence already under way.     *)
EXTENDS MCDeadMan

HeartbeatCancelsTooLate ==
    /\ slotConn # 0
    /\ state \in SequenceStates
    /\ state' = "Attached"
    /\ cancels' = cancels \cup {[how |-> "Cancel", window |-> window, callerTold |-> told[slotConn]]}
    /\ UNCHANGED <<fixed, window, ready, secret, fires, earlyPanic, ended, os, holders,
                   sequence, conns, open, pendingHello, told, slotConn, presence>>

MutantSpec == Init /\ [][Next \/ HeartbeatCancelsTooLate]_vars /\ Fairness
=============================================================================
