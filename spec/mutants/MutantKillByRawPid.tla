--------------------------- MODULE MutantKillByRawPid ---------------------------
(* Breaks NoInnocentKilled.  The daemon kills by PID number, kill(2), not  *)
(* by pidfd: if the holder has exited and the OS gave its PID to another   *)
(* process, that process dies instead.                                     *)
EXTENDS MCDeadMan

DaemonKillsByRawPid(p) ==
    /\ state = "Killing"
    /\ p = NextToKill
    /\ mode = "Armed"
    /\ p \in alive
    /\ killed' = killed \cup {<<p, gen[p]>>}
    /\ alive' = alive \ {p}
    /\ signalled' = signalled \cup {p}
    /\ UNCHANGED <<fixed, daemon, gen, reuses, forked, holders, doomed, firedBy, clients,
                   presence>>

MutantSpec == Init /\ [][Next \/ \E p \in Pids : DaemonKillsByRawPid(p)]_vars /\ Fairness
=============================================================================
