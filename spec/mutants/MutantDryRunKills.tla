--------------------------- MODULE MutantDryRunKills ---------------------------
(* Breaks DryRunNeverKills.  The kill loop forgets to look at the mode and *)
(* sends SIGKILL to a live registered holder in DryRun too.                *)
EXTENDS MCDeadMan

DaemonKillsHolderInAnyMode(p) ==
    /\ state = "Killing"
    /\ p = NextToKill
    /\ Runs(p, pinned[p])
    /\ killed' = killed \cup {<<p, gen[p]>>}
    /\ alive' = alive \ {p}
    /\ signalled' = signalled \cup {p}
    /\ UNCHANGED <<fixed, daemon, gen, reuses, forked, holders, doomed, firedBy, clients,
                   presence>>

MutantSpec == Init /\ [][Next \/ \E p \in Pids : DaemonKillsHolderInAnyMode(p)]_vars /\ Fairness
=============================================================================
