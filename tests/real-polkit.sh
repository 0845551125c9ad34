#!/bin/bash
# tests/real-polkit.sh: runs a command against the real polkitd, with our
# actions and the given rules, on a private system bus, without touching
# the host's polkit or /etc:
#
#   tests/real-polkit.sh [OPTION]... -- COMMAND [ARG]...
#   tests/real-polkit.sh --check
#
#   --actions FILE      a polkit .policy file; these alone make up
#                       /usr/share/polkit-1/actions (repeatable)
#   --rules FILE        a .rules file for /etc/polkit-1/rules.d, under its
#                       own name (repeatable; none: no rules at all, the
#                       host's /usr/share/polkit-1/rules.d hidden too)
#   --bus-policy FILE   included in the private bus's configuration, as a
#                       file in /usr/share/dbus-1/system.d is (repeatable)
#   --user NAME         a system user NAME added to /etc/passwd
#   --group NAME:USER[,USER]...  a group NAME with these members added to
#                       /etc/group
#
# COMMAND runs as PID 1's child in new mount and PID namespaces (unshare):
# every bind mount (actions, rules, passwd, group) is seen there only, and
# when this script ends every process of the namespace dies with it. It
# finds DBUS_SYSTEM_BUS_ADDRESS pointing at a private dbus-daemon with a
# system bus's policy (deny by default, polkit's own bus policy, the
# --bus-policy files), where /usr/lib/polkit-1/polkitd owns
# org.freedesktop.PolicyKit1; REAL_POLKIT_DIR is a scratch directory any
# user may enter, with bus.log and polkitd.log. Exits with COMMAND's status.
#
# Needs root (mount namespaces, polkitd drops to its own user) and
# unshare(1). When this machine cannot run it, it prints the reason to
# stderr (stdout for --check) and exits 77, the usual "skipped" status.
set -u

me=$(readlink -f "${BASH_SOURCE[0]}")
skip_status=77

cannot () {
  echo "real-polkit: cannot run the real polkitd here: $*" >&2
  exit "$skip_status"
}

polkitd_path () {
  local p
  for p in /usr/lib/polkit-1/polkitd /usr/libexec/polkitd /usr/lib/policykit-1/polkitd; do
    [ -x "$p" ] && { echo "$p"; return 0; }
  done
  return 1
}

polkit_bus_policy () {
  local p
  for p in /usr/share/dbus-1/system.d/org.freedesktop.PolicyKit1.conf /etc/dbus-1/system.d/org.freedesktop.PolicyKit1.conf; do
    [ -f "$p" ] && { echo "$p"; return 0; }
  done
  return 1
}

# why this machine cannot run it, or nothing
why_not () {
  local c out
  if [ "$(id -u)" -ne 0 ]; then
    echo "needs root for a private mount namespace"
    return
  fi
  for c in unshare dbus-daemon gdbus setpriv; do
    command -v "$c" >/dev/null 2>&1 || { echo "no $c"; return; }
  done
  polkitd_path >/dev/null || { echo "no polkitd (/usr/lib/polkit-1/polkitd: Debian's polkitd package)"; return; }
  polkit_bus_policy >/dev/null || { echo "no org.freedesktop.PolicyKit1.conf bus policy (polkitd's package)"; return; }
  getent passwd polkitd >/dev/null || { echo "no user polkitd, whom polkitd runs as"; return; }
  if [ ! -d /usr/share/polkit-1/actions ] || [ ! -d /etc/polkit-1/rules.d ]; then
    echo "no /usr/share/polkit-1/actions or /etc/polkit-1/rules.d to mount over"
    return
  fi
  if ! out=$(timeout 10 unshare --mount --propagation private --pid --fork --mount-proc true 2>&1); then
    echo "unshare --mount --pid is not permitted here: $out"
  fi
}

# ---- outside: check, then start again in new namespaces -----------------

