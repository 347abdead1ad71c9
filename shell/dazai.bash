# dazai for bash: this interactive shell keeps a running dazai daemon attached while it lives.
#   In ~/.bashrc:   . /path/to/share/dazai/dazai.bash      (or in a checkout: . shell/dazai.bash)
#
# At start the shell writes one line, "PID STARTTIME TTY KIND", into the daemon's sessions
# directory; the daemon pins that process by pidfd and start time and sees it end by itself
# (docs/OPERATIONS.md, "What counts as presence"). So nothing of dazai runs per shell, and the
# common path forks nothing: builtins and /proc only. Inside tmux the tmux client this shell is
# shown in registers instead (one `tmux` call, in the background); inside GNU screen nothing does.
# Anything missing: one "dazai: session UNGUARDED (reason; what to do)" line, and the shell goes on.
# Settings: DAZAI_SOCKET_DIR (exported, as ssh-agent's SSH_AUTH_SOCK is), DAZAI_JAVA.

case $- in
  *i*)
    __dazai_unguarded() {
      printf 'dazai: session UNGUARDED (%s)\n' "$1" >&2
    }

    # The daemon's rule (app/…/cli/Locations.java), case by case; SocketDirAgreementTest runs both.
    __dazai_socket_dir() {
      local d
      if [[ -n ${DAZAI_SOCKET_DIR-} ]]; then
        d=$DAZAI_SOCKET_DIR
        [[ $d == /* ]] || d=$PWD/$d
      elif [[ ${XDG_RUNTIME_DIR-} == /* && -d $XDG_RUNTIME_DIR && -O $XDG_RUNTIME_DIR ]]; then
        d=$XDG_RUNTIME_DIR
        while [[ $d == */ && $d != / ]]; do d=${d%/}; done
        d=${d%/}/dazai
      else
        d=/tmp/dazai-$EUID
      fi
      __dazai_dir=$d
    }

    # True if $1 is a real directory (not a link) owned by this user.
    __dazai_own_dir() {
      [[ -d $1 && ! -L $1 && -O $1 ]]
    }

    # Field $2 (1-based, as in proc(5)) of /proc/$1/stat into __dazai_field; the command name
    # (field 2) may hold spaces and ')', so fields are counted from the last ')'.
    __dazai_stat() {
      local line rest IFS=' '
      { read -r line <"/proc/$1/stat"; } 2>/dev/null || return 1
      rest=${line##*) }
      # Only digits, signs and one state letter remain: no glob character can be expanded here.
      local -a f=($rest)
      __dazai_starttime=${f[19]-}
      __dazai_ttynr=${f[4]-}
      # Globs, not =~: a regex costs a compile per use.
      [[ -n $__dazai_starttime && $__dazai_starttime != *[!0-9]* && -n $__dazai_ttynr && $__dazai_ttynr != *[!0-9]* ]]
    }

    # The terminal's name from tty_nr, as the daemon derives it (ProcessFacts.ttyName); "-" if none.
    __dazai_tty_name() {
      local nr=$1 major minor
      __dazai_tty=-
      (( nr != 0 )) || return 0
      major=$(( (nr >> 8) & 0xfff ))
      minor=$(( (nr & 0xff) | ((nr >> 12) & 0xfff00) ))
      if (( major >= 136 && major <= 143 )); then
        __dazai_tty=pts/$(( (major - 136) * 256 + minor ))
      elif (( major == 4 )); then
        if (( minor < 64 )); then __dazai_tty=tty$minor; else __dazai_tty=ttyS$(( minor - 64 )); fi
      fi
    }

    # Writes the entry for process $1 (kind $2) into the sessions directory, mode 0600.
    __dazai_write_entry() {
      local pid=$1 kind=$2 entry=$__dazai_dir/sessions/$1 line old um= k v rc
      __dazai_stat "$pid" || { __dazai_unguarded "cannot read /proc/$pid/stat; dazai needs Linux's /proc"; return 1; }
      __dazai_tty_name "$__dazai_ttynr"
      line="$pid $__dazai_starttime $__dazai_tty $kind"
      # Sourced again: the same line is there already, and rewriting it would only churn.
      if [[ -f $entry && ! -L $entry ]] && { IFS= read -r old <"$entry"; } 2>/dev/null && [[ $old == "$line" ]]; then
        return 0
      fi
      # The umask without a fork: /proc/PID/status says it (Linux >= 4.7).
      while IFS=$': \t' read -r k v; do
        if [[ $k == Umask ]]; then um=$v; break; fi
      done <"/proc/$$/status"
      if [[ -n $um ]]; then
        umask 077
        { printf '%s\n' "$line" >|"$entry"; } 2>/dev/null
        rc=$?
        umask "$um"
      else
        ( umask 077; printf '%s\n' "$line" >|"$entry" ) 2>/dev/null
        rc=$?
      fi
      if (( rc != 0 )); then
        __dazai_unguarded "cannot write $entry; check that $__dazai_dir/sessions is yours and writable"
        return 1
      fi
    }

    # In the background, so the prompt never waits on tmux: the client this shell is shown in.
    __dazai_register_tmux_client() {
      local client
      client=$(command tmux display-message -p '#{client_pid}' 2>/dev/null)
      if [[ -z $client || $client == 0* || $client == *[!0-9]* ]]; then
        __dazai_unguarded "inside tmux, but tmux names no client for this pane (detached?); attach, or run: . ${__dazai_file-dazai.bash}"
        return 1
      fi
      __dazai_write_entry "$client" "tmux client"
    }

    __dazai_register() {
      local again=". ${__dazai_file:-/path/to/dazai.bash}"
      __dazai_socket_dir
      export DAZAI_SOCKET_DIR=$__dazai_dir
      # GNU screen: its windows outlive the login that ran it, and that login counts already.
      [[ -n ${STY-} ]] && return 0
      if ! __dazai_own_dir "$__dazai_dir"; then
        if [[ -e $__dazai_dir || -L $__dazai_dir ]]; then
          __dazai_unguarded "$__dazai_dir is not a directory of yours; remove it or set DAZAI_SOCKET_DIR"
        else
          __dazai_unguarded "no daemon: $__dazai_dir missing; start one (setsid -f dazai), then run: $again"
        fi
        return 0
      fi
      if ! __dazai_own_dir "$__dazai_dir/sessions"; then
        if [[ -e $__dazai_dir/sessions || -L $__dazai_dir/sessions ]]; then
          __dazai_unguarded "$__dazai_dir/sessions is not a directory of yours; remove it and restart the daemon"
        else
          __dazai_unguarded "no daemon: $__dazai_dir/sessions missing; start one (setsid -f dazai), then run: $again"
        fi
        return 0
      fi
      # The entry counts even while no daemon runs: a daemon reads the entries it finds at start.
      if [[ -n ${TMUX-} ]]; then
        # Job control off around the fork: no "[1] 1234" now and no "Done" later.
        local monitor=0
        [[ $- == *m* ]] && { monitor=1; set +m; }
        __dazai_register_tmux_client </dev/null >/dev/null &
        builtin disown $! 2>/dev/null
        (( monitor )) && set -m
      else
        local kind=bash
        shopt -q login_shell && kind="bash login"
        __dazai_write_entry "$$" "$kind" || return 0
      fi
      local pid=
      { read -r pid <"$__dazai_dir/dazai.pid"; } 2>/dev/null
      if [[ -z $pid || $pid == 0* || $pid == *[!0-9]* ]]; then
        __dazai_unguarded "no daemon: no pidfile $__dazai_dir/dazai.pid; start one (setsid -f dazai); this shell counts once it runs"
      elif ! builtin kill -0 "$pid" 2>/dev/null; then
        __dazai_unguarded "no daemon: pid $pid in $__dazai_dir/dazai.pid is gone; start one (setsid -f dazai); this shell counts once it runs"
      fi
      return 0
    }

    # Where this file is, for the `dazai` command below and for the UNGUARDED hints.
    __dazai_file=${BASH_SOURCE[0]-}
    if [[ -n $__dazai_file && $__dazai_file != /* ]]; then __dazai_file=$PWD/$__dazai_file; fi
    __dazai_here=${__dazai_file%/*}

    # A `dazai` command where none is on PATH: the launcher beside this file (share/dazai/ in the
    # tarball), else the jar of this checkout, else the jar `dazai shell-init` named.
    if ! command -v dazai >/dev/null 2>&1; then
      if [[ -x $__dazai_here/../../bin/dazai ]]; then
        __dazai_launcher=$__dazai_here/../../bin/dazai
        dazai() { "$__dazai_launcher" "$@"; }
      elif [[ -f ${__dazai_jar:-$__dazai_here/../app/target/app.jar} ]]; then
        __dazai_jar=${__dazai_jar:-$__dazai_here/../app/target/app.jar}
        dazai() { "${DAZAI_JAVA:-java}" -jar "$__dazai_jar" "$@"; }
      fi
    fi

    # Tab completion from fixed word lists (app's CompletionTest holds them to the CLI's model):
    # no process at TAB time either.
    __dazai_complete() {
      local cur=${COMP_WORDS[COMP_CWORD]-} prev= sub= w i words
      (( COMP_CWORD > 0 )) && prev=${COMP_WORDS[COMP_CWORD-1]-}
      for (( i = 1; i < COMP_CWORD; i++ )); do
        w=${COMP_WORDS[i]}
        case $w in
          --grace|--ping-timeout|--lifetime|--socket-dir|--pidfile|--secret-file|--secret-fd|--generate|--register|--log-format|--containment|--interval|--secret) (( i++ )) ;;
          --exec) return 0 ;;
          -*) ;;
          *) sub=$w; break ;;
        esac
      done
      case $prev in
        --socket-dir|--pidfile|--secret-file) return 0 ;;  # -o default: file names
        --log-format) words='text json' ;;
        --containment) words='auto cgroup subreaper' ;;
        --grace|--ping-timeout|--lifetime|--secret-fd|--generate|--register|--interval|--secret) return 0 ;;
        *)
          case $sub in
            '') words='heartbeat status add remove run register unregister panic cancel stop signal shell-init doctor --arm --grace --ping-timeout --lifetime --socket-dir --pidfile --register --exec --containment --secret-stdin --secret-file --secret-fd --generate --no-secret --require-lock --log-format -h --help -V --version' ;;
            heartbeat) words='--socket-dir --interval -h --help -V --version' ;;
            status) words='--socket-dir --json -h --help -V --version' ;;
            add) words='--socket-dir -h --help -V --version' ;;
            remove) words='--socket-dir -h --help -V --version' ;;
            run) words='--socket-dir --secret --stdin -h --help -V --version' ;;
            register) words='--socket-dir -h --help -V --version' ;;
            unregister) words='--socket-dir -h --help -V --version' ;;
            panic) words='--socket-dir --hard -h --help -V --version' ;;
            cancel) words='--socket-dir --interval -h --help -V --version' ;;
            stop) words='--socket-dir -h --help -V --version' ;;
            signal) words='--socket-dir --pidfile HUP USR1 USR2 TERM INT -h --help -V --version' ;;
            shell-init) words='bash zsh -h --help -V --version' ;;
            doctor) words='--socket-dir --json -h --help -V --version' ;;
            *) return 0 ;;
          esac
          ;;
      esac
      COMPREPLY=()
      for w in $words; do
        [[ $w == "$cur"* ]] && COMPREPLY+=("$w")
      done
      return 0
    }
    complete -o default -F __dazai_complete dazai 2>/dev/null

    __dazai_register
    ;;
esac
true
