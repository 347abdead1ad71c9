---------------------- MODULE MutantLastSessionEndsQuietly ----------------------
(* Breaks LastOneOutOpensTheWindow.  The last session out is journalled    *)
(* like any other and nothing moves: the switch stays Attached with nobody *)
(* there, and no window will ever open for it.                             *)
EXTENDS MCPresence

LastSessionLeavesQuietly(s) ==
    /\ liveSessions = {s}
    /\ slotConn = 0
    /\ state \in {"Attached", "Grace"}
    /\ liveSessions' = {}
    /\ endedSessions' = endedSessions \cup {s}
    /\ UNCHANGED <<fixed, daemon, os, holders, sequence, clients>>

MutantSpec == Init /\ [][Next \/ \E s \in Sessions : LastSessionLeavesQuietly(s)]_vars /\ Fairness
=============================================================================
