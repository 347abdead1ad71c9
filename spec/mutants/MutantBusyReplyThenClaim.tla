------------------------ MODULE MutantBusyReplyThenClaim ------------------------
(* Breaks ReplyMatchesEffect.  The socket adapter stops waiting for the    *)
(* kernel, answers BUSY and closes the connection, but the HELLO stays     *)
(* queued and the kernel later gives the slot to a connection that is gone *)
(* (a heartbeat whose loss can never be seen).                             *)
EXTENDS MCDeadMan

AdapterAnswersBusyOnTimeout(c) ==
    /\ c \in pendingHello
    /\ c \in open
    /\ told' = [told EXCEPT ![c] = "Busy"]
    /\ open' = open \ {c}
    /\ UNCHANGED <<fixed, daemon, os, holders, sequence, conns, pendingHello, slotConn,
                   cancels, presence>>

MutantSpec == Init /\ [][Next \/ \E c \in Conns : AdapterAnswersBusyOnTimeout(c)]_vars /\ Fairness
=============================================================================
