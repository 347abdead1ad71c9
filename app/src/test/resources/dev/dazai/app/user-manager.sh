#!/bin/sh
# SystemdUnitIT's real start: run as root inside "unshare -m --propagation private", so every mount
# below is private to this test. It installs the distribution TREE for an unprivileged user
# (uid 65534) in a tmpfs /home, starts that user's own systemd user manager (as user@.service
# would: a delegated cgroup, $XDG_RUNTIME_DIR in a tmpfs /run/user), starts dazai.service under
# it, and prints what it finds as KEY=VALUE lines. PID 1 here need not be systemd: the manager
# only checks /run/systemd/system, which a private tmpfs provides.
#
#   user-manager.sh TREE WORK CGROUP-NAME
set -u
tree=$1
work=$2
cg=$3
say() { printf '%s=%s\n' "$1" "$2"; }

mount -t tmpfs -o mode=755 tmpfs "$work/run-systemd" && mkdir -p "$work/run-systemd/system" "$work/run-systemd/unit-root" &&
  mount --bind "$work/run-systemd" /run/systemd || { say SETUP "no private /run/systemd"; exit 1; }
mount -t tmpfs -o mode=755 tmpfs /home && mount -t tmpfs -o mode=755 tmpfs /run/user || { say SETUP "no private /home, /run/user"; exit 1; }
H=/home/dz
R=/run/user/65534
mkdir -p "$H" "$R" && chown 65534:65534 "$H" "$R" && chmod 700 "$R"
as_user() { setpriv --reuid 65534 --regid 65534 --clear-groups --inh-caps=-all env -i PATH="$PATH" HOME="$H" XDG_RUNTIME_DIR="$R" "$@"; }

# The user manager's own cgroup, delegated to the user, in every hierarchy systemd uses here.
for mnt in $(awk '$9 == "cgroup2" { print $5 } $9 == "cgroup" && $NF ~ /name=systemd/ { print $5 }' /proc/self/mountinfo); do
  mkdir -p "$mnt/$cg" && chown -R 65534:65534 "$mnt/$cg" && echo $$ >"$mnt/$cg/cgroup.procs" || { say SETUP "no cgroup in $mnt"; exit 1; }
done

as_user sh "$tree/install.sh" >"$work/install.log" 2>&1
say INSTALL_RC $?
as_user sh -c 'mkdir -p "$HOME/.config/dazai" && umask 077 && head -c 32 /dev/urandom >"$HOME/.config/dazai/secret"'
# The daemon's journal, where this test can read it (no journald here).
touch "$work/daemon.err" && chown 65534 "$work/daemon.err"
as_user mkdir -p "$H/.config/systemd/user/dazai.service.d"
printf '[Service]\nStandardError=append:%s\nTimeoutStartSec=60\n' "$work/daemon.err" >"$work/log.conf"
as_user cp "$work/log.conf" "$H/.config/systemd/user/dazai.service.d/log.conf"

as_user /lib/systemd/systemd --user >"$work/manager.log" 2>&1 &
manager=$!
i=0
until as_user systemctl --user is-system-running >/dev/null 2>&1; do
  i=$((i + 1))
  [ $i -gt 300 ] && { say SETUP "the user manager did not come up"; kill $manager; exit 1; }
  sleep 0.2
done
show() { as_user systemctl --user show -p "$1" --value dazai.service; }

# 1. As shipped: a dry-run daemon, sandboxed.
as_user systemctl --user start dazai.service
say START_RC $?
say ACTIVE "$(show ActiveState)"
say STATUS_TEXT "$(show StatusText)"
pid=$(show MainPID)
say MAIN_PID "$pid"
if [ "$pid" != 0 ]; then
  say NO_NEW_PRIVS "$(awk '/^NoNewPrivs:/ { print $2 }' /proc/$pid/status)"
  say SECCOMP "$(awk '/^Seccomp:/ { print $2 }' /proc/$pid/status)"
  say CAP_BOUNDING "$(awk '/^CapBnd:/ { print $2 }' /proc/$pid/status)"
  [ "$(readlink /proc/$pid/ns/net)" != "$(readlink /proc/self/ns/net)" ] && say OWN_NET_NS yes || say OWN_NET_NS no
  [ "$(readlink /proc/$pid/ns/user)" != "$(readlink /proc/self/ns/user)" ] && say OWN_USER_NS yes || say OWN_USER_NS no
  say CMDLINE "$(tr '\0' ' ' </proc/$pid/cmdline)"
  say CLIENT_STATUS "$(as_user "$H/.local/bin/dazai" status --json 2>&1)"
fi
as_user systemctl --user stop dazai.service
say STOPPED "$(show ActiveState) $(show Result)"
[ -e "$R/dazai" ] && say RUNTIME_DIR_LEFT yes || say RUNTIME_DIR_LEFT no

# 2. Armed, with a holder outside the sandbox: a hard panic kills it by pidfd from inside, then the
#    daemon SIGKILLs itself.
printf '[Service]\nExecStart=\nExecStart=%s/.local/bin/dazai --socket-dir %%t/dazai --grace 30 --secret-stdin --arm\n' "$H" >"$work/arm.conf"
as_user cp "$work/arm.conf" "$H/.config/systemd/user/dazai.service.d/arm.conf"
as_user systemctl --user daemon-reload
as_user systemctl --user start dazai.service
say ARMED_START_RC $?
as_user sleep 600 &
holder=$!
sleep 0.2
holder_pid=$(pgrep -P $holder sleep || echo $holder)
say REGISTER "$(as_user "$H/.local/bin/dazai" register "$holder_pid" 2>&1; echo " rc=$?")"
say PANIC "$(as_user "$H/.local/bin/dazai" panic --hard 2>&1; echo " rc=$?")"
i=0
while kill -0 "$holder_pid" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
kill -0 "$holder_pid" 2>/dev/null && say HOLDER_KILLED no || say HOLDER_KILLED yes
i=0
while [ "$(show ActiveState)" = active ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
say ARMED_END "$(show ActiveState) $(show Result) $(show ExecMainCode) $(show ExecMainStatus)"

as_user systemctl --user exit 2>/dev/null || kill $manager
wait $manager 2>/dev/null
say DONE yes
