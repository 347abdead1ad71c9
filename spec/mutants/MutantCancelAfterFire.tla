-------------------------- MODULE MutantCancelAfterFire --------------------------
(* Breaks CancelOnlyBeforeFire.  CANCEL checks for "not yet dead" instead  *)
(* of "window pending", so it takes back a sequence already under way.     *)
EXTENDS MCDeadMan

HeartbeatCancelsTooLate ==
    /\ state \in {"Killing", "Wiping", "Unlinking"}
    /\ slot = "Held"
    /\ state' = "Attached"
    /\ canceller' = slotConn
    /\ UNCHANGED <<fixed, secret, fires, earlyPanic, processes, sequence,
                   slot, slotConn, conns, busy, reconnects>>

MutantSpec == Init /\ [][Next \/ HeartbeatCancelsTooLate]_vars /\ Fairness
=============================================================================
