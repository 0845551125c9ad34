#!/bin/bash
# tests/ceph-cluster.sh: a throwaway single-node Ceph cluster for the ceph
# tier: one monitor, one OSD on memstore (data in RAM), one ceph-mgr
# (the pool usage `ceph df` reports comes from it), cephx on, 127.0.0.1
# only, free ports, everything (conf, keyrings, admin sockets, logs, data)
# in one directory. Without ceph-mgr installed the cluster runs without
# one: then $ceph_mgr_missing says why and `ceph df` reports no usage.
#
# Sourced, it gives two functions; the daemons are children of the
# sourcing shell, so ceph_cluster_stop can wait for them:
#   ceph_cluster_start DIR   start a cluster in DIR (made if missing); 0
#                            when `rbd pool init` of the pool returned
#                            and, with a mgr, `ceph df` reports the pool;
#                            otherwise 1 with the reason in
#                            $ceph_cluster_error and nothing left running
#   ceph_cluster_stop        TERM the mgr, the OSD, then the monitor, and
#                            wait
# State, in the caller's variables:
#   ceph_conf ceph_keyring   the cluster's conf and client.admin's keyring
#   ceph_pool                the pool made for the tier (rbd)
#   ceph_mon_port            the monitor's msgr1 port on 127.0.0.1
#   ceph_mon_pid ceph_osd_pid ceph_mgr_pid  the daemons, empty when not
#                            running
#   ceph_mgr_missing         why there is no mgr (empty when there is)
# Call ceph_cluster_stop from the caller's EXIT trap too.
#
# Run, it is a command that brings a cluster up around another one:
#   tests/ceph-cluster.sh run DIR COMMAND [ARGS...]
# runs COMMAND with NOVA_TEST_CEPH_CONF, NOVA_TEST_CEPH_KEYRING,
# NOVA_TEST_CEPH_POOL, NOVA_TEST_CEPH_MON_PORT and NOVA_TEST_CEPH_PIDS
# set (not CEPH_CONF, CEPH_KEYRING: librados would take them), and
# NOVA_TEST_CEPH_MGR=1 when a mgr runs, then stops
# the cluster (also on INT/TERM); exits with COMMAND's status, 77 when
# the cluster could not start.
#
# Needs ceph-mon, ceph-osd, ceph-common (ceph, rbd, ceph-authtool,
# monmaptool), ss and timeout; ceph-mgr for the usage.

ceph_conf=
ceph_keyring=
ceph_pool=rbd
ceph_mon_port=
ceph_mon_pid=
ceph_osd_pid=
ceph_mgr_pid=
ceph_mgr_missing=
ceph_cluster_error=
# the modules a Pacific mgr always runs: the only ones it loads here (one
# of them not loaded is a HEALTH_ERR, MGR_MODULE_ERROR)
ceph_mgr_always_on="balancer crash devicehealth orchestrator pg_autoscaler progress rbd_support status telemetry volumes"
ceph_mgr_unloaded_modules=
# shellcheck source=tests/process-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/process-lib.sh"

# the commands a cluster needs, or the first one missing
ceph_cluster_missing () {
  local cmd
  for cmd in ceph-mon ceph-osd ceph rbd ceph-authtool monmaptool ceph-conf ss timeout; do
    if ! command -v "$cmd" >/dev/null 2>&1; then
      echo "$cmd"
      return 0
    fi
  done
  return 1
}

# $1 consecutive TCP ports on 127.0.0.1 that nobody listens on: prints the
# first (other clusters of other runs may be starting at the same time, so
# a start that fails on a port taken meanwhile tries again)
ceph_free_ports () {
  local count=$1 first p taken
  for _ in $(seq 50); do
    first=$((20000 + RANDOM % 40000))
    taken=
    for ((p = first; p < first + count; p++)); do
      if [ -n "$(ss -Hltn "sport = :$p")" ]; then
        taken=1
        break
      fi
    done
    if [ -z "$taken" ]; then
      echo "$first"
      return 0
    fi
  done
  return 1
}

