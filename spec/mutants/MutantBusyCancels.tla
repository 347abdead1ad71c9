---------------------------- MODULE MutantBusyCancels ----------------------------
(* Breaks BusyNeverDisplaces.  The connection answered BUSY is not closed, *)
(* and its CANCEL is honoured: anyone who can reach the socket can hold   *)
(* off a pending panic.                                                    *)
EXTENDS MCDeadMan

SecondClientCancels(c) ==
    /\ state = "Grace"
    /\ told[c] = "Busy"
    /\ state' = "Attached"
    /\ window' = "None"
    /\ cancels' = cancels \cup {[how |-> "Cancel", window |-> window, callerTold |-> told[c]]}
    /\ UNCHANGED <<fixed, ready, secret, fires, earlyPanic, ended, os, holders, sequence,
                   conns, open, pendingHello, told, slotConn, presence>>

MutantSpec == Init /\ [][Next \/ \E c \in Conns : SecondClientCancels(c)]_vars /\ Fairness
=============================================================================
