------------------------ MODULE MutantKillOnlyDirectChild ------------------------
(* Breaks NoReceiverOutlivesFire.  The kill loop kills a consumer as it    *)
(* kills any holder, by its own pidfd only: a child it forked (a worker, a *)
(* double-forked daemon) is reparented and lives on with the secret.       *)
EXTENDS MCConsumers

DaemonKillsOnlyTheConsumer(p) ==
    /\ state = "Killing"
    /\ p = NextToKill
    /\ IF mode = "Armed" /\ Runs(p, pinned[p])
          THEN /\ killed' = killed \cup {<<p, gen[p]>>}
               /\ alive' = alive \ {p}
          ELSE UNCHANGED <<killed, alive>>
    /\ signalled' = signalled \cup {p}
    /\ UNCHANGED <<fixed, daemon, gen, reuses, forked, holders, doomed, firedBy, clients,
                   presence>>

MutantSpec == Init /\ [][Next \/ \E p \in Pids : DaemonKillsOnlyTheConsumer(p)]_vars /\ Fairness
=============================================================================
