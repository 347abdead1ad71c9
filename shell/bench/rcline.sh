#!/usr/bin/env bash
# What the README's rc line adds to a shell's start: a benchmark, not a test.
#
#   shell/bench/rcline.sh [RUNS] [SHELL...]        e.g.  shell/bench/rcline.sh 201 bash zsh
#
# Times `SHELL -i -c exit` (stdin /dev/null, a fresh HOME) from fork to exit, RUNS times per
# variant, the variants interleaved run by run so that drifting load hits all of them alike:
#   bare       an empty rc file
#   line       the rc file holds only the rc line (. shell/dazai.SHELL), a daemon runs: the shell
#              writes its session entry (the common case)
#   nodaemon   the rc line with no daemon directory: it prints the UNGUARDED line instead
# Prints, per shell and variant, the median wall time, its quartiles and minimum, and the mean CPU
# time; then what the line adds: the difference of the medians, the median of the paired (same
# round) differences, and the difference of the mean CPU times.
# The machine's load (uptime) is printed before and after.
#
# The daemon is the real one (app/target/app.jar, dry-run) when it is built, so its watcher
# works while the shells start, as it would; one session (this script) keeps it attached. With
# no jar, a stand-in directory and pidfile (naming this script) take its place: the shell's side
# is the same either way, and the output says which ran. Needs bash >= 5 (EPOCHREALTIME).
set -euo pipefail

