------------------------- MODULE MutantDeliverBeforePin -------------------------
(* Breaks NoReceiverOutlivesFire.  The consumer gets the secret first and  *)
(* is pinned in a later step, not both under the lock the kill loop takes: *)
(* a fire in between refuses the pin, and the receiver is on no kill list. *)
EXTENDS MCConsumers

ConsumerGetsSecretUnpinned(p) ==
    /\ p \in ConsumerPids
    /\ state \in HeldStates
    /\ p \in alive
    /\ pinned[p] = 0
    /\ <<p, gen[p]>> \notin received
    /\ received' = received \cup {<<p, gen[p]>>}
    /\ UNCHANGED <<fixed, daemon, os, pinned, trees, sequence, clients, presence>>

ConsumerIsPinnedLater(p) ==
    /\ state \in LiveStates
    /\ p \in alive
    /\ <<p, gen[p]>> \in received
    /\ pinned[p] = 0
    /\ pinned' = [pinned EXCEPT ![p] = gen[p]]
    /\ trees' = trees \cup {p}
    /\ UNCHANGED <<fixed, daemon, os, received, sequence, clients, presence>>

MutantSpec ==
    Init /\ [][Next \/ \E p \in Pids : ConsumerGetsSecretUnpinned(p) \/ ConsumerIsPinnedLater(p)]_vars
    /\ Fairness
=============================================================================