# the ceph CLI against this cluster, never longer than 20 s
ceph_cli () {
  timeout 20 ceph --conf "$ceph_conf" --connect-timeout 15 "$@"
}

# waits up to $1 tenths of a second for "$2..." to succeed, as long as
# daemon $3 runs; a deadline, not a count of tries, since one try of the
# CLI may itself wait 20 s
ceph_wait_for () {
  local tenths=$1 pid=$3 what=$2 deadline
  shift 3
  deadline=$((SECONDS + (tenths + 9) / 10))
  while [ "$SECONDS" -lt "$deadline" ]; do
    "$@" >/dev/null 2>&1 && return 0
    if ! process_alive "$pid"; then
      ceph_cluster_error="$what exited while starting (log: $(tail -n 3 "$ceph_dir/log/"*.log 2>/dev/null | tr '\n' ' '))"
      return 1
    fi
    sleep 0.1
  done
  ceph_cluster_error="$what not ready within $((tenths / 10)) s"
  return 1
}

ceph_osd_up () {
  ceph_cli osd stat 2>/dev/null | grep -q '1 up.*1 in'
}

# the pool's usage fields "$@" (stored, max_avail, ...) in one `ceph df`,
# on one line; fails when the pool is not in it
ceph_df_pool () {
  ceph_cli df --format json 2>/dev/null | /usr/bin/python3 -c '
import json, sys
pool = [p for p in json.load(sys.stdin)["pools"] if p["name"] == sys.argv[1]][0]
print(*(pool["stats"][field] for field in sys.argv[2:]))' "$ceph_pool" "$@"
}

# whether `ceph df` has the pool's usage, which comes from the mgr
# (without one the pool is absent, or max_avail is 0)
ceph_df_known () {
  local avail
  avail=$(ceph_df_pool max_avail) && [ "$avail" -gt 0 ]
}

# the conf for monitor ports $1 (v1) and $2 (v2), daemon ports from $3
ceph_write_conf () {
  local fsid=$1 v1=$2 v2=$3 ports=$4
  cat >"$ceph_conf" <<EOF
[global]
fsid = $fsid
mon host = [v2:127.0.0.1:$v2,v1:127.0.0.1:$v1]
mon initial members = a
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind port min = $ports
ms bind port max = $((ports + 9))
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
keyring = $ceph_dir/client.admin.keyring
run dir = $ceph_dir/run
log file = $ceph_dir/log/\$name.log
pid file =
# one node: one copy, no host-level spreading, small PG counts
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
osd crush chooseleaf type = 0
# fast paxos: usable in ~4 s instead of ~10
paxos propose interval = 0.1
paxos min wait = 0.01
# without a mgr (not installed): keep health from turning to MGR_DOWN
mon mgr mkfs grace = 86400
mon mgr inactive grace = 86400
# the mgr: no optional module enabled, none but the always-on ones even
# loaded (half the memory); usage reported each second instead of 5 s
mgr initial modules =
mgr disabled modules = $ceph_mgr_unloaded_modules
mgr stats period = 1
mon mgr digest period = 1
# the OSD stops at once instead of telling a monitor that may be gone
osd fast shutdown notify mon = false

[mon.a]
mon data = $ceph_dir/mon
keyring = $ceph_dir/mon.keyring

[osd.0]
osd data = $ceph_dir/osd
osd objectstore = memstore
memstore device bytes = 1073741824
keyring = $ceph_dir/osd/keyring

[mgr.x]
mgr data = $ceph_dir/mgr
keyring = $ceph_dir/mgr/keyring
EOF
}

