------------------- MODULE MutantSilenceIsALossBesideSessions -------------------
(* Breaks NoLossWhilePresent.  The ping deadline counts as a loss of       *)
(* liveness even while a session lives: a heartbeat that stops pinging     *)
(* opens the window although the user is still in a shell.                 *)
EXTENDS MCPresence

PingDeadlinePassesBesideSessions ==
    /\ ready
    /\ state \in {"Waiting", "Attached"}
    /\ OpenWindow("Loss")
    /\ UNCHANGED <<fixed, ready, secret, earlyPanic, ended,
                   os, holders, signalled, killed, clients, presence>>

MutantSpec == Init /\ [][Next \/ PingDeadlinePassesBesideSessions]_vars /\ Fairness
=============================================================================
