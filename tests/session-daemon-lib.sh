# shellcheck shell=bash
# shellcheck disable=SC2034,SC2154  # variables shared with the sourcing script
# tests/session-daemon-lib.sh: nova-volumed on a private session bus, for
# the shell tiers (tests/test-instance.sh, tests/test-ceph.sh). Sourced;
# the daemon reads $dir/nova-volume.conf, keeps its state in $dir/state
# and logs to $dir/nova-volumed.log; bus_pid and daemon_pid are for the
# caller's trap. NOVA_VOLUMED, NOVA_VOLUMECTL: the programs.

bus_pid=
daemon_pid=

# a dbus-daemon of our own, its address exported as the session bus
private_bus_start () {
  dbus-daemon --session --nofork --nopidfile --print-address=1 >"$dir/bus.address" 2>"$dir/bus.log" &
  bus_pid=$!
  for _ in $(seq 100); do
    [ -s "$dir/bus.address" ] && break
    sleep 0.1
  done
  DBUS_SESSION_BUS_ADDRESS=$(head -n 1 "$dir/bus.address")
  export DBUS_SESSION_BUS_ADDRESS
}

ctl () {
  timeout 60 "$NOVA_VOLUMECTL" --session "$@"
}
daemon_start () {
  "$NOVA_VOLUMED" --session --state-dir "$dir/state" --config "$dir/nova-volume.conf" \
    >>"$dir/nova-volumed.log" 2>&1 &
  daemon_pid=$!
  for _ in $(seq 300); do
    ctl list >/dev/null 2>&1 && return 0
    kill -0 "$daemon_pid" 2>/dev/null || break
    sleep 0.1
  done
  return 1
}
daemon_stop () {
  kill -TERM "$daemon_pid" && wait "$daemon_pid"
  local status=$?
  daemon_pid=
  return "$status"
}

# TERM to process $1 (when set) and wait for it
stop_process () {
  if [ -n "$1" ]; then
    kill -TERM "$1" 2>/dev/null
    wait "$1" 2>/dev/null
  fi
}

# for the caller's EXIT trap: the daemon, then its bus
session_daemon_cleanup () {
  stop_process "$daemon_pid"
  daemon_pid=
  stop_process "$bus_pid"
  bus_pid=
}
