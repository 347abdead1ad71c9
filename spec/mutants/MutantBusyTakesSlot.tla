--------------------------- MODULE MutantBusyTakesSlot ---------------------------
(* Breaks BusyNeverDisplaces.  A connection answered BUSY then replaces   *)
(* the holder of the slot (last one wins).  Its reply disagrees with its  *)
(* effect too (ReplyMatchesEffect), in the same state; the model's config *)
(* lists BusyNeverDisplaces first, and TLC names the first invariant it   *)
(* breaks.                                                                 *)
EXTENDS MCDeadMan

SecondClientTakesSlot(c) ==
    /\ state \in {"Attached", "Grace"}
    /\ told[c] = "Busy"
    /\ slotConn' = c
    /\ UNCHANGED <<fixed, daemon, os, holders, sequence, conns, open, pendingHello, told,
                   cancels, presence>>

MutantSpec == Init /\ [][Next \/ \E c \in Conns : SecondClientTakesSlot(c)]_vars /\ Fairness
=============================================================================
