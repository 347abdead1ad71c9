-------------------------- MODULE MutantAnyHelloCancels --------------------------
(* Breaks HelloCancelsOnlyALoss.  Any HELLO on a free slot cancels any     *)
(* pending window, also one that SIGUSR1 or PANIC opened: a fresh client   *)
(* takes back a panic the owner asked for.                                 *)
EXTENDS MCDeadMan

HeartbeatReconnectsWhateverOpened(c) ==
    /\ Running
    /\ c \in pendingHello
    /\ slotConn = 0
    /\ state = "Grace"
    /\ state' = "Attached"
    /\ window' = "None"
    /\ slotConn' = c
    /\ told' = [told EXCEPT ![c] = "Welcome"]
    /\ pendingHello' = pendingHello \ {c}
    /\ cancels' = cancels \cup {[how |-> "Reconnect", window |-> window, callerTold |-> told[c]]}
    /\ UNCHANGED <<fixed, ready, secret, fires, earlyPanic, ended, os, holders, sequence,
                   conns, open, presence>>

MutantSpec == Init /\ [][Next \/ \E c \in Conns : HeartbeatReconnectsWhateverOpened(c)]_vars /\ Fairness
=============================================================================
