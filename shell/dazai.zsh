# dazai for zsh: this interactive shell keeps a running dazai daemon attached while it lives.
#   In ~/.zshrc:   . /path/to/share/dazai/dazai.zsh       (or in a checkout: . shell/dazai.zsh)
#
# At start the shell writes one line, "PID STARTTIME TTY KIND", into the daemon's sessions
# directory; the daemon pins that process by pidfd and start time and sees it end by itself
# (docs/OPERATIONS.md, "What counts as presence"). So nothing of dazai runs per shell, and the
# common path forks nothing: builtins and /proc only. Inside tmux the tmux client this shell is
# shown in registers instead (one `tmux` call, in the background); inside GNU screen nothing does.
# Anything missing: one "dazai: session UNGUARDED (reason; what to do)" line, and the shell goes on.
# Completion: _dazai (zsh/_dazai beside this file) goes on fpath, and is bound at once if compinit
# already ran; a compinit later in ~/.zshrc finds it there; with no compinit at all, compctl lists
# the subcommands. Settings: DAZAI_SOCKET_DIR (exported, as ssh-agent's SSH_AUTH_SOCK is), DAZAI_JAVA.

if [[ -o interactive ]]; then
  # `emulate -L zsh` in every function: the user's options (nounset, ksharrays, shwordsplit...)
  # must not change what these lines mean, and ours must not leak back.

  __dazai_unguarded() {
    emulate -L zsh
    print -ru2 -- "dazai: session UNGUARDED ($1)"
  }

  # The daemon's rule (app/…/cli/Locations.java), case by case; SocketDirAgreementTest runs both.
  __dazai_socket_dir() {
    emulate -L zsh
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
    typeset -g __dazai_dir=$d
  }

  # True if $1 is a real directory (not a link) owned by this user.
  __dazai_own_dir() {
    emulate -L zsh
    [[ -d $1 && ! -L $1 && -O $1 ]]
  }

  # Fields 22 (start time) and 7 (tty_nr) of /proc/$1/stat; the command name (field 2) may hold
  # spaces and ')', so fields are counted from the last ')'.
  __dazai_stat() {
    emulate -L zsh
    local line rest
    { read -r line <"/proc/$1/stat" } 2>/dev/null || return 1
    rest=${line##*\) }
    local -a f
    f=(${=rest})
    typeset -g __dazai_starttime=${f[20]-} __dazai_ttynr=${f[5]-}
    [[ $__dazai_starttime == <-> && $__dazai_ttynr == <-> ]]
  }

  # The terminal's name from tty_nr, as the daemon derives it (ProcessFacts.ttyName); "-" if none.
  __dazai_tty_name() {
    emulate -L zsh
    local -i nr=$1 major minor
    typeset -g __dazai_tty=-
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
    emulate -L zsh
    setopt clobber
    local pid=$1 kind=$2 entry=$__dazai_dir/sessions/$1 line old um= k v
    local -i rc
    __dazai_stat $pid || { __dazai_unguarded "cannot read /proc/$pid/stat; dazai needs Linux's /proc"; return 1 }
    __dazai_tty_name $__dazai_ttynr
    line="$pid $__dazai_starttime $__dazai_tty $kind"
    # Sourced again: the same line is there already, and rewriting it would only churn.
    if [[ -f $entry && ! -L $entry ]] && { IFS= read -r old <$entry } 2>/dev/null && [[ $old == $line ]]; then
      return 0
    fi
    # The umask without a fork: /proc/PID/status says it (Linux >= 4.7).
    while IFS=$': \t' read -r k v; do
      if [[ $k == Umask ]]; then um=$v; break; fi
    done <"/proc/$$/status"
    if [[ -n $um ]]; then
      umask 077
      { print -r -- $line >$entry } 2>/dev/null
      rc=$?
      umask $um
    else
      ( umask 077; print -r -- $line >$entry ) 2>/dev/null
      rc=$?
    fi
    if (( rc != 0 )); then
      __dazai_unguarded "cannot write $entry; check that $__dazai_dir/sessions is yours and writable"
      return 1
    fi
  }

  # In the background, so the prompt never waits on tmux: the client this shell is shown in.
  __dazai_register_tmux_client() {
    emulate -L zsh
    local client
    client=$(command tmux display-message -p '#{client_pid}' 2>/dev/null)
    if [[ $client != <1-> ]]; then
      __dazai_unguarded "inside tmux, but tmux names no client for this pane (detached?); attach, or run: . ${__dazai_file:-dazai.zsh}"
      return 1
    fi
    __dazai_write_entry $client "tmux client"
  }

  __dazai_register() {
    emulate -L zsh
    local again=". ${__dazai_file:-/path/to/dazai.zsh}"
    __dazai_socket_dir
    typeset -gx DAZAI_SOCKET_DIR=$__dazai_dir
    # GNU screen: its windows outlive the login that ran it, and that login counts already.
    [[ -n ${STY-} ]] && return 0
    if ! __dazai_own_dir $__dazai_dir; then
      if [[ -e $__dazai_dir || -L $__dazai_dir ]]; then
        __dazai_unguarded "$__dazai_dir is not a directory of yours; remove it or set DAZAI_SOCKET_DIR"
      else
        __dazai_unguarded "no daemon: $__dazai_dir missing; start one (setsid -f dazai), then run: $again"
      fi
      return 0
    fi
    if ! __dazai_own_dir $__dazai_dir/sessions; then
      if [[ -e $__dazai_dir/sessions || -L $__dazai_dir/sessions ]]; then
        __dazai_unguarded "$__dazai_dir/sessions is not a directory of yours; remove it and restart the daemon"
      else
        __dazai_unguarded "no daemon: $__dazai_dir/sessions missing; start one (setsid -f dazai), then run: $again"
      fi
      return 0
    fi
    # The entry counts even while no daemon runs: a daemon reads the entries it finds at start.
    if [[ -n ${TMUX-} ]]; then
      # No job control around the fork, and `&!`: no "[1] 1234" now and no "done" later.
      setopt no_monitor no_bg_nice
      __dazai_register_tmux_client </dev/null >/dev/null &!
    else
      local kind=zsh
      [[ -o login ]] && kind="zsh login"
      __dazai_write_entry $$ $kind || return 0
    fi
    local pid=
    { read -r pid <$__dazai_dir/dazai.pid } 2>/dev/null
    if [[ $pid != <1-> ]]; then
      __dazai_unguarded "no daemon: no pidfile $__dazai_dir/dazai.pid; start one (setsid -f dazai); this shell counts once it runs"
    elif ! builtin kill -0 $pid 2>/dev/null; then
      __dazai_unguarded "no daemon: pid $pid in $__dazai_dir/dazai.pid is gone; start one (setsid -f dazai); this shell counts once it runs"
    fi
    return 0
  }

  # An anonymous function runs at once, under our options rather than the user's.
  () {
    emulate -L zsh
    typeset -g __dazai_file=${${(%):-%x}:A}
    typeset -g __dazai_here=${__dazai_file:h}

    # A `dazai` command where none is on PATH: the launcher beside this file (share/dazai/ in the
    # tarball), else the jar of this checkout, else the jar `dazai shell-init` named.
    # A walk over $path, not $+commands: that hashes every command on PATH first (~2 ms).
    local d found=0
    for d in $path; do
      if [[ -x $d/dazai && ! -d $d/dazai ]]; then found=1; break; fi
    done
    if (( ! found && ! $+functions[dazai] && ! $+aliases[dazai] )); then
      if [[ -x $__dazai_here/../../bin/dazai ]]; then
        typeset -g __dazai_launcher=$__dazai_here/../../bin/dazai
        dazai() { "$__dazai_launcher" "$@" }
      elif [[ -f ${__dazai_jar:-$__dazai_here/../app/target/app.jar} ]]; then
        typeset -g __dazai_jar=${__dazai_jar:-$__dazai_here/../app/target/app.jar}
        dazai() { "${DAZAI_JAVA:-java}" -jar "$__dazai_jar" "$@" }
      fi
    fi

    # Completion: the native function on fpath (no bashcompinit, no compopt).
    if [[ -r $__dazai_here/zsh/_dazai ]]; then
      if (( ! ${fpath[(Ie)$__dazai_here/zsh]} )); then
        fpath=($__dazai_here/zsh $fpath)
      fi
      autoload -Uz _dazai
      if (( $+functions[compdef] )); then
        compdef _dazai dazai
      else
        # No compinit (yet): the old, built-in completion lists the subcommands meanwhile; a
        # compinit later takes _dazai from fpath instead.
        compctl -k '(heartbeat status register panic cancel signal shell-init add remove run unregister stop doctor)' dazai 2>/dev/null
      fi
    fi

    __dazai_register
  }
fi
true
