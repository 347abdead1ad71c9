--------------------------- MODULE MutantBusyTakesSlot ---------------------------
(* Breaks BusyNeverDisplaces.  A HELLO on a second connection replaces the *)
(* holder of the slot (last one wins) after being answered BUSY.           *)
EXTENDS MCDeadMan

SecondClientTakesSlot(c) ==
    /\ state \in {"Attached", "Grace"}
    /\ c \in busy
    /\ slotConn' = c
    /\ slot' = "Held"
    /\ UNCHANGED <<fixed, daemon, processes, sequence, conns, busy, canceller, reconnects>>

MutantSpec == Init /\ [][Next \/ \E c \in busy : SecondClientTakesSlot(c)]_vars /\ Fairness
=============================================================================