if [ "${REAL_POLKIT_INSIDE:-}" != "$$" ]; then
  if [ "${1:-}" = --check ]; then
    reason=$(why_not)
    [ -z "$reason" ] && exit 0
    echo "$reason"
    exit "$skip_status"
  fi
  reason=$(why_not)
  [ -z "$reason" ] || cannot "$reason"
  # the scratch directory: inside, a tmpfs mounted on it, so that here it
  # stays empty whatever happens there
  dir=$(mktemp -d "${TMPDIR:-/tmp}/nova-volume-real-polkit.XXXXXX") || exit 1
  # inside, the script is PID 1 of the new PID namespace (that is how it
  # knows); it compares its mount namespace with this one's before it
  # mounts anything. When unshare dies, --kill-child kills PID 1, and with
  # it every process of the namespace.
  REAL_POLKIT_HOST_MNT=$(readlink /proc/self/ns/mnt) REAL_POLKIT_INSIDE=1 REAL_POLKIT_DIR=$dir \
    unshare --mount --propagation private --pid --fork --kill-child --mount-proc -- "$me" "$@" <&0 &
  child=$!
  trap 'kill -TERM "$child" 2>/dev/null' TERM INT HUP
  status=0
  wait "$child" || status=$?
  # a signal ends the wait, not the child
  while kill -0 "$child" 2>/dev/null; do
    status=0
    wait "$child" || status=$?
  done
  rm -rf "$dir"
  exit "$status"
fi

# ---- inside -------------------------------------------------------------

unset REAL_POLKIT_INSIDE
if [ -z "${REAL_POLKIT_HOST_MNT:-}" ] || [ "$(readlink /proc/self/ns/mnt)" = "$REAL_POLKIT_HOST_MNT" ]; then
  echo "real-polkit: not in a private mount namespace; refusing to mount anything" >&2
  exit 1
fi
unset REAL_POLKIT_HOST_MNT

actions=()
rules=()
bus_policies=()
users=()
groups=()
while [ $# -gt 0 ]; do
  case $1 in
    --actions) actions+=("${2:?--actions FILE}"); shift 2 ;;
    --rules) rules+=("${2:?--rules FILE}"); shift 2 ;;
    --bus-policy) bus_policies+=("${2:?--bus-policy FILE}"); shift 2 ;;
    --user) users+=("${2:?--user NAME}"); shift 2 ;;
    --group) groups+=("${2:?--group NAME:USER,...}"); shift 2 ;;
    --) shift; break ;;
    *) echo "real-polkit: unknown option $1 (the command goes after --)" >&2; exit 2 ;;
  esac
