-------------------- MODULE MutantKillWithoutIncarnationCheck --------------------
(* Breaks NoInnocentKilled.  DaemonKillsHolder asks only whether its PID   *)
(* runs, not whether it runs the registered incarnation: after the holder  *)
(* exited and the OS recycled the PID, the newcomer dies.                  *)
EXTENDS MCDeadMan

DaemonKillsHolderWithoutIncarnationCheck(p) ==
    /\ state = "Killing"
    /\ p = NextToKill
    /\ IF mode = "Armed" /\ p \in alive
          THEN /\ killed' = killed \cup {<<p, gen[p]>>}
               /\ alive' = alive \ {p}
          ELSE UNCHANGED <<killed, alive>>
    /\ signalled' = signalled \cup {p}
    /\ UNCHANGED <<fixed, daemon, gen, reuses, forked, holders, doomed, firedBy, clients,
                   presence>>

MutantSpec ==
    Init /\ [][Next \/ \E p \in Pids : DaemonKillsHolderWithoutIncarnationCheck(p)]_vars /\ Fairness
=============================================================================
