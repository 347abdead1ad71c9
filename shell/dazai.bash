# dazai shell integration for bash: ties the daemon's liveness slot to this interactive session.
#   eval "$(java -jar /path/to/app.jar shell-init bash)"     or     source /path/to/dazai.bash
# It starts one heartbeat client in the background and stops it when the shell exits, so an armed
# daemon wipes its secret when the session ends. Nothing here may break or slow down the shell:
# every failure becomes one "dazai: session UNGUARDED (...)" line and the shell goes on.
# Settings (all optional): DAZAI_SOCKET_DIR, DAZAI_JAR, DAZAI_JAVA, DAZAI_HEARTBEAT_LOG.

# Only interactive shells carry a session; scripts that source ~/.bashrc are left alone.
case $- in
  *i*)
    # A heartbeat this shell started earlier and that still runs: sourcing again must not add one.
    __dazai_running() {
      [ -n "${__dazai_hb_pid-}" ] && builtin kill -0 "$__dazai_hb_pid" 2>/dev/null
    }

    __dazai_unguarded() {
      printf 'dazai: session UNGUARDED (%s)\n' "$1" >&2
    }

    # Checks only what costs no process (a JVM start would delay the prompt), then launches the
    # heartbeat in the background and returns at once.
    __dazai_start() {
      __dazai_running && return 0
      local dir=$DAZAI_SOCKET_DIR
      local java=${DAZAI_JAVA:-${__dazai_shell_init_java:-java}}
      local jar=${DAZAI_JAR:-${__dazai_shell_init_jar:-}}
      local here=${__dazai_source_dir-}
      if [ -z "$jar" ] && [ -n "$here" ]; then
        if [ -f "$here/app.jar" ]; then jar=$here/app.jar; else jar=$here/../app/target/app.jar; fi
      fi
      if ! command -v "$java" >/dev/null 2>&1; then
        __dazai_unguarded "no java: '$java' not found; install a JDK 17+ or set DAZAI_JAVA"
        return 0
      fi
      if [ -z "$jar" ] || [ ! -f "$jar" ]; then
        __dazai_unguarded "no app.jar at '${jar:-?}'; set DAZAI_JAR to its path"
        return 0
      fi
      if [ ! -S "$dir/heartbeat.sock" ]; then
        __dazai_unguarded "no daemon: $dir/heartbeat.sock missing; start it with: java -jar $jar"
        return 0
      fi
      local pid=
      if [ -r "$dir/dazai.pid" ] && IFS= read -r pid <"$dir/dazai.pid" && [ -n "$pid" ] &&
         ! builtin kill -0 "$pid" 2>/dev/null; then
        __dazai_unguarded "no daemon: pid $pid in $dir/dazai.pid is gone; start it with: java -jar $jar"
        return 0
      fi
      # With job control off the child stays out of the job table (no "[1] 1234", no "Done") and is
      # not a process-group leader, so setsid can make it one without forking away from this shell.
      local monitor=0
      case $- in *m*) monitor=1; set +m ;; esac
      # The subshell this forks is the heartbeat itself: it probes its tools here, off the prompt's
      # path, then execs into them, so the JVM keeps this shell as its parent.
      # setsid: no terminal signal (^C, ^Z, hang-up) reaches the heartbeat; the shell alone decides.
      # setpriv --pdeathsig: if the shell dies without running its EXIT trap (kill -9), the heartbeat
      # gets SIGTERM too, so the connection still drops. Each is skipped where it does not exist.
      # A client JVM that only sends PINGs needs no optimising compiler and almost no heap.
      {
        # Keys meant for the foreground job must not stop or kill it where setsid is missing (macOS).
        trap '' INT QUIT TSTP TTIN TTOU
        wrap=()
        if command -v setsid >/dev/null 2>&1; then wrap+=(setsid); fi
        if command -v setpriv >/dev/null 2>&1 && setpriv --pdeathsig TERM true >/dev/null 2>&1; then
          wrap+=(setpriv --pdeathsig TERM)
        fi
        exec ${wrap[@]+"${wrap[@]}"} "$java" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto \
          -XX:-UsePerfData -Xms8m -Xmx48m -Xss512k -jar "$jar" heartbeat
      } </dev/null >>"${DAZAI_HEARTBEAT_LOG:-/dev/null}" 2>&1 &
      __dazai_hb_pid=$!
      builtin disown "$__dazai_hb_pid" 2>/dev/null
      if [ "$monitor" = 1 ]; then set -m; fi
      return 0
    }

    # Closing the heartbeat's connection is what tells the daemon the session ended.
    __dazai_stop() {
      if [ -n "${__dazai_hb_pid-}" ]; then
        builtin kill -TERM "$__dazai_hb_pid" 2>/dev/null
        __dazai_hb_pid=
      fi
      return 0
    }

    __dazai_status() { return "$1"; }

    # Ours runs first, then the trap that was there before us, with the exit status it would have seen.
    __dazai_on_exit() {
      local rc=$?
      __dazai_stop
      if [ -n "${__dazai_prev_exit_trap-}" ]; then
        __dazai_status "$rc"
        eval "$__dazai_prev_exit_trap"
      fi
    }

    # `trap -p EXIT` prints `trap -- 'quoted command' EXIT`; the quoted part is evaluated back into
    # the bare command. A trap that already calls us (second sourcing) is left as it is.
    __dazai_chain_exit_trap() {
      local prev
      prev=$(trap -p EXIT)
      case $prev in
        *__dazai_on_exit*) return 0 ;;
        "trap -- "*" EXIT")
          prev=${prev#trap -- }
          prev=${prev% EXIT}
          eval "__dazai_prev_exit_trap=$prev"
          ;;
        *) __dazai_prev_exit_trap= ;;
      esac
      trap __dazai_on_exit EXIT
    }

    case ${BASH_SOURCE[0]-} in
      */*) __dazai_source_dir=${BASH_SOURCE[0]%/*} ;;
      ?*) __dazai_source_dir=. ;;
      *) __dazai_source_dir= ;;
    esac
    # The same rule as the CLI, exported so that subcommands find the daemon, as SSH_AUTH_SOCK does.
    if [ -z "${DAZAI_SOCKET_DIR-}" ]; then
      if [ -n "${XDG_RUNTIME_DIR-}" ]; then
        DAZAI_SOCKET_DIR=$XDG_RUNTIME_DIR/dazai
      else
        DAZAI_SOCKET_DIR=/tmp/dazai-$UID
      fi
    fi
    export DAZAI_SOCKET_DIR
    __dazai_chain_exit_trap
    __dazai_start
    ;;
esac
true
