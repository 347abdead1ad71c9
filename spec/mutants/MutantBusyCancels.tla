---------------------------- MODULE MutantBusyCancels ----------------------------
(* Breaks BusyNeverDisplaces.  The connection answered BUSY is not closed, *)
(* and its CANCEL is honoured: anyone who can reach the socket can hold   *)
(* off a pending panic.                                                    *)
EXTENDS MCDeadMan

SecondClientCancels(c) ==
    /\ state = "Grace"
    /\ c \in busy
    /\ state' = "Attached"
    /\ canceller' = c
    /\ UNCHANGED <<fixed, secret, fires, earlyPanic, processes, sequence,
                   slot, slotConn, conns, busy, reconnects>>

MutantSpec == Init /\ [][Next \/ \E c \in busy : SecondClientCancels(c)]_vars /\ Fairness
=============================================================================
