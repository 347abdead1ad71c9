---------------------- MODULE MutantEverySessionEndIsALoss ----------------------
(* Breaks NoLossWhilePresent.  Any session that ends is taken for a loss   *)
(* of liveness, not only the last presence out: closing one of two shells  *)
(* opens the window (or fires with --grace 0) while the other still lives. *)
EXTENDS MCPresence

SessionEndsAsALoss(s) ==
    /\ s \in liveSessions
    /\ state = "Attached"
    /\ liveSessions # {s} \/ slotConn # 0
    /\ OpenWindow("Loss")
    /\ liveSessions' = liveSessions \ {s}
    /\ endedSessions' = endedSessions \cup {s}
    /\ UNCHANGED <<fixed, ready, secret, earlyPanic, ended, os, holders, signalled, killed,
                   clients>>

MutantSpec == Init /\ [][Next \/ \E s \in Sessions : SessionEndsAsALoss(s)]_vars /\ Fairness
=============================================================================
