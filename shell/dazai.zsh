# dazai shell integration for zsh: ties the daemon's liveness slot to this interactive session.
#   eval "$(java -jar /path/to/app.jar shell-init zsh)"     or     source /path/to/dazai.zsh
# It starts one heartbeat client in the background and stops it when the shell exits, so an armed
# daemon wipes its secret when the session ends. Nothing here may break or slow down the shell:
# every failure becomes one "dazai: session UNGUARDED (...)" line and the shell goes on.
# Settings (all optional): DAZAI_SOCKET_DIR, DAZAI_JAR, DAZAI_JAVA, DAZAI_HEARTBEAT_LOG.

# Only interactive shells carry a session; scripts that source ~/.zshrc are left alone.
if [[ -o interactive ]]; then
  # `emulate -L zsh` in every function: the user's options (nounset, ksharrays, shwordsplit...)
  # must not change what these lines mean, and our option changes must not leak back.

  # A heartbeat this shell started earlier and that still runs: sourcing again must not add one.
  __dazai_running() {
    emulate -L zsh
    [[ -n ${__dazai_hb_pid-} ]] && builtin kill -0 $__dazai_hb_pid 2>/dev/null
  }

  __dazai_unguarded() {
    emulate -L zsh
    print -ru2 -- "dazai: session UNGUARDED ($1)"
  }

  # Checks only what costs no process (a JVM start would delay the prompt), then launches the
  # heartbeat in the background and returns at once.
  __dazai_start() {
    emulate -L zsh
    __dazai_running && return 0
    local dir=$DAZAI_SOCKET_DIR
    local java=${DAZAI_JAVA:-${__dazai_shell_init_java:-java}}
    local jar=${DAZAI_JAR:-${__dazai_shell_init_jar:-}}
    local here=${__dazai_source_dir-}
    if [[ -z $jar && -n $here ]]; then
      if [[ -f $here/app.jar ]]; then jar=$here/app.jar; else jar=$here/../app/target/app.jar; fi
    fi
    if ! (( $+commands[$java] )) && [[ ! ( $java == */* && -x $java && -f $java ) ]]; then
      __dazai_unguarded "no java: '$java' not found; install a JDK 17+ or set DAZAI_JAVA"
      return 0
    fi
    if [[ -z $jar || ! -f $jar ]]; then
      __dazai_unguarded "no app.jar at '${jar:-?}'; set DAZAI_JAR to its path"
      return 0
    fi
    if [[ ! -S $dir/heartbeat.sock ]]; then
      __dazai_unguarded "no daemon: $dir/heartbeat.sock missing; start it with: java -jar $jar"
      return 0
    fi
    local pid=
    if [[ -r $dir/dazai.pid ]] && IFS= read -r pid <$dir/dazai.pid && [[ -n $pid ]] &&
       ! builtin kill -0 $pid 2>/dev/null; then
      __dazai_unguarded "no daemon: pid $pid in $dir/dazai.pid is gone; start it with: java -jar $jar"
      return 0
    fi
    # Job control off (local to this function): the child is not a process-group leader, so setsid
    # makes it one without forking away from this shell; `&!` keeps it out of the job table (no
    # "[1] 1234", no "done"). no_bg_nice: a starved heartbeat could miss its pings.
    setopt no_monitor no_bg_nice
    # The subshell this forks is the heartbeat itself: it probes its tools here, off the prompt's
    # path, then execs into them, so the JVM keeps this shell as its parent.
    # setsid: no terminal signal (^C, ^Z, hang-up) reaches the heartbeat; the shell alone decides.
    # setpriv --pdeathsig: if the shell dies without running zshexit (kill -9), the heartbeat gets
    # SIGTERM too, so the connection still drops. Each is skipped where it does not exist.
    # A client JVM that only sends PINGs needs no optimising compiler and almost no heap.
    {
      local -a wrap
      # Keys meant for the foreground job must not stop or kill it where setsid is missing (macOS).
      trap '' INT QUIT TSTP TTIN TTOU
      wrap=()
      if (( $+commands[setsid] )); then wrap+=(setsid); fi
      if (( $+commands[setpriv] )) && setpriv --pdeathsig TERM true >/dev/null 2>&1; then
        wrap+=(setpriv --pdeathsig TERM)
      fi
      exec $wrap $java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto \
        -XX:-UsePerfData -Xms8m -Xmx48m -Xss512k -jar $jar heartbeat
    } </dev/null >>${DAZAI_HEARTBEAT_LOG:-/dev/null} 2>&1 &!
    typeset -g __dazai_hb_pid=$!
    return 0
  }

  # Closing the heartbeat's connection is what tells the daemon the session ended.
  __dazai_stop() {
    emulate -L zsh
    if [[ -n ${__dazai_hb_pid-} ]]; then
      builtin kill -TERM $__dazai_hb_pid 2>/dev/null
      typeset -g __dazai_hb_pid=
    fi
    return 0
  }

  # An anonymous function runs at once, under our options rather than the user's.
  () {
    emulate -L zsh
    # zshexit_functions is additive: other hooks (and a user's own zshexit) keep running.
    typeset -ga zshexit_functions
    if (( ! ${zshexit_functions[(Ie)__dazai_stop]} )); then
      zshexit_functions+=(__dazai_stop)
    fi
    typeset -g __dazai_source_dir=${${(%):-%x}:A:h}
    # The same rule as the CLI, exported so that subcommands find the daemon, as SSH_AUTH_SOCK does.
    if [[ -z ${DAZAI_SOCKET_DIR-} ]]; then
      if [[ -n ${XDG_RUNTIME_DIR-} ]]; then
        typeset -g DAZAI_SOCKET_DIR=$XDG_RUNTIME_DIR/dazai
      else
        typeset -g DAZAI_SOCKET_DIR=/tmp/dazai-$UID
      fi
    fi
    export DAZAI_SOCKET_DIR
    __dazai_start
  }
fi
true
