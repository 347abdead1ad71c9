------------------------------- MODULE DeadMan -------------------------------
(***************************************************************************)
(* dazai's dead-man switch: one daemon holding a secret in RAM, the user's *)
(* presence (one liveness slot for a heartbeat connection, and sessions),  *)
(* a single-fire gate, and the kill sequence Killing -> Wiping ->          *)
(* Unlinking -> Dying (or Rehearsed in DryRun).  States and invariants     *)
(* carry the names of DESIGN.md; each action is one method of the kernel   *)
(* and one Event, by the same name.                                        *)
(*                                                                         *)
(* Modelled: start-up as steps (handlers, secret, sockets) and its abort;  *)
(* every trigger, racing by interleaving, each asking the one gate, which  *)
(* also ignores it once fired; the grace window and what opened it (a loss *)
(* of liveness or a panic); heartbeat connections one by one: connect,     *)
(* HELLO, the daemon's one answer, CANCEL, QUIT, hang-up; sessions         *)
(* (shells, logins) that start once and end once, where only the last      *)
(* presence out is a loss and a session coming back into a loss's window   *)
(* cancels it; holders as process incarnations in a small process table,   *)
(* where a process can exit and the OS can start an unrelated process on   *)
(* its PID, and the daemon kills by identity (pidfd); REGISTER and         *)
(* UNREGISTER; consumers, holders that received the secret from the daemon *)
(* and whose descendants (forked on recycled PIDs) die with them; the      *)
(* sequence as separate steps, one holder (or one consumer's whole tree)   *)
(* at a time.                                                              *)
(*                                                                         *)
(* The invariants speak of what happened, kept in history variables: which *)
(* connection holds the slot and what each was told, which incarnations    *)
(* really died, who was registered when the sequence began, what the gate  *)
(* fired for, every cancel that took effect, which sessions lived and      *)
(* ended, who received the secret and whom it started, how the process     *)
(* ended.                                                                  *)
(*                                                                         *)
(* Left out on purpose: time (a timer either expires or has not yet); PING *)
(* and its content (the ping deadline may pass whenever the daemon is      *)
(* ready and no session lives); the bytes of the secret (only absent, in   *)
(* RAM or wiped), and so named secrets: adding or removing one would       *)
(* change nothing the spec sees (the one `secret` is all the memory, and   *)
(* the sequence wipes all of it), and that an add racing the wipe is       *)
(* refused is the memory port's final wipe, below these steps; a session's *)
(* end once the sequence began (the kernel only journals it); how a tree   *)
(* is contained: cgroup.kill and the subreaper's walk are one step here,   *)
(* so a descendant forking during the walk is not modelled; the kernel's   *)
(* event queue, except that each connection's messages are answered in     *)
(* order (the gate decides and the state moves in one atomic step, as the  *)
(* kernel's compare-and-set does); STATUS and the control socket's         *)
(* framing; kill -9 of the daemon, the OOM killer and power loss, which no *)
(* design can answer.                                                      *)
(***************************************************************************)
EXTENDS Naturals

CONSTANTS
    Modes,          \* the modes to check, a subset of {"DryRun", "Armed"}; fixed per behaviour
    Graces,         \* a subset of {"Zero", "Window"}: --grace 0, or a positive window
    Pids,           \* the PIDs the OS hands out; a process starts on each at the outset
    MaxPidReuses,   \* how many times the OS may start a new process on a freed PID
    MaxConns,       \* how many heartbeat connections may be opened, ids 1..MaxConns
    Sessions,       \* the user's sessions (model values), each may start once and end once
    ConsumerPids    \* the PIDs on which a consumer (`run`, --exec) may start

ASSUME /\ Modes # {} /\ Modes \subseteq {"DryRun", "Armed"}
       /\ Graces # {} /\ Graces \subseteq {"Zero", "Window"}
       /\ Pids \subseteq Nat \ {0}
       /\ MaxPidReuses \in Nat
       /\ MaxConns \in Nat
       /\ ConsumerPids \subseteq Pids

VARIABLES
    \* Fixed at start.
    mode,            \* "DryRun" or "Armed"
    grace,           \* "Zero" or "Window"
    \* The daemon.
    state,           \* the kernel's State, by the same names
    window,          \* why a window is pending: "None", "Loss" (of liveness) or "Panic"
    ready,           \* the sockets and the pidfile are up; start-up can no longer abort
    secret,          \* "Absent", "InRam" (partly or wholly loaded) or "Wiped"
    fires,           \* how many times the kill sequence has been started
    earlyPanic,      \* a panic signal arrived while Starting or Loading
    ended,           \* how the process ended: "None" (running), "Die", "Exit0" or "Exit3"
    \* The OS's process table.
    alive,           \* the PIDs a process runs on now
    gen,             \* gen[p]: the incarnation of the latest process started on PID p
    reuses,          \* how many times a PID has been recycled (by anyone, or by a fork)
    forked,          \* every fork in a consumer's tree: <<parent, child>> incarnations
    \* The registry of holders.
    pinned,          \* pinned[p]: the incarnation registered on p (its pidfd), 0 if none
    trees,           \* the pinned PIDs registered as consumers: their kill reaches their tree
    received,        \* the incarnations <<p, g>> the daemon gave a secret to
    \* The sequence.
    doomed,          \* the incarnations <<p, g>> registered when the sequence began
    signalled,       \* the registered PIDs the kill loop has dealt with (killed, would kill, gone)
    killed,          \* the incarnations <<p, g>> that really died of the daemon's SIGKILL
    firedBy,         \* what the gate fired for: "None" (not fired), "Loss" or "Panic"
    \* Heartbeat connections.
    conns,           \* how many have been opened (ids 1..conns)
    open,            \* the connections open now
    pendingHello,    \* the connections whose HELLO awaits the daemon's answer
    told,            \* told[c]: the daemon's last answer to c ("None", "Welcome", "Busy", ...)
    slotConn,        \* the connection holding the liveness slot, 0 when free
    cancels,         \* every cancel that took effect: how, the window, what the caller was told
    \* Sessions.
    liveSessions,    \* the sessions living now
    endedSessions    \* the sessions that have ended

fixed    == <<mode, grace>>
daemon   == <<state, window, ready, secret, fires, earlyPanic, ended>>
os       == <<alive, gen, reuses, forked>>
holders  == <<pinned, trees, received>>
sequence == <<doomed, signalled, killed, firedBy>>
clients  == <<conns, open, pendingHello, told, slotConn, cancels>>
presence == <<liveSessions, endedSessions>>
vars     == <<fixed, daemon, os, holders, sequence, clients, presence>>

States         == {"Starting", "Loading", "Waiting", "Attached", "Grace",
                   "Killing", "Wiping", "Unlinking", "Dying", "Rehearsed", "Stopped"}
EarlyStates    == {"Starting", "Loading"}
LiveStates     == {"Starting", "Loading", "Waiting", "Attached", "Grace"}
HeldStates     == {"Waiting", "Attached", "Grace"}   \* the secret is held, the end not begun
SequenceStates == {"Killing", "Wiping", "Unlinking"}
EndStates      == {"Dying", "Rehearsed", "Stopped"}
Windows        == {"None", "Loss", "Panic"}
Endings        == {"None", "Die", "Exit0", "Exit3"}
Replies        == {"None", "Welcome", "Busy", "Bye", "PanicPending"}
Conns          == 1..MaxConns
MaxGen         == 1 + MaxPidReuses
Incarnations   == Pids \X (1..MaxGen)

\* The PIDs with a registered incarnation.
Pinned == {p \in Pids : pinned[p] # 0}

\* Incarnation g of PID p is running now.
Runs(p, g) == p \in alive /\ gen[p] = g

\* The daemon is still a process: it reads its sockets and its signals.
Running == state \notin EndStates

\* Someone is there: a heartbeat holds the slot, or a session lives.
Present == slotConn # 0 \/ liveSessions # {}

\* The incarnations in S and all they started, at any depth.
RECURSIVE Offspring(_)
Offspring(S) ==
    LET next == S \cup {f[2] : f \in {x \in forked : x[1] \in S}}
    IN  IF next = S THEN S ELSE Offspring(next)

\* What the kill of registered PID p reaches: the pinned incarnation, and a
\* consumer's whole tree.
Reach(p) == IF p \in trees THEN Offspring({<<p, pinned[p]>>}) ELSE {<<p, pinned[p]>>}

TypeOK ==
    /\ mode \in Modes
    /\ grace \in Graces
    /\ state \in States
    /\ window \in Windows
    /\ ready \in BOOLEAN
    /\ secret \in {"Absent", "InRam", "Wiped"}
    /\ fires \in Nat
    /\ earlyPanic \in BOOLEAN
    /\ ended \in Endings
    /\ alive \subseteq Pids
    /\ gen \in [Pids -> 1..MaxGen]
    /\ reuses \in 0..MaxPidReuses
    /\ forked \subseteq Incarnations \X Incarnations
    /\ pinned \in [Pids -> 0..MaxGen]
    /\ trees \subseteq Pinned
    /\ received \subseteq Incarnations
    /\ doomed \subseteq Incarnations
    /\ signalled \subseteq Pids
    /\ killed \subseteq Incarnations
    /\ firedBy \in Windows
    /\ conns \in 0..MaxConns
    /\ open \subseteq 1..conns
    /\ pendingHello \subseteq 1..conns
    /\ told \in [Conns -> Replies]
    /\ slotConn \in 0..conns
    /\ cancels \subseteq [how : {"Reconnect", "Cancel", "Session"}, window : Windows,
                          callerTold : Replies]
    /\ liveSessions \subseteq Sessions
    /\ endedSessions \subseteq Sessions
    /\ liveSessions \cap endedSessions = {}

Init ==
    /\ mode \in Modes
    /\ grace \in Graces
    /\ state = "Starting"
    /\ window = "None"
    /\ ready = FALSE
    /\ secret = "Absent"
    /\ fires = 0
    /\ earlyPanic = FALSE
    /\ ended = "None"
    /\ alive = Pids
    /\ gen = [p \in Pids |-> 1]
    /\ reuses = 0
    /\ forked = {}
    /\ pinned = [p \in Pids |-> 0]
    /\ trees = {}
    /\ received = {}
    /\ doomed = {}
    /\ signalled = {}
    /\ killed = {}
    /\ firedBy = "None"
    /\ conns = 0
    /\ open = {}
    /\ pendingHello = {}
    /\ told = [c \in Conns |-> "None"]
    /\ slotConn = 0
    /\ cancels = {}
    /\ liveSessions = {}
    /\ endedSessions = {}

(***************************************************************************)
(* The single-fire gate.  Every trigger and every ending asks it, and its  *)
(* decision and the move into the sequence are one step, as the kernel's   *)
(* compare-and-set is.  Its phase needs no variable: Open in Starting ..   *)
(* Attached, Pending in Grace, Fired in the sequence, Stopped.  A trigger  *)
(* the gate ignores (it has fired) is a step that changes nothing, written *)
(* out in each trigger so that TLC labels it with the trigger's name.      *)
(***************************************************************************)

\* The gate fires for a loss of liveness or a panic: the sequence begins,
\* dooming the incarnations registered now.
Fire(cause) ==
    /\ state' = "Killing"
    /\ fires' = fires + 1
    /\ window' = "None"
    /\ doomed' = {<<p, pinned[p]>> : p \in Pinned}
    /\ firedBy' = cause

\* A liveness loss or a graceful panic opens a window for that cause, or
\* fires at once with --grace 0.
OpenWindow(cause) ==
    IF grace = "Zero" THEN Fire(cause)
                      ELSE /\ state' = "Grace"
                           /\ window' = cause
                           /\ UNCHANGED <<fires, doomed, firedBy>>

\* An ending asked for (stop, QUIT, failed start-up): a clean stop, secret
\* wiped; with a window pending the gate fires it (a panic is never downgraded).
StopOrFire(exitCode) ==
    IF state = "Grace"
    THEN Fire(window) /\ UNCHANGED <<secret, ended>>
    ELSE /\ state' = "Stopped"
         /\ secret' = "Wiped"
         /\ ended' = exitCode
         /\ UNCHANGED <<fires, window, doomed, firedBy>>

-----------------------------------------------------------------------------
(***************************** Start-up ***********************************)

\* A handler is live for every catchable signal; only now does the daemon
\* start reading the secret into locked memory.
DaemonInstallsHandlers ==
    /\ state = "Starting"
    /\ state' = "Loading"
    /\ secret' = "InRam"
    /\ UNCHANGED <<fixed, window, ready, fires, earlyPanic, ended,
                   os, holders, sequence, clients, presence>>

\* The whole secret is held; the daemon waits for a heartbeat.  Sockets and
\* pidfile come next, so a signal or a failure may still find it unready.
DaemonLoadsSecret ==
    /\ state = "Loading"
    /\ state' = "Waiting"
    /\ UNCHANGED <<fixed, window, ready, secret, fires, earlyPanic, ended,
                   os, holders, sequence, clients, presence>>

\* The sockets and the pidfile are up and the ping timer runs: start-up is
\* over, nothing can abort it now.  A session or a window meanwhile stays.
DaemonBecomesReady ==
    /\ ~ready
    /\ state \in HeldStates
    /\ ready' = TRUE
    /\ UNCHANGED <<fixed, state, window, secret, fires, earlyPanic, ended,
                   os, holders, sequence, clients, presence>>

\* Start-up failed after the gate existed (a socket that will not bind, a
\* --register refused): it ends through the gate, exit 3, like any ending.
DaemonAbortsStart ==
    /\ ~ready
    /\ \/ /\ state \in LiveStates
          /\ StopOrFire("Exit3")
          /\ UNCHANGED <<fixed, ready, earlyPanic, os, holders, signalled, killed,
                         clients, presence>>
       \/ /\ state \in SequenceStates   \* the gate has fired: ignored
          /\ UNCHANGED vars

\* A panic signal (graceful or hard) arrives before the secret is held: the
\* load is aborted and the sequence wipes whatever was read.
EarlySignalArrives ==
    /\ state \in EarlyStates
    /\ Fire("Panic")
    /\ earlyPanic' = TRUE
    /\ UNCHANGED <<fixed, ready, secret, ended, os, holders, signalled, killed,
                   clients, presence>>

-----------------------------------------------------------------------------
(***************************** The owner **********************************)

\* SIGTERM or SIGINT: a clean stop (wipe, unlink, exit 0, holders left
\* alone); inside a window the gate fires instead.
OwnerStops ==
    \/ /\ state \in LiveStates
       /\ StopOrFire("Exit0")
       /\ UNCHANGED <<fixed, ready, earlyPanic, os, holders, signalled, killed,
                      clients, presence>>
    \/ /\ state \in SequenceStates   \* the gate has fired: ignored
       /\ UNCHANGED vars

\* SIGHUP, SIGUSR1, another terminating signal, `dazai panic`: a window opens
\* (--grace 0: the gate fires); a pending one is not extended but now a panic's.
OwnerPanics ==
    \/ /\ state \in {"Waiting", "Attached"}
       /\ OpenWindow("Panic")
       /\ UNCHANGED <<fixed, ready, secret, earlyPanic, ended,
                      os, holders, signalled, killed, clients, presence>>
    \/ /\ state = "Grace"
       /\ window' = "Panic"
       /\ UNCHANGED <<fixed, state, ready, secret, fires, earlyPanic, ended,
                      os, holders, sequence, clients, presence>>
    \/ /\ state \in SequenceStates   \* the gate has fired: ignored
       /\ UNCHANGED vars

\* SIGUSR2 or `dazai panic --hard`: the gate fires now, even inside a
\* window.
OwnerPanicsHard ==
    \/ /\ state \in HeldStates
       /\ Fire("Panic")
       /\ UNCHANGED <<fixed, ready, secret, earlyPanic, ended,
                      os, holders, signalled, killed, clients, presence>>
    \/ /\ state \in SequenceStates   \* the gate has fired: ignored
       /\ UNCHANGED vars

\* A holder registers (control socket or --register): the daemon pins the
\* incarnation running on that PID now; refused once the sequence began.
OwnerRegistersHolder(p) ==
    /\ state \in LiveStates
    /\ pinned[p] = 0
    /\ p \in alive
    /\ pinned' = [pinned EXCEPT ![p] = gen[p]]
    /\ UNCHANGED <<fixed, daemon, os, trees, received, sequence, clients, presence>>

\* UNREGISTER: the daemon lets the holder go and closes its pidfd; refused,
\* like REGISTER, once the sequence began, and for a consumer, which holds a secret.
OwnerUnregistersHolder(p) ==
    /\ state \in LiveStates
    /\ pinned[p] # 0
    /\ p \notin trees
    /\ pinned' = [pinned EXCEPT ![p] = 0]
    /\ UNCHANGED <<fixed, daemon, os, trees, received, sequence, clients, presence>>

-----------------------------------------------------------------------------
(***************************** Consumers **********************************)

\* `dazai run` or --exec: the process is pinned and contained with all it
\* will start (cgroup or subreaper), then given the secret, in one step.
ConsumerStarts(p) ==
    /\ p \in ConsumerPids
    /\ state \in HeldStates
    /\ p \in alive
    /\ pinned[p] = 0
    /\ pinned' = [pinned EXCEPT ![p] = gen[p]]
    /\ trees' = trees \cup {p}
    /\ received' = received \cup {<<p, gen[p]>>}
    /\ UNCHANGED <<fixed, daemon, os, sequence, clients, presence>>

\* A consumer, or anything it started, forks: the child runs on a freed PID
\* (double-fork, setsid, daemonize alike: it stays a descendant).
ConsumerForks(p, q) ==
    /\ state \in LiveStates \cup {"Killing"}
    /\ p \in alive
    /\ <<p, gen[p]>> \in Offspring(received)
    /\ q \notin alive
    /\ reuses < MaxPidReuses
    /\ alive' = alive \cup {q}
    /\ gen' = [gen EXCEPT ![q] = gen[q] + 1]
    /\ reuses' = reuses + 1
    /\ forked' = forked \cup {<<<<p, gen[p]>>, <<q, gen[q] + 1>>>>}
    /\ UNCHANGED <<fixed, daemon, holders, sequence, clients, presence>>

-----------------------------------------------------------------------------
(***************************** Heartbeat connections **********************)

\* The slot is free, and no window is pending (sessions may hold the switch
\* Attached) or a panic opened it: a HELLO now takes the slot, cancelling nothing.
CanAttach ==
    /\ slotConn = 0
    /\ \/ state \in {"Waiting", "Attached"}
       \/ state = "Grace" /\ window = "Panic"

\* The slot is free and a loss of liveness opened the pending window: a
\* HELLO now is a reconnect, and cancels it.
CanReconnect ==
    /\ slotConn = 0
    /\ state = "Grace"
    /\ window = "Loss"

\* A client opens a heartbeat connection.  If a heartbeat holds the slot the
\* daemon answers BUSY at once, before the client says anything, and closes it.
ClientConnects ==
    /\ ready
    /\ Running
    /\ conns < MaxConns
    /\ conns' = conns + 1
    /\ IF slotConn # 0
          THEN /\ told' = [told EXCEPT ![conns + 1] = "Busy"]
               /\ UNCHANGED open
          ELSE /\ open' = open \cup {conns + 1}
               /\ UNCHANGED told
    /\ UNCHANGED <<fixed, daemon, os, holders, sequence, pendingHello, slotConn, cancels,
                   presence>>

\* The client's HELLO arrives and waits for the daemon's answer; until it
\* is answered the connection cannot end (its messages are read in order).
ClientSaysHello(c) ==
    /\ Running
    /\ c \in open
    /\ told[c] = "None"
    /\ c \notin pendingHello
    /\ pendingHello' = pendingHello \cup {c}
    /\ UNCHANGED <<fixed, daemon, os, holders, sequence,
                   conns, open, told, slotConn, cancels, presence>>

\* WELCOME: the HELLO takes the free slot.  A window a panic opened stays
\* pending; the new heartbeat may CANCEL it.
HeartbeatAttaches(c) ==
    /\ Running
    /\ c \in pendingHello
    /\ CanAttach
    /\ state' = IF state = "Waiting" THEN "Attached" ELSE state
    /\ slotConn' = c
    /\ told' = [told EXCEPT ![c] = "Welcome"]
    /\ pendingHello' = pendingHello \ {c}
    /\ UNCHANGED <<fixed, window, ready, secret, fires, earlyPanic, ended,
                   os, holders, sequence, conns, open, cancels, presence>>

\* WELCOME: after a loss of liveness the HELLO takes the free slot and
\* cancels the window the loss opened.
HeartbeatReconnects(c) ==
    /\ Running
    /\ c \in pendingHello
    /\ CanReconnect
    /\ state' = "Attached"
    /\ window' = "None"
    /\ slotConn' = c
    /\ told' = [told EXCEPT ![c] = "Welcome"]
    /\ pendingHello' = pendingHello \ {c}
    /\ cancels' = cancels \cup {[how |-> "Reconnect", window |-> window, callerTold |-> told[c]]}
    /\ UNCHANGED <<fixed, ready, secret, fires, earlyPanic, ended,
                   os, holders, sequence, conns, open, presence>>

\* BUSY: the slot is held, or the switch takes no heartbeat now (the
\* sequence runs); the connection is closed and nothing else changes.
SecondClientConnects(c) ==
    /\ Running
    /\ c \in pendingHello
    /\ ~CanAttach
    /\ ~CanReconnect
    /\ told' = [told EXCEPT ![c] = "Busy"]
    /\ open' = open \ {c}
    /\ pendingHello' = pendingHello \ {c}
    /\ UNCHANGED <<fixed, daemon, os, holders, sequence, conns, slotConn, cancels, presence>>

\* The heartbeat's connection ends without QUIT and no session lives: the slot
\* is free; from Attached a window opens for the loss (or fires), a pending one stays.
OwnerLosesHeartbeat ==
    /\ slotConn # 0
    /\ \/ /\ state = "Attached"
          /\ liveSessions = {}
          /\ OpenWindow("Loss")
       \/ /\ state = "Grace"
          /\ liveSessions = {}
          /\ UNCHANGED <<state, fires, window, doomed, firedBy>>
       \/ /\ state \in SequenceStates   \* the gate has fired: ignored, sessions or not
          /\ UNCHANGED <<state, fires, window, doomed, firedBy>>
    /\ open' = open \ {slotConn}
    /\ slotConn' = 0
    /\ UNCHANGED <<fixed, ready, secret, earlyPanic, ended, os, holders,
                   signalled, killed, conns, pendingHello, told, cancels, presence>>

\* The heartbeat's connection ends without QUIT while a session lives: the
\* slot is free and nothing else moves; the sessions keep the switch attached.
HeartbeatLeaves ==
    /\ slotConn # 0
    /\ liveSessions # {}
    /\ state \in {"Attached", "Grace"}
    /\ open' = open \ {slotConn}
    /\ slotConn' = 0
    /\ UNCHANGED <<fixed, daemon, os, holders, sequence,
                   conns, pendingHello, told, cancels, presence>>

\* A connection that neither holds the slot nor waits for an answer ends (it
\* never said HELLO): nothing else changes.
ClientHangsUp(c) ==
    /\ Running
    /\ c \in open
    /\ c # slotConn
    /\ c \notin pendingHello
    /\ open' = open \ {c}
    /\ UNCHANGED <<fixed, daemon, os, holders, sequence,
                   conns, pendingHello, told, slotConn, cancels, presence>>

\* CANCEL from the heartbeat holding the slot takes a pending window back,
\* whatever opened it; with nothing pending it is answered ERR, no change.
HeartbeatCancels ==
    /\ slotConn # 0
    /\ \/ /\ state = "Grace"
          /\ state' = "Attached"
          /\ window' = "None"
          /\ cancels' = cancels \cup {[how |-> "Cancel", window |-> window,
                                        callerTold |-> told[slotConn]]}
          /\ UNCHANGED <<fixed, ready, secret, fires, earlyPanic, ended, os, holders,
                         sequence, conns, open, pendingHello, told, slotConn, presence>>
       \/ /\ state \in {"Attached"} \cup SequenceStates   \* nothing pending: ERR
          /\ UNCHANGED vars

\* QUIT from the heartbeat: it is told BYE and the daemon stops cleanly;
\* inside a window it is told PANIC_PENDING and the gate fires.
HeartbeatQuits ==
    /\ slotConn # 0
    /\ state \in {"Attached", "Grace"}
    /\ StopOrFire("Exit0")
    /\ told' = [told EXCEPT ![slotConn] = IF state = "Grace" THEN "PanicPending" ELSE "Bye"]
    /\ open' = open \ {slotConn}
    /\ slotConn' = 0
    /\ UNCHANGED <<fixed, ready, earlyPanic, os, holders, signalled, killed,
                   conns, pendingHello, cancels, presence>>

-----------------------------------------------------------------------------
(***************************** Sessions ***********************************)

\* A session starts once the secret is held: Waiting becomes Attached; a
\* window a panic opened stays pending (a session cancels only a loss).
SessionStarts(s) ==
    /\ s \notin liveSessions \cup endedSessions
    /\ \/ state \in {"Waiting", "Attached"}
       \/ state = "Grace" /\ window = "Panic"
    /\ state' = IF state = "Waiting" THEN "Attached" ELSE state
    /\ liveSessions' = liveSessions \cup {s}
    /\ UNCHANGED <<fixed, window, ready, secret, fires, earlyPanic, ended,
                   os, holders, sequence, clients, endedSessions>>

\* A session starts inside the window a loss of presence opened: presence is
\* back, and the window is cancelled, as a heartbeat's reconnect cancels it.
SessionReturns(s) ==
    /\ s \notin liveSessions \cup endedSessions
    /\ state = "Grace"
    /\ window = "Loss"
    /\ state' = "Attached"
    /\ window' = "None"
    /\ liveSessions' = liveSessions \cup {s}
    /\ cancels' = cancels \cup {[how |-> "Session", window |-> window, callerTold |-> "None"]}
    /\ UNCHANGED <<fixed, ready, secret, fires, earlyPanic, ended,
                   os, holders, sequence, conns, open, pendingHello, told, slotConn,
                   endedSessions>>

\* A session ends while another presence remains (a session, or the slot):
\* a journal line, nothing moves.
SessionEnds(s) ==
    /\ s \in liveSessions
    /\ state \in {"Attached", "Grace"}
    /\ liveSessions # {s} \/ slotConn # 0
    /\ liveSessions' = liveSessions \ {s}
    /\ endedSessions' = endedSessions \cup {s}
    /\ UNCHANGED <<fixed, daemon, os, holders, sequence, clients>>

\* The last presence leaves: a loss of liveness, so from Attached a window
\* opens (or the gate fires with --grace 0); a pending window stays as it is.
LastSessionEnds(s) ==
    /\ liveSessions = {s}
    /\ slotConn = 0
    /\ \/ /\ state = "Attached"
          /\ OpenWindow("Loss")
       \/ /\ state = "Grace"
          /\ UNCHANGED <<state, fires, window, doomed, firedBy>>
    /\ liveSessions' = {}
    /\ endedSessions' = endedSessions \cup {s}
    /\ UNCHANGED <<fixed, ready, secret, earlyPanic, ended, os, holders,
                   signalled, killed, clients>>

-----------------------------------------------------------------------------
(***************************** Timers *************************************)

\* No PING or HELLO before the ping deadline, and no session lives: a loss
\* of liveness, as a lost connection is; a pending window is not extended.
PingDeadlinePasses ==
    /\ ready
    /\ liveSessions = {}
    /\ \/ /\ state \in {"Waiting", "Attached"}
          /\ OpenWindow("Loss")
          /\ UNCHANGED <<fixed, ready, secret, earlyPanic, ended,
                         os, holders, signalled, killed, clients, presence>>
       \/ /\ state = "Grace"   \* a heartbeat attached inside a window went silent
          /\ UNCHANGED vars

\* The grace timer runs out before anyone cancelled the window: the gate
\* fires for what opened it.
TimerExpires ==
    /\ state = "Grace"
    /\ Fire(window)
    /\ UNCHANGED <<fixed, ready, secret, earlyPanic, ended,
                   os, holders, signalled, killed, clients, presence>>

-----------------------------------------------------------------------------
(***************************** The OS *************************************)

\* A process ends on its own, holder or not; its PID becomes free.  Once
\* the kill loop is over the process table no longer matters.
ProcessExits(p) ==
    /\ state \in LiveStates \cup {"Killing"}
    /\ p \in alive
    /\ alive' = alive \ {p}
    /\ UNCHANGED <<fixed, daemon, gen, reuses, forked, holders, sequence, clients, presence>>

\* The OS starts an unrelated process on a freed PID: the recycling hazard
\* a kill by number would fall into.
OsRecyclesPid(p) ==
    /\ state \in LiveStates \cup {"Killing"}
    /\ p \notin alive
    /\ reuses < MaxPidReuses
    /\ alive' = alive \cup {p}
    /\ gen' = [gen EXCEPT ![p] = gen[p] + 1]
    /\ reuses' = reuses + 1
    /\ UNCHANGED <<fixed, daemon, forked, holders, sequence, clients, presence>>

-----------------------------------------------------------------------------
(***************************** The sequence *******************************)

\* The registered holder the kill loop deals with next, 0 when none is left:
\* PID order stands for the kernel's registration order.
NextToKill ==
    LET left == Pinned \ signalled
    IN  IF left = {} THEN 0 ELSE CHOOSE p \in left : \A q \in left : p <= q

\* Through its pidfd (a consumer: its cgroup, or its descendants): whatever
\* of it still runs dies of SIGKILL (DryRun: "WOULD SIGKILL" only), the rest is gone.
DaemonKillsHolder(p) ==
    /\ state = "Killing"
    /\ p = NextToKill
    /\ LET dying == IF mode = "Armed" THEN {h \in Reach(p) : Runs(h[1], h[2])} ELSE {}
       IN  /\ killed' = killed \cup dying
           /\ alive' = alive \ {h[1] : h \in dying}
    /\ signalled' = signalled \cup {p}
    /\ UNCHANGED <<fixed, daemon, gen, reuses, forked, holders, doomed, firedBy,
                   clients, presence>>

\* Every registered holder has been dealt with: only now may the wipe start.
DaemonFinishesKilling ==
    /\ state = "Killing"
    /\ Pinned \subseteq signalled
    /\ state' = "Wiping"
    /\ UNCHANGED <<fixed, window, ready, secret, fires, earlyPanic, ended,
                   os, holders, sequence, clients, presence>>

\* explicit_bzero over every secret buffer, now that no registered holder
\* can read it any more.
DaemonWipesSecret ==
    /\ state = "Wiping"
    /\ secret' = "Wiped"
    /\ state' = "Unlinking"
    /\ UNCHANGED <<fixed, window, ready, fires, earlyPanic, ended,
                   os, holders, sequence, clients, presence>>

\* The pidfile and sockets are removed; then SIGKILL to itself (Armed), or
\* "WOULD SIGKILL self" and exit 0 (DryRun).
DaemonUnlinksFiles ==
    /\ state = "Unlinking"
    /\ state' = IF mode = "Armed" THEN "Dying" ELSE "Rehearsed"
    /\ ended' = IF mode = "Armed" THEN "Die" ELSE "Exit0"
    /\ UNCHANGED <<fixed, window, ready, secret, fires, earlyPanic,
                   os, holders, sequence, clients, presence>>

\* The process has ended (killed itself, rehearsed, stopped): nothing more
\* happens, which is not a deadlock.
DaemonHasEnded ==
    /\ state \in EndStates
    /\ UNCHANGED vars

-----------------------------------------------------------------------------

Next ==
    \/ DaemonInstallsHandlers
    \/ DaemonLoadsSecret
    \/ DaemonBecomesReady
    \/ DaemonAbortsStart
    \/ EarlySignalArrives
    \/ OwnerStops
    \/ OwnerPanics
    \/ OwnerPanicsHard
    \/ \E p \in Pids : OwnerRegistersHolder(p)
    \/ \E p \in Pids : OwnerUnregistersHolder(p)
    \/ \E p \in Pids : ConsumerStarts(p)
    \/ \E p, q \in Pids : ConsumerForks(p, q)
    \/ ClientConnects
    \/ \E c \in Conns : ClientSaysHello(c)
    \/ \E c \in Conns : HeartbeatAttaches(c)
    \/ \E c \in Conns : HeartbeatReconnects(c)
    \/ \E c \in Conns : SecondClientConnects(c)
    \/ OwnerLosesHeartbeat
    \/ HeartbeatLeaves
    \/ \E c \in Conns : ClientHangsUp(c)
    \/ HeartbeatCancels
    \/ HeartbeatQuits
    \/ \E s \in Sessions : SessionStarts(s)
    \/ \E s \in Sessions : SessionReturns(s)
    \/ \E s \in Sessions : SessionEnds(s)
    \/ \E s \in Sessions : LastSessionEnds(s)
    \/ PingDeadlinePasses
    \/ TimerExpires
    \/ \E p \in Pids : ProcessExits(p)
    \/ \E p \in Pids : OsRecyclesPid(p)
    \/ \E p \in Pids : DaemonKillsHolder(p)
    \/ DaemonFinishesKilling
    \/ DaemonWipesSecret
    \/ DaemonUnlinksFiles
    \/ DaemonHasEnded

\* Weak fairness for the daemon's own steps only: the owner, the clients,
\* the sessions, the consumers, the OS and a failing start-up may do nothing at all.
StartUpFairness ==
    /\ WF_vars(DaemonInstallsHandlers)
    /\ WF_vars(DaemonLoadsSecret)
    /\ WF_vars(DaemonBecomesReady)

\* The daemon answers every HELLO it has read.
AnswerFairness ==
    \A c \in Conns : /\ WF_vars(HeartbeatAttaches(c))
                     /\ WF_vars(HeartbeatReconnects(c))
                     /\ WF_vars(SecondClientConnects(c))

\* A sequence once begun runs step by step to its end.
SequenceFairness ==
    /\ \A p \in Pids : WF_vars(DaemonKillsHolder(p))
    /\ WF_vars(DaemonFinishesKilling)
    /\ WF_vars(DaemonWipesSecret)
    /\ WF_vars(DaemonUnlinksFiles)

Fairness == StartUpFairness /\ AnswerFairness /\ WF_vars(TimerExpires) /\ SequenceFairness

Spec == Init /\ [][Next]_vars /\ Fairness

-----------------------------------------------------------------------------
(***************************** Invariants *********************************)

\* The sequence starts at most once, however many triggers race.
SingleFire == fires <= 1

\* In DryRun no process dies of a kill: no holder, and not the daemon.
DryRunNeverKills == mode = "DryRun" => killed = {} /\ ended # "Die"

\* No wipe starts before the kill loop dealt with every holder (Armed: none still runs).
KillBeforeWipe ==
    state \in {"Wiping", "Unlinking", "Dying", "Rehearsed"} =>
        /\ Pinned \subseteq signalled
        /\ mode = "Armed" => \A p \in Pinned : ~Runs(p, pinned[p])

\* The process never ends, on any path it controls, with the secret unwiped.
WipeBeforeDeath == ended # "None" => secret = "Wiped"

\* Only registered incarnations (at the fire, or now) and what consumers started die of a kill.
NoInnocentKilled == killed \subseteq Offspring(doomed \cup {<<p, pinned[p]>> : p \in Pinned})

\* A panic in Starting or Loading is not lost: the sequence, which wipes, starts.
NoSignalLost == earlyPanic => fires > 0

\* Once the sequence has started, no cancel or reconnect takes the switch back to life.
CancelOnlyBeforeFire == fires > 0 => state \notin LiveStates

\* A connection answered BUSY never holds the slot and never cancelled.
BusyNeverDisplaces ==
    /\ slotConn = 0 \/ told[slotConn] # "Busy"
    /\ \A x \in cancels : x.callerTold # "Busy"

\* Replies are effects: WELCOME holds the slot (one open at a time), BYE stopped, PANIC_PENDING fired.
ReplyMatchesEffect ==
    \A c \in Conns :
        /\ c = slotConn <=> (c \in open /\ told[c] = "Welcome")
        /\ told[c] = "Bye" => state = "Stopped"
        /\ told[c] = "PanicPending" => fires > 0

\* A HELLO or a new session cancels only a window a loss opened, never a panic the owner asked for.
HelloCancelsOnlyALoss ==
    \A x \in cancels : x.how \in {"Reconnect", "Session"} => x.window = "Loss"

\* Armed: when the process has ended, no incarnation doomed by the fire still runs.
NoHolderOutlivesFire ==
    mode = "Armed" /\ ended # "None" => \A h \in doomed : ~Runs(h[1], h[2])

\* No loss of liveness while a session lives: no "Loss" window pending, no fire for a loss.
NoLossWhilePresent ==
    /\ window = "Loss" => liveSessions = {}
    /\ firedBy = "Loss" => liveSessions = {}   \* sessions neither start nor end once it fired

\* Attached means someone is there: the last one out has opened the window.
LastOneOutOpensTheWindow == state = "Attached" => Present

\* Armed: when the fired process has ended, nothing that received a secret, nor any descendant, runs.
NoReceiverOutlivesFire ==
    mode = "Armed" /\ fires > 0 /\ ended # "None" =>
        \A h \in Offspring(received) : ~Runs(h[1], h[2])

(***************************** Liveness ***********************************)

\* A window pending with the slot free ends in the fire, unless a heartbeat
\* takes the slot or a returning session cancels it.
LostHeartbeatEventuallyFires ==
    (state = "Grace" /\ slotConn = 0) ~> (fires > 0 \/ slotConn # 0 \/ state = "Attached")

\* A sequence once started reaches its end: Dying, or Rehearsed in DryRun.
SequenceFinishes ==
    fires > 0 ~> state \in {"Dying", "Rehearsed"}

=============================================================================
