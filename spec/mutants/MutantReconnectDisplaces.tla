------------------------ MODULE MutantReconnectDisplaces ------------------------
(* Breaks ReplyMatchesEffect.  HeartbeatReconnects without its slot-free   *)
(* check: after a ping deadline, a second HELLO is welcomed and takes the  *)
(* slot from the heartbeat still attached, which is never told.            *)
EXTENDS MCDeadMan

HeartbeatReconnectsWhileHeld(c) ==
    /\ Running
    /\ c \in pendingHello
    /\ state = "Grace"
    /\ window = "Loss"
    /\ state' = "Attached"
    /\ window' = "None"
    /\ slotConn' = c
    /\ told' = [told EXCEPT ![c] = "Welcome"]
    /\ pendingHello' = pendingHello \ {c}
    /\ cancels' = cancels \cup {[how |-> "Reconnect", window |-> window, callerTold |-> told[c]]}
    /\ UNCHANGED <<fixed, ready, secret, fires, earlyPanic, ended, os, holders, sequence,
                   conns, open, presence>>

MutantSpec == Init /\ [][Next \/ \E c \in Conns : HeartbeatReconnectsWhileHeld(c)]_vars /\ Fairness
=============================================================================
