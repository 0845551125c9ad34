#!/bin/bash
# tools/run-service.sh: installs what is missing (Debian 12), builds, and
# runs nova-volumed in the foreground on your session bus with the file
# driver: a per-user instance, no root needed for the daemon itself.
# Ctrl-C stops it (it finishes running operations first).
#
#   tools/run-service.sh [NOVA-VOLUMED OPTION...]    e.g. --verbose
#
# NOVA_VOLUME_STATE_DIR  where the state store and the volumes' files go
#                        (default: ~/.local/state/nova-volume)
# NOVA_VOLUME_BUILD_DIR  build directory (default: build)
#
# Without a session bus (no DBUS_SESSION_BUS_ADDRESS and no
# $XDG_RUNTIME_DIR/bus: a fresh server, a root shell over ssh) it starts
# one, prints its address, and stops it again on exit.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
caller_dir=$(pwd)
cd "$root"
builddir=${NOVA_VOLUME_BUILD_DIR:-build}
state_dir=${NOVA_VOLUME_STATE_DIR:-$HOME/.local/state/nova-volume}

# shellcheck source=tools/deps.sh
. tools/deps.sh
nova_volume_install_deps service

if [ ! -f "$builddir/build.ninja" ]; then
  if [ -d "$builddir/meson-private" ]; then
    meson setup --wipe "$builddir"
  else
    meson setup "$builddir"
  fi
fi
ninja -C "$builddir"

bus_pid=""
# shellcheck disable=SC2317  # called from the traps
stop_bus ()
{
  if [ -n "$bus_pid" ]; then
    kill "$bus_pid" 2>/dev/null || true
    bus_pid=""
  fi
}
trap stop_bus EXIT
# the daemon gets Ctrl-C (or SIGTERM) too and shuts down; bash runs these
# traps once it has exited
trap 'stop_bus; exit 130' INT
trap 'stop_bus; exit 143' TERM

session_bus_reachable ()
{
  timeout 5 gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
    --method org.freedesktop.DBus.GetId >/dev/null 2>&1
}

started_bus=false
if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ] \
   && { [ -z "${XDG_RUNTIME_DIR:-}" ] || [ ! -S "$XDG_RUNTIME_DIR/bus" ]; }; then
  started_bus=true
elif ! session_bus_reachable; then
  echo "run-service: the session bus (${DBUS_SESSION_BUS_ADDRESS:-$XDG_RUNTIME_DIR/bus}) does not answer;" \
       "starting a new one" >&2
  started_bus=true
fi

if $started_bus; then
  # --print-address and --print-pid on separate descriptors; the bus
  # forks away from this terminal's process group, so it is stopped by pid
  bus_info=$(dbus-daemon --session --fork --nopidfile --print-address=1 --print-pid=1 </dev/null)
  DBUS_SESSION_BUS_ADDRESS=$(sed -n 1p <<<"$bus_info")
  bus_pid=$(sed -n 2p <<<"$bus_info")
  if [ -z "$DBUS_SESSION_BUS_ADDRESS" ] || [ -z "$bus_pid" ]; then
    echo "run-service: could not start a session bus with dbus-daemon" >&2
    exit 1
  fi
  export DBUS_SESSION_BUS_ADDRESS
fi

# paths as you would type them from where you started this script
case $builddir in
  /*) bin="$builddir/src" ;;
  *) if [ "$caller_dir" = "$root" ]; then bin="$builddir/src"; else bin="$root/$builddir/src"; fi ;;
esac

echo
echo "nova-volumed: file driver, state in $state_dir"
if $started_bus; then
  echo "No session bus was running: started one (dbus-daemon pid $bus_pid, stopped with this script)."
  echo "In another shell, first:"
  printf "  export DBUS_SESSION_BUS_ADDRESS='%s'\n" "$DBUS_SESSION_BUS_ADDRESS"
else
  echo "On your session bus (${DBUS_SESSION_BUS_ADDRESS:-unix:path=$XDG_RUNTIME_DIR/bus})."
  echo "In another shell:"
fi
echo "  $bin/nova-volumectl --session list"
echo "  $bin/nova-volumectl --session create 1G --name data"
echo "  gdbus call --session -d org.openstack.Volume1 -o /org/openstack/Volume1/Manager" \
     "-m org.openstack.Volume1.Manager.CreateVolume 1073741824 '{}'"
echo "Stop it with Ctrl-C."
echo

status=0
"$builddir/daemon/nova-volumed" --session --state-dir "$state_dir" "$@" || status=$?
exit "$status"