# one try at starting the whole cluster in $ceph_dir
ceph_cluster_try_start () {
  local fsid osd_uuid secret v1 ports out
  v1=$(ceph_free_ports 2) || { ceph_cluster_error="no free ports on 127.0.0.1"; return 1; }
  ports=$(ceph_free_ports 10) || { ceph_cluster_error="no free ports on 127.0.0.1"; return 1; }
  ceph_mon_port=$v1
  fsid=$(cat /proc/sys/kernel/random/uuid)
  osd_uuid=$(cat /proc/sys/kernel/random/uuid)
  rm -rf "${ceph_dir:?}/mon" "$ceph_dir/osd" "$ceph_dir/mgr" "$ceph_dir/run" "$ceph_dir/log" "$ceph_dir/"*.keyring \
    "$ceph_dir/monmap"
  mkdir -p "$ceph_dir/mon" "$ceph_dir/osd" "$ceph_dir/mgr" "$ceph_dir/run" "$ceph_dir/log"
  ceph_write_conf "$fsid" "$v1" "$((v1 + 1))" "$ports"

  if ! out=$(ceph-authtool --create-keyring "$ceph_dir/mon.keyring" --gen-key -n mon. --cap mon 'allow *' 2>&1 &&
             ceph-authtool --create-keyring "$ceph_keyring" --gen-key -n client.admin \
               --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' 2>&1 &&
             ceph-authtool "$ceph_dir/mon.keyring" --import-keyring "$ceph_keyring" 2>&1 &&
             ceph-authtool --create-keyring "$ceph_dir/mgr/keyring" --gen-key -n mgr.x \
               --cap mon 'allow profile mgr' --cap osd 'allow *' 2>&1 &&
             ceph-authtool "$ceph_dir/mon.keyring" --import-keyring "$ceph_dir/mgr/keyring" 2>&1 &&
             monmaptool --create --addv a "[v2:127.0.0.1:$((v1 + 1)),v1:127.0.0.1:$v1]" --fsid "$fsid" \
               "$ceph_dir/monmap" 2>&1 &&
             timeout 30 ceph-mon --conf "$ceph_conf" --mkfs -i a --monmap "$ceph_dir/monmap" \
               --keyring "$ceph_dir/mon.keyring" 2>&1); then
    ceph_cluster_error="monitor mkfs failed: $out"
    return 1
  fi
  ceph-mon --conf "$ceph_conf" -i a -f >>"$ceph_dir/log/mon.a.out" 2>&1 &
  ceph_mon_pid=$!
  ceph_wait_for 300 "ceph-mon" "$ceph_mon_pid" ceph_cli mon stat || return 1
  # the mgr loads while the OSD is made; devicehealth without monitoring
  # makes no pool of its own (module options live in the monitor)
  if [ -z "$ceph_mgr_missing" ]; then
    if ! out=$(ceph_cli config set mgr mgr/devicehealth/enable_monitoring false --force 2>&1); then
      ceph_cluster_error="ceph config set mgr/devicehealth/enable_monitoring failed: $out"
      return 1
    fi
    ceph-mgr --conf "$ceph_conf" -i x -f >>"$ceph_dir/log/mgr.x.out" 2>&1 &
    ceph_mgr_pid=$!
  fi

  secret=$(ceph-authtool --gen-print-key) || { ceph_cluster_error="ceph-authtool --gen-print-key failed"; return 1; }
  if ! out=$(printf '{"cephx_secret": "%s"}' "$secret" | ceph_cli osd new "$osd_uuid" -i - 2>&1) ||
     [ "$out" != 0 ]; then
    ceph_cluster_error="ceph osd new failed: $out"
    return 1
  fi
  if ! out=$(ceph-authtool --create-keyring "$ceph_dir/osd/keyring" --name osd.0 --add-key "$secret" 2>&1 &&
             timeout 60 ceph-osd --conf "$ceph_conf" -i 0 --mkfs --osd-uuid "$osd_uuid" 2>&1); then
    ceph_cluster_error="OSD mkfs failed: $out"
    return 1
  fi
  ceph-osd --conf "$ceph_conf" -i 0 -f >>"$ceph_dir/log/osd.0.out" 2>&1 &
  ceph_osd_pid=$!
  ceph_wait_for 600 "ceph-osd" "$ceph_osd_pid" ceph_osd_up || return 1

  if ! out=$(ceph_cli osd pool create "$ceph_pool" 8 8 2>&1 &&
             timeout 60 rbd --conf "$ceph_conf" pool init "$ceph_pool" 2>&1); then
    ceph_cluster_error="pool $ceph_pool: $out"
    return 1
  fi
  if [ -n "$ceph_mgr_pid" ]; then
    ceph_wait_for 900 "ceph-mgr (the usage in ceph df)" "$ceph_mgr_pid" ceph_df_known || return 1
  fi
  return 0
}

