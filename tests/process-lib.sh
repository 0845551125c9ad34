# shellcheck shell=bash
# tests/process-lib.sh: the daemons the shell tiers start as their
# children and must stop (tgtd, ceph-mon, ceph-osd, sheep, nova-volumed,
# dbus-daemon). Sourced.

# whether process $1 runs (a zombie child does not)
process_alive () {
  local state
  state=$(awk '/^State:/ { print $2 }' "/proc/$1/status" 2>/dev/null)
  [ -n "$state" ] && [ "$state" != Z ]
}

# waits up to $2 tenths of a second for process $1 (a child: $3 names it)
# to end, SIGKILLs it after that, saying so on stderr; reaps it
process_reap () {
  local pid=$1 tenths=$2 what=$3
  for _ in $(seq "$tenths"); do
    process_alive "$pid" || break
    sleep 0.1
  done
  if process_alive "$pid"; then
    echo "$what $pid did not stop within $((tenths / 10)) s: SIGKILL" >&2
    kill -KILL "$pid" 2>/dev/null
  fi
  wait "$pid" 2>/dev/null
}
