------------------------ MODULE MutantCheckThenActGate ------------------------
(* Breaks SingleFire.  The hard panic reads the gate, and fires in a later *)
(* step without looking again (check-then-act instead of compare-and-set): *)
(* another trigger can fire in between, and the sequence starts twice.     *)
EXTENDS MCDeadMan

VARIABLE sawOpen  \* the hard panic has seen the gate open and not yet acted

HardPanicChecksGate ==
    /\ ~sawOpen
    /\ state \in {"Waiting", "Attached", "Grace"}
    /\ sawOpen' = TRUE
    /\ UNCHANGED vars

HardPanicFires ==
    /\ sawOpen
    /\ sawOpen' = FALSE
    /\ Fire("Panic")
    /\ UNCHANGED <<fixed, ready, secret, earlyPanic, ended, os, holders, signalled,
                   killed, clients, presence>>

MutantSpec ==
    /\ Init /\ sawOpen = FALSE
    /\ [][(Next /\ UNCHANGED sawOpen) \/ HardPanicChecksGate \/ HardPanicFires]_<<vars, sawOpen>>
    /\ Fairness
=============================================================================