done
[ $# -gt 0 ] || { echo "usage: real-polkit.sh [OPTION]... -- COMMAND [ARG]..." >&2; exit 2; }

dir=${REAL_POLKIT_DIR:?}
# polkitd runs as its own user, callers as others: they all enter here
mount -t tmpfs -o mode=755 nova-volume-real-polkit "$dir" || { echo "real-polkit: cannot mount a tmpfs on $dir" >&2; exit 1; }
bus_pid=
polkitd_pid=

# (stop and cleanup run from the trap)
# shellcheck disable=SC2317
# stops PID and waits up to 5 s for it, then kills it
stop () {
  local pid=$1
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  return 0
}
# shellcheck disable=SC2317
# (the mounts and the tmpfs end with the namespace)
cleanup () {
  stop "$polkitd_pid"
  stop "$bus_pid"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

bind () {
  mount --bind "$1" "$2" || { echo "real-polkit: cannot bind $1 over $2" >&2; exit 1; }
}

# the actions and rules polkitd will see, and nothing else
mkdir -p "$dir/actions" "$dir/rules" "$dir/no-rules"
for f in "${actions[@]}"; do
  install -m 644 "$f" "$dir/actions/" || exit 1
done
for f in "${rules[@]}"; do
  install -m 644 "$f" "$dir/rules/" || exit 1
done
chmod 755 "$dir/actions" "$dir/rules" "$dir/no-rules"
bind "$dir/actions" /usr/share/polkit-1/actions
bind "$dir/rules" /etc/polkit-1/rules.d
[ -d /usr/share/polkit-1/rules.d ] && bind "$dir/no-rules" /usr/share/polkit-1/rules.d

# users and groups: copies of /etc/passwd and /etc/group with additions,
# each user with a group of its own name; ids from 59000 up that are
# neither a uid nor a gid yet
free_id () {
  local id=59000
  while getent passwd "$id" >/dev/null || getent group "$id" >/dev/null \
        || cut -d: -f3 "$dir/passwd" "$dir/group" | grep -qx "$id"; do
    id=$((id + 1))
  done
  echo "$id"
}
if [ ${#users[@]} -gt 0 ] || [ ${#groups[@]} -gt 0 ]; then
  cp /etc/passwd "$dir/passwd" && cp /etc/group "$dir/group" && chmod 644 "$dir/passwd" "$dir/group" || exit 1
  for u in "${users[@]}"; do
    id=$(free_id)
    echo "$u:x:$id:$id:real-polkit test user:/nonexistent:/usr/sbin/nologin" >>"$dir/passwd"
    echo "$u:x:$id:" >>"$dir/group"
  done
  for g in "${groups[@]}"; do
    echo "${g%%:*}:x:$(free_id):${g#*:}" >>"$dir/group"
  done
  bind "$dir/passwd" /etc/passwd
  bind "$dir/group" /etc/group
  # a host's nscd would answer from the host's files: hide its socket
  mkdir -p "$dir/no-nscd"
  for d in /run/nscd /var/run/nscd; do
    [ -S "$d/socket" ] && bind "$dir/no-nscd" "$d"
  done
fi

# a private system bus: a system bus's default policy, polkit's, ours
{
  echo '<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"'
  echo ' "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">'
  echo '<busconfig>'
  echo '  <type>system</type>'
  echo "  <listen>unix:path=$dir/system_bus_socket</listen>"
  echo '  <auth>EXTERNAL</auth>'
  echo '  <policy context="default">'
  echo '    <allow user="*"/>'
  echo '    <deny own="*"/>'
  echo '    <deny send_type="method_call"/>'
  echo '    <allow send_type="signal"/>'
  echo '    <allow send_requested_reply="true" send_type="method_return"/>'
  echo '    <allow send_requested_reply="true" send_type="error"/>'
  echo '    <allow receive_type="method_call"/>'
  echo '    <allow receive_type="method_return"/>'
  echo '    <allow receive_type="error"/>'
  echo '    <allow receive_type="signal"/>'
  echo '    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>'
  echo '    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>'
  echo '    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>'
  echo '  </policy>'
  echo "  <include>$(polkit_bus_policy)</include>"
  for f in "${bus_policies[@]}"; do
    echo "  <include>$(readlink -f "$f")</include>"
  done
  echo '</busconfig>'
} >"$dir/bus.conf"
dbus-daemon --config-file="$dir/bus.conf" --nofork --nopidfile --print-address=1 \
  >"$dir/bus-address" 2>"$dir/bus.log" </dev/null &
bus_pid=$!
for _ in $(seq 100); do
  [ -s "$dir/bus-address" ] && break
  kill -0 "$bus_pid" 2>/dev/null || break
  sleep 0.05
done
if [ ! -s "$dir/bus-address" ]; then
  echo "real-polkit: the private dbus-daemon did not start:" >&2
  cat "$dir/bus.log" >&2
  exit 1
fi
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$dir/system_bus_socket
export REAL_POLKIT_DIR=$dir

# the real polkitd; it is ready when it owns its name
"$(polkitd_path)" --no-debug >"$dir/polkitd.log" 2>&1 </dev/null &
polkitd_pid=$!
owned=
for _ in $(seq 200); do
  out=$(timeout 5 gdbus call --system -d org.freedesktop.DBus -o /org/freedesktop/DBus \
          -m org.freedesktop.DBus.NameHasOwner org.freedesktop.PolicyKit1 2>/dev/null)
  [ "$out" = "(true,)" ] && { owned=1; break; }
  kill -0 "$polkitd_pid" 2>/dev/null || break
  sleep 0.05
done
if [ -z "$owned" ]; then
  echo "real-polkit: polkitd did not take org.freedesktop.PolicyKit1:" >&2
  cat "$dir/polkitd.log" "$dir/bus.log" >&2
  exit 1
fi

status=0
"$@" || status=$?
exit "$status"