# the mgr modules installed that Pacific does not always run
ceph_mgr_optional_modules () {
  local path module
  path=$(ceph-conf --conf /dev/null --show-config-value mgr_module_path 2>/dev/null) || return 0
  for module in "$path"/*/; do
    module=$(basename "$module")
    case " $ceph_mgr_always_on " in
      *" $module "*) ;;
      *) printf '%s ' "$module" ;;
    esac
  done
}

ceph_cluster_start () {
  local missing
  ceph_dir=${1:?usage: ceph_cluster_start DIR}
  ceph_cluster_error=
# shellcheck source=tests/process-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/process-lib.sh"
  if missing=$(ceph_cluster_missing); then
    ceph_cluster_error="no $missing (apt-get install ceph-mon ceph-osd ceph-common, see tools/deps.sh)"
    return 1
  fi
  ceph_mgr_missing=
  if ! command -v ceph-mgr >/dev/null 2>&1; then
    ceph_mgr_missing="no ceph-mgr, so no usage in ceph df (apt-get install ceph-mgr, see tools/deps.sh)"
  else
    ceph_mgr_unloaded_modules=$(ceph_mgr_optional_modules)
  fi
  mkdir -p "$ceph_dir" || { ceph_cluster_error="cannot make $ceph_dir"; return 1; }
  ceph_conf=$ceph_dir/ceph.conf
  ceph_keyring=$ceph_dir/client.admin.keyring
  # a port taken by someone else in the meantime: another try on others
  for _ in 1 2 3; do
    ceph_cluster_try_start && return 0
    ceph_cluster_stop
  done
  return 1
}

# TERM to process $1, up to 10 s, then KILL; always reaped
ceph_stop_daemon () {
  local pid=$1
  [ -n "$pid" ] || return 0
  # a test may have frozen it (SIGSTOP) and failed before thawing it
  kill -TERM "$pid" 2>/dev/null
  kill -CONT "$pid" 2>/dev/null
  process_reap "$pid" 100 "ceph-cluster: process"
}

# the mgr and the OSD first: a monitor stopped first would make them
# wait for it
ceph_cluster_stop () {
  ceph_stop_daemon "$ceph_mgr_pid"
  ceph_mgr_pid=
  ceph_stop_daemon "$ceph_osd_pid"
  ceph_osd_pid=
  ceph_stop_daemon "$ceph_mon_pid"
  ceph_mon_pid=
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -u
  if [ "${1:-}" != run ] || [ $# -lt 3 ]; then
    echo "usage: $0 run DIR COMMAND [ARGS...]" >&2
    exit 2
  fi
  trap ceph_cluster_stop EXIT
  trap 'exit 130' INT TERM HUP
  if ! ceph_cluster_start "$2"; then
    echo "ceph-cluster: SKIP: the cluster did not start: $ceph_cluster_error" >&2
    exit 77
  fi
  shift 2
  status=0
  NOVA_TEST_CEPH_CONF=$ceph_conf NOVA_TEST_CEPH_KEYRING=$ceph_keyring NOVA_TEST_CEPH_POOL=$ceph_pool \
    NOVA_TEST_CEPH_MON_PORT=$ceph_mon_port NOVA_TEST_CEPH_PIDS="$ceph_mon_pid $ceph_osd_pid $ceph_mgr_pid" \
    NOVA_TEST_CEPH_MGR=${ceph_mgr_pid:+1} "$@" &
  # in the background: bash runs a trap only between commands, so a TERM
  # must not wait for COMMAND to end before the cluster is stopped
  command_pid=$!
  trap 'kill -TERM "$command_pid" 2>/dev/null; exit 130' INT TERM HUP
  wait "$command_pid" || status=$?
  exit "$status"
fi
