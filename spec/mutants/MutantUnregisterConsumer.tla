------------------------ MODULE MutantUnregisterConsumer ------------------------
(* Breaks NoReceiverOutlivesFire.  UNREGISTER lets a consumer go like any  *)
(* holder: a process that received the secret leaves the kill list and    *)
(* outlives the armed sequence, its copy of the secret intact.             *)
EXTENDS MCConsumers

OwnerUnregistersConsumer(p) ==
    /\ state \in LiveStates
    /\ p \in trees
    /\ pinned' = [pinned EXCEPT ![p] = 0]
    /\ trees' = trees \ {p}
    /\ UNCHANGED <<fixed, daemon, os, received, sequence, clients, presence>>

MutantSpec == Init /\ [][Next \/ \E p \in Pids : OwnerUnregistersConsumer(p)]_vars /\ Fairness
=============================================================================