runs=${1:-101}
shift || true
shells=("$@")
[ ${#shells[@]} -gt 0 ] || shells=(bash zsh)

here=$(cd "$(dirname "$0")/.." && pwd)
jar=${DAZAI_JAR:-$here/../app/target/app.jar}
java=${DAZAI_JAVA:-java}
work=$(mktemp -d /tmp/dazai-rcline.XXXXXX)
sock=$work/sock
daemon_pid=
cleanup() {
  if [ -n "$daemon_pid" ]; then kill -TERM "$daemon_pid" 2>/dev/null || true; wait "$daemon_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# This script is the session that keeps the daemon attached while the measured shells come and go.
keep_attached() {
  local stat rest
  read -r stat </proc/$$/stat
  rest=${stat##*) }
  set -- $rest
  printf '%s %s - bench\n' "$$" "${20}" >"$sock/sessions/$$"
}

if [ -f "$jar" ] && command -v "$java" >/dev/null; then
  "$java" -jar "$jar" --socket-dir "$sock" --grace 600 </dev/null >"$work/daemon.log" 2>&1 &
  daemon_pid=$!
  for _ in $(seq 600); do [ -f "$sock/dazai.pid" ] && break; sleep 0.1; done
  [ -f "$sock/dazai.pid" ] || { echo "rcline.sh: the daemon did not start:" >&2; cat "$work/daemon.log" >&2; exit 3; }
  keep_attached
  daemon="the real daemon (dry-run, pid $daemon_pid)"
else
  mkdir -m 700 -p "$sock/sessions"
  echo $$ >"$sock/dazai.pid"
  daemon="a stand-in (no $jar: the directories and a pidfile naming this script)"
fi

micros() {
  local s=${1%%[.,]*} f=${1#*[.,]}
  f=${f}000000
  echo $(( 10#$s * 1000000 + 10#${f:0:6} ))
}

# One start-up and exit of SHELL with VARIANT's rc file: "WALL CPU", in microseconds. CPU is the
# shell's user + system time (bash's `times`, in this fresh subshell: only that one child), which a
# loaded machine stretches far less than the wall clock.
one() {
  local shell=$1 variant=$2 home=$work/home-$1-$2 dir=$sock start end u s
  [ "$variant" = nodaemon ] && dir=$work/none
  start=$EPOCHREALTIME
  env -i PATH="$PATH" HOME="$home" ZDOTDIR="$home" TERM=xterm LANG=C.UTF-8 DAZAI_SOCKET_DIR="$dir" \
    "$shell" -i -c exit </dev/null >/dev/null 2>&1 || true
  end=$EPOCHREALTIME
  times >"$work/times.$BASHPID"  # in this shell, not in a pipe's subshell, whose children are none
  { read -r _ _; read -r u s; } <"$work/times.$BASHPID"
  echo "$(( $(micros "$end") - $(micros "$start") )) $(( $(seconds_us "$u") + $(seconds_us "$s") ))"
}

# "0m0.004s" -> microseconds.
seconds_us() {
  local m=${1%%m*} s=${1#*m}
  s=${s%s}
  echo $(( 10#$m * 60000000 + $(micros "$s") ))
}

# Median, quartiles and minimum of a column of microseconds, in milliseconds.
stats() {
  sort -n | awk '{ v[NR] = $1 } END {
    printf "%7.2f ms  (quartiles %6.2f - %6.2f, min %6.2f)", pct(50) / 1000, pct(25) / 1000, pct(75) / 1000, v[1] / 1000
  }
  function pct(p,   r, i, f) { r = (p / 100) * (NR - 1) + 1; i = int(r); f = r - i; return (i >= NR) ? v[NR] : v[i] + f * (v[i + 1] - v[i]) }'
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

variants=(bare line nodaemon)
echo "dazai rc line, shell start-up: $runs runs per variant, interleaved; $(nproc) cores; $daemon"
echo "load before: $(uptime)"
for shell in "${shells[@]}"; do
  command -v "$shell" >/dev/null || { echo "$shell: not installed, skipped"; continue; }
  rcname=.bashrc
  [ "$shell" = zsh ] && rcname=.zshrc
  for v in "${variants[@]}"; do
    mkdir -p "$work/home-$shell-$v"
    case $v in
      bare) : >"$work/home-$shell-$v/$rcname" ;;
      *) printf '. %s\n' "$here/dazai.$shell" >"$work/home-$shell-$v/$rcname" ;;
    esac
    : >"$work/$shell-$v.times"
    : >"$work/$shell-$v.cpu"
  done
  for _ in 1 2 3 4 5; do for v in "${variants[@]}"; do one "$shell" "$v" >/dev/null; done; done  # warm the caches
  : >"$work/$shell-diff.times"
  for _ in $(seq "$runs"); do
    for v in "${variants[@]}"; do
      read -r wall cpu <<<"$(one "$shell" "$v")"
      echo "$wall" >>"$work/$shell-$v.times"
      echo "$cpu" >>"$work/$shell-$v.cpu"
      eval "last_$v=$wall"
    done
    echo $(( last_line - last_bare )) >>"$work/$shell-diff.times"
  done
  for v in "${variants[@]}"; do
    printf '%-5s %-9s %s   cpu %5.2f ms\n' "$shell" "$v" "$(stats <"$work/$shell-$v.times")" \
      "$(awk '{ s += $1 } END { print s / NR / 1000 }' "$work/$shell-$v.cpu")"
  done
  mb=$(median <"$work/$shell-bare.times")
  ml=$(median <"$work/$shell-line.times")
  md=$(median <"$work/$shell-diff.times")
  cb=$(awk '{ s += $1 } END { print s / NR }' "$work/$shell-bare.cpu")
  cl=$(awk '{ s += $1 } END { print s / NR }' "$work/$shell-line.cpu")
  awk -v s="$shell" -v b="$mb" -v l="$ml" -v d="$md" -v cb="$cb" -v cl="$cl" 'BEGIN {
    printf "%-5s the line adds %.2f ms (difference of medians), %.2f ms (median of paired differences), %.2f ms of CPU (mean)\n",
      s, (l - b) / 1000, d / 1000, (cl - cb) / 1000 }'
done
echo "load after:  $(uptime)"
if [ -n "$daemon_pid" ]; then
  echo "daemon journal: $(grep -c SESSION_START "$work/daemon.log" || true) sessions admitted, $(grep -c 'refused' "$work/daemon.log" || true) entries of shells gone before they were read"
fi
