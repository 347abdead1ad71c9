------------------------- MODULE MutantLateRegistration -------------------------
(* Breaks KillBeforeWipe.  REGISTER is still accepted after the sequence   *)
(* has begun, so a holder can join after the kill loop went past it and    *)
(* live on through the wipe.                                               *)
EXTENDS MCDeadMan

OwnerRegistersHolderAnyTime(p) ==
    /\ Running
    /\ pinned[p] = 0
    /\ p \in alive
    /\ pinned' = [pinned EXCEPT ![p] = gen[p]]
    /\ UNCHANGED <<fixed, daemon, os, trees, received, sequence, clients, presence>>

MutantSpec == Init /\ [][Next \/ \E p \in Pids : OwnerRegistersHolderAnyTime(p)]_vars /\ Fairness
=============================================================================
