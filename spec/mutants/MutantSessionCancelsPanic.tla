------------------------ MODULE MutantSessionCancelsPanic ------------------------
(* Breaks HelloCancelsOnlyALoss.  A session that starts inside any window  *)
(* cancels it, also one a panic opened: whoever can open a shell on the    *)
(* machine takes back the panic the owner asked for.                       *)
EXTENDS MCPresence

SessionReturnsWhateverOpened(s) ==
    /\ s \notin liveSessions \cup endedSessions
    /\ state = "Grace"
    /\ state' = "Attached"
    /\ window' = "None"
    /\ liveSessions' = liveSessions \cup {s}
    /\ cancels' = cancels \cup {[how |-> "Session", window |-> window, callerTold |-> "None"]}
    /\ UNCHANGED <<fixed, ready, secret, fires, earlyPanic, ended,
                   os, holders, sequence, conns, open, pendingHello, told, slotConn,
                   endedSessions>>

MutantSpec == Init /\ [][Next \/ \E s \in Sessions : SessionReturnsWhateverOpened(s)]_vars /\ Fairness
=============================================================================
