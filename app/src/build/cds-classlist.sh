#!/bin/sh
# Build step (app/pom.xml, package): writes TREE/lib/dazai/classlist, the classes the class-data
# archive holds, by running the tree's own launcher through what users run first: --version,
# --help, a dry-run daemon up to ready, status, status --json, doctor, register, a heartbeat that
# attaches, and a panic that makes the daemon rehearse its fire path and exit. Every JVM writes
# the classes it loaded (-XX:DumpLoadedClassList; the daemon ends through the JVM's exit here,
# -Ddazai.exit.jvm=true, so the list's buffered tail is written); the list is their union. Bounded in time; on
# any failure it says why and exits non-zero (skip it with -Ddazai.cds.skip=true).
#
#   sh app/src/build/cds-classlist.sh TREE WORKDIR
set -u
tree=$1
work=$2
dazai=$tree/bin/dazai
rm -rf -- "$work"
mkdir -p -- "$work/lists" || exit 1
sockets=$work/s
n=0
daemon=
hb=

fail() {
  printf 'cds-classlist: %s\n' "$1" >&2
  [ -f "$work/daemon.err" ] && sed 's/^/  daemon: /' "$work/daemon.err" >&2
  [ -n "$hb" ] && kill -9 "$hb" 2>/dev/null
  [ -n "$daemon" ] && kill -9 "$daemon" 2>/dev/null
  exit 1
}

# One command through the launcher, its classes written to a list of its own; no archive used.
dz() {
  n=$((n + 1))
  (JAVA_TOOL_OPTIONS="-XX:DumpLoadedClassList=$work/lists/$n.list -Ddazai.exit.jvm=true" DAZAI_CDS=off exec "$dazai" "$@")
}

# As dz, for a command started with &: the subshell it runs in execs the JVM, so $! is the
# JVM's own PID. Its list number is taken by the caller (n=$((n + 1))), as the subshell's is lost.
dz_bg() {
  JAVA_TOOL_OPTIONS="-XX:DumpLoadedClassList=$work/lists/$n.list -Ddazai.exit.jvm=true" DAZAI_CDS=off exec "$dazai" "$@"
}

# Polls (up to about two minutes: the build machine may be loaded) until "$@" succeeds.
await() {
  what=$1
  shift
  i=0
  until "$@"; do
    i=$((i + 1))
    [ "$i" -gt 1200 ] && fail "timed out waiting for $what"
    [ -n "$daemon" ] && ! kill -0 "$daemon" 2>/dev/null && fail "the daemon exited before $what"
    sleep 0.1
  done
}

dz --version >/dev/null 2>&1 || fail "dazai --version failed"
dz --help >/dev/null 2>&1 || fail "dazai --help failed"
dz status --help >/dev/null 2>&1 || fail "dazai status --help failed"
dz shell-init bash >/dev/null 2>&1 || fail "dazai shell-init bash failed"
dz status --socket-dir "$sockets" >/dev/null 2>&1 # no daemon yet: the error path, exit 3

# --ping-timeout: should anything below hang, the daemon still rehearses and exits on its own.
n=$((n + 1))
dz_bg --socket-dir "$sockets" --grace 0 --ping-timeout 90 --generate 64 \
  </dev/null >"$work/daemon.out" 2>"$work/daemon.err" &
daemon=$!
await "the daemon's pidfile" test -f "$sockets/dazai.pid"
dz status --socket-dir "$sockets" >/dev/null 2>&1 || fail "dazai status failed"
dz status --json --socket-dir "$sockets" >/dev/null 2>&1 || fail "dazai status --json failed"
dz doctor --socket-dir "$sockets" >/dev/null 2>&1 # exit 1 on a weak machine is still a run
# A process of its own: the daemon refuses to register its ancestors, this shell among them.
sleep 300 &
holder=$!
dz register "$holder" --socket-dir "$sockets" >/dev/null 2>&1 || fail "dazai register failed"
dz unregister "$holder" --socket-dir "$sockets" >/dev/null 2>&1 || fail "dazai unregister failed"
kill "$holder" 2>/dev/null
n=$((n + 1))
dz_bg heartbeat --socket-dir "$sockets" </dev/null >/dev/null 2>&1 &
hb=$!
await "the heartbeat to attach" grep -q "ATTACHED pid $hb" "$work/daemon.err"
dz panic --socket-dir "$sockets" >/dev/null 2>&1 || fail "dazai panic failed"
await "the rehearsal to end" sh -c "! kill -0 $daemon 2>/dev/null"
wait "$daemon" || fail "the daemon's rehearsal exited $?"
daemon=
i=0
while kill -0 "$hb" 2>/dev/null && [ "$i" -lt 300 ]; do
  sleep 0.1
  i=$((i + 1))
done
kill -9 "$hb" 2>/dev/null
wait "$hb" 2>/dev/null
hb=

# The union, first occurrence kept (the JVM reads the list in order), without the comment headers.
# Java 23 and later number every class ("NAME id: N"), per process: numbers from different lists
# collide and -Xshare:dump refuses the whole list, so they go, and with them the lines that only
# make sense with them (classes of other loaders, "source:"). Java 17's lists have neither.
cat "$work"/lists/*.list | grep -v '^#' | grep -v ' source: ' | sed -e 's/ id: [0-9][0-9]*$//' |
  awk '!seen[$0]++' >"$tree/lib/dazai/classlist" ||
  fail "cannot write $tree/lib/dazai/classlist"
[ -s "$tree/lib/dazai/classlist" ] || fail "no class was listed"
printf 'cds-classlist: %s classes and lambda forms from %s runs\n' \
  "$(wc -l <"$tree/lib/dazai/classlist" | tr -d ' ')" "$n"
