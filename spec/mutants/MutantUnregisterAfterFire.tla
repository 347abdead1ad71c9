------------------------ MODULE MutantUnregisterAfterFire ------------------------
(* Breaks NoHolderOutlivesFire.  UNREGISTER is still accepted once the     *)
(* sequence has begun (REGISTER is refused): a holder leaves the kill list *)
(* between the decision and its kill, and outlives the daemon.             *)
EXTENDS MCDeadMan

OwnerUnregistersHolderAnyTime(p) ==
    /\ Running
    /\ pinned[p] # 0
    /\ pinned' = [pinned EXCEPT ![p] = 0]
    /\ UNCHANGED <<fixed, daemon, os, trees, received, sequence, clients, presence>>

MutantSpec == Init /\ [][Next \/ \E p \in Pids : OwnerUnregistersHolderAnyTime(p)]_vars /\ Fairness
=============================================================================
