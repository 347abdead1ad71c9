#!/usr/bin/env bash
# How much the dazai snippet adds to an interactive shell's start-up: a benchmark, not a test.
#
#   shell/bench/startup.sh [RUNS] [SHELL...]        e.g.  shell/bench/startup.sh 31 bash zsh
#
# Each run starts `SHELL -i` on a pseudo-terminal (util-linux `script`) with a fresh rc file and
# times it from just before the launch to its first prompt: the rc's prompt hook stamps
# $EPOCHREALTIME into a file and exits. Variants, interleaved run by run so that drifting load
# hits all of them alike:
#   bare       the rc file without dazai
#   source     + `source shell/dazai.SHELL`, daemon up (another heartbeat holds the slot, so the
#              shell's own client is the common "second terminal" case and sees BUSY)
#   unguarded  + `source shell/dazai.SHELL`, no daemon: prints the UNGUARDED line
#   cached     + `source ~/.dazai.SHELL`, written once by `java -jar app.jar shell-init SHELL`
#   eval       + `eval "$(java -jar app.jar shell-init SHELL)"`: one JVM start in the foreground
# Prints the median and the ratio to `bare` for each. Then the heartbeat client itself: start to
# its BUSY answer (a whole JVM start, connect and reply), with the JVM flags the snippet uses and
# without; it runs in the background, so this is how soon a session is guarded, not prompt delay. Needs bash 5 (EPOCHREALTIME), the jar built
# (mvn -B -q package -DskipTests), and `script`.
set -euo pipefail

runs=${1:-21}
shift || true
shells=("$@")
[ ${#shells[@]} -gt 0 ] || shells=(bash zsh)

here=$(cd "$(dirname "$0")/.." && pwd)
jar=${DAZAI_JAR:-$here/../app/target/app.jar}
jar=$(cd "$(dirname "$jar")" && pwd)/$(basename "$jar")
java=${DAZAI_JAVA:-java}
[ -f "$jar" ] || { echo "startup.sh: no $jar; build it first: mvn -B -q package -DskipTests" >&2; exit 2; }
command -v script >/dev/null || { echo "startup.sh: needs script (util-linux)" >&2; exit 2; }

work=$(mktemp -d /tmp/dazai-bench.XXXXXX)
daemon_pid=
keeper_pid=
cleanup() {
  [ -n "$daemon_pid" ] && kill -TERM "$daemon_pid" 2>/dev/null || true
  [ -n "$keeper_pid" ] && kill -TERM "$keeper_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

sock=$work/sock
empty=$work/empty
mkdir -p "$empty"
"$java" -jar "$jar" --socket-dir "$sock" >"$work/daemon.log" 2>&1 </dev/null &
daemon_pid=$!
for _ in $(seq 600); do [ -S "$sock/heartbeat.sock" ] && break; sleep 0.1; done
[ -S "$sock/heartbeat.sock" ] || { echo "startup.sh: the daemon did not start:" >&2; cat "$work/daemon.log" >&2; exit 3; }
DAZAI_SOCKET_DIR=$sock "$java" -jar "$jar" heartbeat </dev/null >"$work/keeper.log" 2>&1 &
keeper_pid=$!
for _ in $(seq 600); do
  DAZAI_SOCKET_DIR=$sock "$java" -jar "$jar" status --json 2>/dev/null | grep -q '"state":"Attached"' && break
  sleep 0.2
done

# rc TEXT for SHELL and VARIANT; the last lines stamp the first prompt and leave.
rc() {
  local shell=$1 variant=$2 line=
  case $variant in
    bare) ;;
    source|unguarded) line="source '$here/dazai.$shell'" ;;
    cached) line="source '$work/init.$shell'" ;;
    eval) line="eval \"\$('$java' -jar '$jar' shell-init $shell)\"" ;;
  esac
  if [ "$shell" = zsh ]; then
    printf '%s\n' "PS1='\$ '" 'zmodload zsh/datetime' "$line" \
      'precmd() { print -r -- $EPOCHREALTIME > $BENCH_STAMP; exit }'
  else
    printf '%s\n' "PS1='\$ '" "$line" \
      'PROMPT_COMMAND='\''printf "%s\n" "$EPOCHREALTIME" > "$BENCH_STAMP"; exit'\'
  fi
}

# "1712345678.123456789" -> microseconds as an integer, whatever the number of decimals.
micros() {
  local s=${1%%[.,]*} f=${1#*[.,]}
  f=${f}000000
  echo $(( 10#$s * 1000000 + 10#${f:0:6} ))
}

# One timed start-up, in microseconds.
one() {
  local shell=$1 variant=$2 home=$work/home-$1-$2 dir=$sock
  [ "$variant" = unguarded ] && dir=$empty
  rm -f "$home/stamp"
  local start
  start=$(micros "$EPOCHREALTIME")
  env -i PATH="$PATH" HOME="$home" TERM=xterm LANG=C.UTF-8 DAZAI_SOCKET_DIR="$dir" \
      BENCH_STAMP="$home/stamp" script -qec "$shell -i" /dev/null </dev/null >/dev/null 2>&1 || true
  [ -s "$home/stamp" ] || { echo "startup.sh: $shell/$variant never reached a prompt" >&2; exit 4; }
  echo $(( $(micros "$(cat "$home/stamp")") - start ))
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

variants=(bare source unguarded cached eval)
echo "dazai shell start-up: $runs runs per variant, median time to the first prompt ($(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))"
for shell in "${shells[@]}"; do
  command -v "$shell" >/dev/null || { echo "$shell: not installed, skipped"; continue; }
  "$java" -jar "$jar" shell-init "$shell" >"$work/init.$shell"
  for v in "${variants[@]}"; do
    mkdir -p "$work/home-$shell-$v"
    rc "$shell" "$v" >"$work/home-$shell-$v/.${shell}rc"
    : >"$work/$shell-$v.times"
  done
  for _ in 1 2 3; do for v in "${variants[@]}"; do one "$shell" "$v" >/dev/null; done; done  # warm-up
  for _ in $(seq "$runs"); do
    for v in "${variants[@]}"; do one "$shell" "$v" >>"$work/$shell-$v.times"; done
  done
  base=$(median <"$work/$shell-bare.times")
  for v in "${variants[@]}"; do
    m=$(median <"$work/$shell-$v.times")
    awk -v s="$shell" -v v="$v" -v m="$m" -v b="$base" \
      'BEGIN { printf "%-5s %-10s %8.1f ms   x%.2f\n", s, v, m / 1000, m / b }'
  done
done

flags=(-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto -XX:-UsePerfData -Xms8m -Xmx48m -Xss512k)
client() {
  local start end
  start=$(micros "$EPOCHREALTIME")
  DAZAI_SOCKET_DIR=$sock "$java" "$@" -jar "$jar" heartbeat </dev/null >/dev/null 2>&1 || true
  end=$(micros "$EPOCHREALTIME")
  echo $(( end - start ))
}
: >"$work/client-plain.times"
: >"$work/client-flags.times"
for _ in $(seq "$runs"); do
  client >>"$work/client-plain.times"
  client "${flags[@]}" >>"$work/client-flags.times"
done
plain=$(median <"$work/client-plain.times")
tuned=$(median <"$work/client-flags.times")
awk -v p="$plain" -v t="$tuned" 'BEGIN {
  printf "heartbeat client to BUSY: %.0f ms with the snippet'"'"'s JVM flags, %.0f ms without (x%.2f)\n", t / 1000, p / 1000, t / p }'
