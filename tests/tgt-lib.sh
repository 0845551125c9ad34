# shellcheck shell=bash
# tests/tgt-lib.sh: a private tgtd on 127.0.0.1 for the host tiers that
# need an iSCSI target (tests/test-tgt.sh, tests/test-instance.sh).
# Sourced; needs root (tgtd locks /run/tgtd/socket.N.lock), tgtd, tgtadm,
# ss and timeout.
#
# Its state is in the caller's variables:
#   ctl       tgtd's control port (tgtadm -C), empty while none is chosen
#   port      the TCP port of its portal on 127.0.0.1
#   tgtd_pid  the running tgtd, empty when none runs
#   tgtd_log  where tgtd's output goes (appended; set it before starting)
# tgtd ignores SIGTERM: tgt_stop deletes its targets and the system, then
# SIGKILLs after 3 s; call it (and tgt_cleanup) from the caller's EXIT trap.

ctl=
port=
tgtd_pid=
tgtd_log=/dev/null

# shellcheck source=tests/process-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/process-lib.sh"

# delete every target (--force: sessions too) and the system, wait up to
# 3 s, then SIGKILL
tgt_stop () {
  local tid
  [ -n "$tgtd_pid" ] || return 0
  if process_alive "$tgtd_pid"; then
    for tid in $(timeout 5 tgtadm -C "$ctl" --lld iscsi --mode target --op show 2>/dev/null |
                   sed -n 's/^Target \([0-9][0-9]*\):.*/\1/p'); do
      timeout 5 tgtadm -C "$ctl" --lld iscsi --mode target --op delete --force --tid "$tid" >/dev/null 2>&1
    done
    timeout 5 tgtadm -C "$ctl" --op delete --mode system >/dev/null 2>&1
  fi
  process_reap "$tgtd_pid" 30 "# tgtd"
  tgtd_pid=
}

# tgtd stopped and its control socket and lock removed
tgt_cleanup () {
  tgt_stop
  if [ -n "$ctl" ]; then
    rm -f "/run/tgtd/socket.$ctl" "/run/tgtd/socket.$ctl.lock"
  fi
}

# starts tgtd on control port $ctl and 127.0.0.1:$port; ready when tgtadm
# answers and this tgtd (not another one) listens on the port: a tgtd that
# cannot bind its portal keeps running without a listener
tgt_start () {
  tgtd -f -C "$ctl" --iscsi "portal=127.0.0.1:$port" >>"$tgtd_log" 2>&1 &
  tgtd_pid=$!
  for _ in $(seq 50); do
    if ! process_alive "$tgtd_pid"; then
      wait "$tgtd_pid" 2>/dev/null
      tgtd_pid=
      return 1
    fi
    if timeout 2 tgtadm -C "$ctl" --op show --mode system >/dev/null 2>&1 &&
       ss -Hltnp "sport = :$port" | grep -q "pid=$tgtd_pid,"; then
      return 0
    fi
    sleep 0.1
  done
  tgt_stop
  return 1
}

# picks a control port and a TCP port that no one else uses (other runs of
# these tests may run at the same time) and starts tgtd on them; 5 tries
tgt_start_private () {
  for _ in 1 2 3 4 5; do
    # tgtd takes -C 0..32767
    ctl=$((1000 + RANDOM % 31000))
    port=$((30000 + RANDOM % 30000))
    if [ -e "/run/tgtd/socket.$ctl" ] || [ -e "/run/tgtd/socket.$ctl.lock" ] ||
       [ -n "$(ss -Hltn "sport = :$port")" ]; then
      ctl=
      continue
    fi
    if tgt_start; then
      return 0
    fi
    rm -f "/run/tgtd/socket.$ctl" "/run/tgtd/socket.$ctl.lock"
    ctl=
  done
  return 1
}
