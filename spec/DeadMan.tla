------------------------------- MODULE DeadMan -------------------------------
(***************************************************************************)
(* dazai's dead-man switch: one daemon holding a secret in RAM, one        *)
(* liveness slot for a heartbeat connection, a single-fire gate, and the   *)
(* kill sequence Killing -> Wiping -> Unlinking -> Dying (or Rehearsed in  *)
(* DryRun).  States, events and invariants carry the names of              *)
(* shared/DESIGN.md and follow the kernel's transition table row by row.   *)
(*                                                                         *)
(* Modelled: every event of the design table, enabled together wherever   *)
(* the table allows, so a dropped socket, a signal and a timer race by     *)
(* interleaving; the early-signal gap (a panic in Starting or Loading);    *)
(* the slot and the BUSY answer to a second connection; holders as process *)
(* incarnations in a small process table, where a process can exit and the *)
(* OS can start an unrelated process on its PID, and the daemon kills by   *)
(* identity (pidfd: the incarnation pinned at registration); the kill      *)
(* sequence as separate steps, one holder at a time.                       *)
(*                                                                         *)
(* Left out on purpose: the bytes of the secret (only whether it is        *)
(* absent, in RAM or wiped); time (a timer either expires or has not yet,  *)
(* so PING and deadlines are not modelled and the ping timeout may expire  *)
(* whenever the table lets it); the kernel's event queue (the gate decides *)
(* and the state moves in one atomic step, as the kernel's compare-and-set *)
(* decides before anything else can); UNREGISTER, STATUS and the control   *)
(* socket's framing; kill -9 of the daemon, the OOM killer and power loss, *)
(* which no design can answer.                                             *)
(***************************************************************************)
EXTENDS Naturals, FiniteSets

CONSTANTS
    Modes,          \* the modes to check, a subset of {"DryRun", "Armed"}; fixed per behaviour
    Graces,         \* a subset of {"Zero", "Window"}: --grace 0, or a positive window
    Pids,           \* the PIDs the OS hands out; a process starts on each at the outset
    MaxPidReuses,   \* how many times the OS may start a new process on a freed PID
    MaxReconnects,  \* how many HELLOs may reconnect after the heartbeat was lost
    MaxBusy         \* how many second connections may arrive while the slot is held

ASSUME /\ Modes # {} /\ Modes \subseteq {"DryRun", "Armed"}
       /\ Graces # {} /\ Graces \subseteq {"Zero", "Window"}
       /\ Pids \subseteq Nat \ {0}
       /\ {MaxPidReuses, MaxReconnects, MaxBusy} \subseteq Nat

VARIABLES
    mode,        \* "DryRun" or "Armed", chosen at start and never changed
    grace,       \* "Zero" or "Window", chosen at start and never changed
    state,       \* the kernel's State, by the same names
    secret,      \* "Absent", "InRam" (partly or wholly loaded) or "Wiped"
    fires,       \* how many times the kill sequence has been started
    earlyPanic,  \* a panic signal arrived while Starting or Loading
    alive,       \* the PIDs a process runs on now
    gen,         \* gen[p]: the incarnation of the latest process started on PID p
    pinned,      \* pinned[p]: the incarnation registered on p (its pidfd), 0 if none
    reuses,      \* how many times a PID has been recycled
    signalled,   \* the registered PIDs the kill loop has dealt with (killed or found gone)
    killed,      \* the incarnations <<pid, gen>> that received SIGKILL from the daemon
    slot,        \* "Free" or "Held": the liveness slot
    slotConn,    \* the connection holding the slot, 0 when free
    conns,       \* how many heartbeat connections have been opened (ids 1..conns)
    busy,        \* the connections answered BUSY
    canceller,   \* the connection whose CANCEL or HELLO last cancelled a window, 0 if none
    reconnects   \* how many HELLOs have reconnected after a loss

fixed     == <<mode, grace>>
daemon    == <<state, secret, fires, earlyPanic>>
processes == <<alive, gen, pinned, reuses>>
sequence  == <<signalled, killed>>
liveness  == <<slot, slotConn, conns, busy, canceller, reconnects>>
vars      == <<fixed, daemon, processes, sequence, liveness>>

States      == {"Starting", "Loading", "Waiting", "Attached", "Grace",
                "Killing", "Wiping", "Unlinking", "Dying", "Rehearsed", "Stopped"}
EarlyStates == {"Starting", "Loading"}
LiveStates  == {"Starting", "Loading", "Waiting", "Attached", "Grace"}
FiredStates == {"Killing", "Wiping", "Unlinking", "Dying", "Rehearsed"}
EndStates   == {"Dying", "Rehearsed", "Stopped"}
MaxGen      == 1 + MaxPidReuses
MaxConns    == 1 + MaxReconnects + MaxBusy

\* The holders: every PID with a pinned incarnation.
Registered == {p \in Pids : pinned[p] # 0}

TypeOK ==
    /\ mode \in Modes
    /\ grace \in Graces
    /\ state \in States
    /\ secret \in {"Absent", "InRam", "Wiped"}
    /\ fires \in Nat
    /\ earlyPanic \in BOOLEAN
    /\ alive \subseteq Pids
    /\ gen \in [Pids -> 1..MaxGen]
    /\ pinned \in [Pids -> 0..MaxGen]
    /\ reuses \in 0..MaxPidReuses
    /\ signalled \subseteq Pids
    /\ killed \subseteq Pids \X (1..MaxGen)
    /\ slot \in {"Free", "Held"}
    /\ slotConn \in 0..MaxConns
    /\ conns \in 0..MaxConns
    /\ busy \subseteq 1..MaxConns
    /\ canceller \in 0..MaxConns
    /\ reconnects \in 0..MaxReconnects

Init ==
    /\ mode \in Modes
    /\ grace \in Graces
    /\ state = "Starting"
    /\ secret = "Absent"
    /\ fires = 0
    /\ earlyPanic = FALSE
    /\ alive = Pids
    /\ gen = [p \in Pids |-> 1]
    /\ pinned = [p \in Pids |-> 0]
    /\ reuses = 0
    /\ signalled = {}
    /\ killed = {}
    /\ slot = "Free"
    /\ slotConn = 0
    /\ conns = 0
    /\ busy = {}
    /\ canceller = 0
    /\ reconnects = 0

(***************************************************************************)
(* The single-fire gate.  Deciding to fire and entering the sequence are   *)
(* one step, as the kernel's compare-and-set is: every caller of Fire is   *)
(* guarded by a state the gate is still open in.                           *)
(***************************************************************************)
Fire ==
    /\ state' = "Killing"
    /\ fires' = fires + 1

\* A graceful panic opens the window, or fires at once with --grace 0.
OpenWindow ==
    IF grace = "Zero" THEN Fire
                      ELSE state' = "Grace" /\ UNCHANGED fires

-----------------------------------------------------------------------------
(***************************** Start-up ***********************************)

\* Row 1.  The daemon has installed a handler for every catchable signal;
\* only now does it start reading the secret into locked memory.
DaemonInstallsHandlers ==
    /\ state = "Starting"
    /\ state' = "Loading"
    /\ secret' = "InRam"
    /\ UNCHANGED <<fixed, fires, earlyPanic, processes, sequence, liveness>>

\* Row 2.  The whole secret is held; the sockets become ready and the ping
\* timer starts.
DaemonLoadsSecret ==
    /\ state = "Loading"
    /\ state' = "Waiting"
    /\ UNCHANGED <<fixed, secret, fires, earlyPanic, processes, sequence, liveness>>

\* Row 3.  A panic signal (graceful or hard) arrives before the secret is
\* held: the load is aborted and the sequence wipes whatever was read.
EarlySignalArrives ==
    /\ state \in EarlyStates
    /\ Fire
    /\ earlyPanic' = TRUE
    /\ UNCHANGED <<fixed, secret, processes, sequence, liveness>>

\* Rows 4 and 13.  SIGTERM, SIGINT or QUIT: a clean stop (wipe, unlink,
\* exit 0, holders untouched); inside a window it fires instead, because a
\* pending panic is never downgraded.
OwnerStops ==
    \/ /\ state \in {"Starting", "Loading", "Waiting", "Attached"}
       /\ state' = "Stopped"
       /\ secret' = "Wiped"
       /\ UNCHANGED <<fixed, fires, earlyPanic, processes, sequence, liveness>>
    \/ /\ state = "Grace"
       /\ Fire
       /\ UNCHANGED <<fixed, secret, earlyPanic, processes, sequence, liveness>>

\* A holder process (or anyone asking for one) registers on the control
\* socket or with --register; the daemon pins the incarnation running on
\* that PID now (pidfd), and refuses once the sequence has begun.
OwnerRegistersHolder(p) ==
    /\ state \in LiveStates
    /\ pinned[p] = 0
    /\ p \in alive
    /\ pinned' = [pinned EXCEPT ![p] = gen[p]]
    /\ UNCHANGED <<fixed, daemon, alive, gen, reuses, sequence, liveness>>

-----------------------------------------------------------------------------
(***************************** The liveness slot **************************)

\* Row 5.  The first HELLO takes the free slot on a new connection.
HeartbeatAttaches ==
    /\ state = "Waiting"
    /\ slot = "Free"
    /\ state' = "Attached"
    /\ slot' = "Held"
    /\ conns' = conns + 1
    /\ slotConn' = conns + 1
    /\ UNCHANGED <<fixed, secret, fires, earlyPanic, processes, sequence,
                   busy, canceller, reconnects>>

\* Rows 7 and 12.  The heartbeat connection ends without QUIT: the slot is
\* freed, and from Attached a window opens (or the switch fires at once).
OwnerLosesHeartbeat ==
    /\ state \in {"Attached", "Grace"}
    /\ slot = "Held"
    /\ slot' = "Free"
    /\ slotConn' = 0
    /\ IF state = "Attached" THEN OpenWindow ELSE UNCHANGED <<state, fires>>
    /\ UNCHANGED <<fixed, secret, earlyPanic, processes, sequence,
                   conns, busy, canceller, reconnects>>

\* Row 9.  HELLO on a new connection while a window is pending and nobody
\* holds the slot: it takes the slot and cancels the window.
HeartbeatReconnects ==
    /\ state = "Grace"
    /\ slot = "Free"
    /\ reconnects < MaxReconnects
    /\ state' = "Attached"
    /\ slot' = "Held"
    /\ conns' = conns + 1
    /\ slotConn' = conns + 1
    /\ canceller' = conns + 1
    /\ reconnects' = reconnects + 1
    /\ UNCHANGED <<fixed, secret, fires, earlyPanic, processes, sequence, busy>>

\* Row 10.  CANCEL from the connection holding the slot takes the pending
\* window back.
HeartbeatCancels ==
    /\ state = "Grace"
    /\ slot = "Held"
    /\ state' = "Attached"
    /\ canceller' = slotConn
    /\ UNCHANGED <<fixed, secret, fires, earlyPanic, processes, sequence,
                   slot, slotConn, conns, busy, reconnects>>

\* Row 15.  Another client says HELLO while the slot is held: it gets BUSY
\* and is closed; nothing else changes, so it can neither take the slot nor
\* cancel.
SecondClientConnects ==
    /\ state \in {"Attached", "Grace"}
    /\ slot = "Held"
    /\ Cardinality(busy) < MaxBusy
    /\ conns' = conns + 1
    /\ busy' = busy \cup {conns + 1}
    /\ UNCHANGED <<fixed, daemon, processes, sequence,
                   slot, slotConn, canceller, reconnects>>

-----------------------------------------------------------------------------
(***************************** Panics *************************************)

\* Rows 6 and 12.  SIGHUP, SIGUSR1, another terminating signal or `dazai
\* panic`: a window opens (or the switch fires with --grace 0); inside a
\* window nothing changes, the deadline is not extended.
OwnerPanics ==
    /\ state \in {"Waiting", "Attached"}
    /\ OpenWindow
    /\ UNCHANGED <<fixed, secret, earlyPanic, processes, sequence, liveness>>

\* Rows 6 and 12.  No PING or HELLO before the ping deadline: the same as a
\* graceful panic.  Whether the client pings is up to the environment.
PingDeadlinePasses ==
    /\ state \in {"Waiting", "Attached"}
    /\ OpenWindow
    /\ UNCHANGED <<fixed, secret, earlyPanic, processes, sequence, liveness>>

\* Row 8.  SIGUSR2 or `dazai panic --hard`: fire now, even inside a window.
OwnerPanicsHard ==
    /\ state \in {"Waiting", "Attached", "Grace"}
    /\ Fire
    /\ UNCHANGED <<fixed, secret, earlyPanic, processes, sequence, liveness>>

\* Row 11.  The daemon's grace timer runs out before anyone cancelled.
TimerExpires ==
    /\ state = "Grace"
    /\ Fire
    /\ UNCHANGED <<fixed, secret, earlyPanic, processes, sequence, liveness>>

-----------------------------------------------------------------------------
(***************************** The process table **************************)

\* A process ends on its own, holder or not; its PID becomes free.  Once
\* the kill loop is over the process table no longer matters, so the OS's
\* steps are only modelled until then.
ProcessExits(p) ==
    /\ state \in LiveStates \cup {"Killing"}
    /\ p \in alive
    /\ alive' = alive \ {p}
    /\ UNCHANGED <<fixed, daemon, gen, pinned, reuses, sequence, liveness>>

\* The OS starts an unrelated process on a freed PID: the PID-recycling
\* hazard that a kill by number would fall into.
OsRecyclesPid(p) ==
    /\ state \in LiveStates \cup {"Killing"}
    /\ p \notin alive
    /\ reuses < MaxPidReuses
    /\ alive' = alive \cup {p}
    /\ gen' = [gen EXCEPT ![p] = gen[p] + 1]
    /\ reuses' = reuses + 1
    /\ UNCHANGED <<fixed, daemon, pinned, sequence, liveness>>

-----------------------------------------------------------------------------
(***************************** The sequence (row 14) **********************)

\* The registered holder the kill loop deals with next, 0 when none is left.
NextToKill ==
    LET left == Registered \ signalled
    IN  IF left = {} THEN 0 ELSE CHOOSE p \in left : \A q \in left : p <= q

\* The daemon deals with the next registered holder through its pidfd: if
\* the pinned incarnation still runs it gets SIGKILL (in DryRun only "WOULD
\* SIGKILL" is logged), otherwise it is reported gone.  A process that
\* merely reuses the PID is never touched.  PID order stands for the
\* kernel's registration order: any fixed order, the OS free to act between
\* two kills.
DaemonKillsHolder(p) ==
    /\ state = "Killing"
    /\ p = NextToKill
    /\ IF mode = "Armed" /\ p \in alive /\ gen[p] = pinned[p]
          THEN /\ killed' = killed \cup {<<p, pinned[p]>>}
               /\ alive' = alive \ {p}
          ELSE UNCHANGED <<killed, alive>>
    /\ signalled' = signalled \cup {p}
    /\ UNCHANGED <<fixed, daemon, gen, pinned, reuses, liveness>>

\* Every registered holder has been dealt with: only now may the wipe start.
DaemonFinishesKilling ==
    /\ state = "Killing"
    /\ Registered \subseteq signalled
    /\ state' = "Wiping"
    /\ UNCHANGED <<fixed, secret, fires, earlyPanic, processes, sequence, liveness>>

\* explicit_bzero over every secret buffer.
DaemonWipesSecret ==
    /\ state = "Wiping"
    /\ secret' = "Wiped"
    /\ state' = "Unlinking"
    /\ UNCHANGED <<fixed, fires, earlyPanic, processes, sequence, liveness>>

\* The pidfile and sockets are removed; then SIGKILL to itself (Armed), or
\* "WOULD SIGKILL self" and exit 0 (DryRun).
DaemonUnlinksFiles ==
    /\ state = "Unlinking"
    /\ state' = IF mode = "Armed" THEN "Dying" ELSE "Rehearsed"
    /\ UNCHANGED <<fixed, secret, fires, earlyPanic, processes, sequence, liveness>>

\* The daemon has ended (killed itself, rehearsed, or stopped): nothing more
\* happens, which is not a deadlock.
DaemonHasEnded ==
    /\ state \in EndStates
    /\ UNCHANGED vars

-----------------------------------------------------------------------------
(* Row 16 (any trigger once Fired or Stopped is ignored) and row 15's      *)
(* "CANCEL with nothing pending" change nothing, so they are stuttering    *)
(* steps and need no action.                                               *)

DaemonSteps ==
    \/ DaemonInstallsHandlers
    \/ DaemonLoadsSecret
    \/ TimerExpires
    \/ \E p \in Pids : DaemonKillsHolder(p)
    \/ DaemonFinishesKilling
    \/ DaemonWipesSecret
    \/ DaemonUnlinksFiles
    \/ DaemonHasEnded

Next ==
    \/ DaemonSteps
    \/ EarlySignalArrives
    \/ OwnerStops
    \/ \E p \in Pids : OwnerRegistersHolder(p)
    \/ HeartbeatAttaches
    \/ OwnerLosesHeartbeat
    \/ HeartbeatReconnects
    \/ HeartbeatCancels
    \/ SecondClientConnects
    \/ OwnerPanics
    \/ PingDeadlinePasses
    \/ OwnerPanicsHard
    \/ \E p \in Pids : ProcessExits(p)
    \/ \E p \in Pids : OsRecyclesPid(p)

\* Weak fairness for the daemon's own steps only: the owner, the clients and
\* the OS may do nothing at all.
Fairness ==
    /\ WF_vars(DaemonInstallsHandlers)
    /\ WF_vars(DaemonLoadsSecret)
    /\ WF_vars(TimerExpires)
    /\ \A p \in Pids : WF_vars(DaemonKillsHolder(p))
    /\ WF_vars(DaemonFinishesKilling)
    /\ WF_vars(DaemonWipesSecret)
    /\ WF_vars(DaemonUnlinksFiles)

Spec == Init /\ [][Next]_vars /\ Fairness

-----------------------------------------------------------------------------
(***************************** Invariants *********************************)

\* The sequence starts at most once, however many triggers race.
SingleFire == fires <= 1

\* In DryRun no kill is ever sent, to a holder or to the daemon itself.
DryRunNeverKills == mode = "DryRun" => killed = {} /\ state # "Dying"

\* No wipe starts until every registered holder was signalled or found gone.
KillBeforeWipe ==
    state \in {"Wiping", "Unlinking", "Dying", "Rehearsed"} => Registered \subseteq signalled

\* The daemon never ends, on any path it controls, with the secret unwiped.
WipeBeforeDeath == state \in EndStates => secret = "Wiped"

\* A kill reaches only the incarnation that was registered, never a process
\* that later took its PID.
NoInnocentKilled == \A k \in killed : pinned[k[1]] = k[2]

\* A panic that arrives in Starting or Loading is not lost: the load is
\* aborted and the sequence (which wipes) runs.
NoSignalLost == earlyPanic => state \in FiredStates

\* Once the sequence has started, no cancel or reconnect takes it back.
CancelOnlyBeforeFire == fires > 0 => state \in FiredStates

\* A connection answered BUSY never holds the slot and never cancels.
BusyNeverDisplaces == slotConn \notin busy /\ canceller \notin busy

(***************************** Liveness ***********************************)

\* A window pending with nobody holding the slot (the heartbeat was lost, or
\* never came) ends in the sequence unless a heartbeat takes the slot again.
LostHeartbeatEventuallyFires ==
    (state = "Grace" /\ slot = "Free") ~> (state \in FiredStates \/ slot = "Held")

=============================================================================
