---------------------- MODULE MutantKillLoopWaitsForExited ----------------------
(* Breaks SequenceFinishes.  The kill loop waits for each holder to be     *)
(* running before it moves on, instead of reporting it gone: a holder that *)
(* exited before the fire stalls the sequence for ever, secret in RAM.     *)
EXTENDS MCPresence

DaemonKillsRunningHolder(p) ==
    /\ Runs(p, pinned[p])
    /\ DaemonKillsHolder(p)

MutantNext ==
    \/ Next /\ ~\E p \in Pids : DaemonKillsHolder(p)
    \/ \E p \in Pids : DaemonKillsRunningHolder(p)

MutantSpec ==
    /\ Init /\ [][MutantNext]_vars
    /\ StartUpFairness /\ AnswerFairness /\ WF_vars(TimerExpires)
    /\ \A p \in Pids : WF_vars(DaemonKillsRunningHolder(p))
    /\ WF_vars(DaemonFinishesKilling) /\ WF_vars(DaemonWipesSecret) /\ WF_vars(DaemonUnlinksFiles)
=============================================================================
