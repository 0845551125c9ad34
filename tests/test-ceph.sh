#!/bin/bash
# tests/test-ceph.sh: the ceph tier (suite ceph). A throwaway one-node
# Ceph cluster on 127.0.0.1 in a temporary directory (tests/ceph-cluster.sh:
# one monitor, one memstore OSD, a mgr, cephx, a pool), then
#   driver   test-rbd's cluster tests: every method of the rbd driver and
#            every refusal, looked at through librbd, and the cluster
#            frozen (calls fail within rados_connect_timeout, then work)
#   service  nova-volumed with volume_driver = rbd on a private session
#            bus, driven by nova-volumectl: create, snapshot, volume from
#            snapshot, clone, extend, attach, connect, stats, refusals as
#            D-Bus errors, the capacity against `ceph df` (and after 32 MiB
#            written), the daemon restarted (everything still there),
#            delete (nothing left in the pool)
#   backends nova-volumed with a file and an rbd backend: a volume written
#            by instance M on the file backend, migrated to rbd (the image
#            holds the file's bytes), backed up (and a snapshot of it,
#            incrementally), restored over an rbd volume and into a new
#            file volume (both byte for byte), read by instance N through rbd:
#   backups  backup_driver = ceph: a file and an rbd volume backed up into
#            a pool of their own (an image per backup, an incremental a
#            clone of its parent that stored what changed; of an rbd
#            volume, only what RBD's diff since its mark names), restored
#            both ways, found by a daemon with a new state directory
#   instance the seed's scenario: instance A (tests/instance, writer image)
#            boots with its disk on rbd: built by
#            tests/instance/launch-instance.py from the daemon's
#            connection_info, writes, powers off; the daemon restarts;
#            instance B (reader image) reads the same bytes
# and the cluster stopped. Prints TAP.
#
#   tests/test-ceph.sh TEST_RBD CACHE_DIR
#
# TEST_RBD: the test-rbd program; CACHE_DIR: where the instance images are
# cached (shared with the instance tier). NOVA_VOLUMED, NOVA_VOLUMECTL: the
# programs (tests/meson.build). Says SKIP with the reason (TAP and stderr)
# when the cluster cannot start (no ceph-mon, ...); the instance part alone
# is skipped, saying why, without qemu or its rbd driver, and the capacity
# checks without ceph-mgr.
set -u

test_rbd=${1:?usage: test-ceph.sh TEST_RBD CACHE_DIR}
cache=${2:?usage: test-ceph.sh TEST_RBD CACHE_DIR}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

tap_name=test-ceph
# shellcheck source=tests/tap-lib.sh
. "$here/tap-lib.sh"

# "what" ERROR-NAME command...: the command fails and says ERROR-NAME
check_refused () {
  local what=$1 name=$2 out
  shift 2
  if out=$("$@" 2>&1); then
    not_ok "$what: refused with $name" "it succeeded: $out"
  elif grep -q "$name" <<<"$out"; then
    ok "$what: $(tr '\n' ' ' <<<"$out")"
  else
    not_ok "$what: refused with $name" "$out"
  fi
}
# "what" ID STATUS: the volume or snapshot ID is in STATUS
check_status () {
  local got
  got=$(ctl --json show "$2" 2>&1 | json_get Status 2>&1)
  if [ "$got" = "$3" ]; then ok "$1: $3"; else not_ok "$1: $3" "$got"; fi
}
for cmd in dbus-daemon timeout; do
  command -v "$cmd" >/dev/null || skip_all "no $cmd"
done
[ -x /usr/bin/python3 ] || skip_all "no /usr/bin/python3"

dir=$(mktemp -d "${TMPDIR:-/tmp}/nova-volume-ceph-XXXXXX") || skip_all "cannot make a scratch directory"
export TMPDIR=$dir
# shellcheck source=tests/session-daemon-lib.sh
. "$here/session-daemon-lib.sh"
# shellcheck source=tests/instance/instance-lib.sh
. "$here/instance/instance-lib.sh"
# shellcheck source=tests/ceph-cluster.sh
. "$here/ceph-cluster.sh"

# shellcheck disable=SC2317  # called from the trap
cleanup () {
  # the launcher kills its qemu on SIGTERM
  stop_process "$launcher_pid"
  session_daemon_cleanup
  ceph_cluster_stop
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# --- the cluster -----------------------------------------------------------

t0=$(date +%s%N)
if ! ceph_cluster_start "$dir/ceph"; then
  skip_all "the Ceph cluster did not start: $ceph_cluster_error"
fi
ok "one-node Ceph cluster (mon on 127.0.0.1:$ceph_mon_port, memstore OSD, ${ceph_mgr_pid:+a mgr, }pool $ceph_pool) up in $(ms_since "$t0") ms"
if [ -n "$ceph_mgr_missing" ]; then
  echo "test-ceph: SKIP (capacity checks): $ceph_mgr_missing" >&2
fi
rbd_cli () {
  timeout 30 rbd --conf "$ceph_conf" --pool "$ceph_pool" "$@"
}

# --- driver: test-rbd against it -------------------------------------------

status=0
NOVA_TEST_CEPH_CONF=$ceph_conf NOVA_TEST_CEPH_POOL=$ceph_pool NOVA_TEST_CEPH_MON_PORT=$ceph_mon_port \
  NOVA_TEST_CEPH_PIDS="$ceph_mon_pid $ceph_osd_pid $ceph_mgr_pid" NOVA_TEST_CEPH_MGR=${ceph_mgr_pid:+1} \
  timeout 300 "$test_rbd" --tap -p /rbd/cluster >"$dir/test-rbd.out" 2>&1 || status=$?
results=$(cat "$dir/test-rbd.out")
while IFS= read -r line; do
  case $line in
    "ok "*) ok "driver: ${line#ok * }" ;;
    "not ok "*) not_ok "driver: ${line#not ok * }" "$(grep -v '^ok ' <<<"$results")" ;;
  esac
done <<<"$results"
if [ "$status" -ne 0 ] || ! grep -q '^ok .*/rbd/cluster/frozen' "$dir/test-rbd.out"; then
  not_ok "driver: test-rbd's cluster tests all ran (exit $status)" "$(tail -n 30 "$dir/test-rbd.out")"
fi

# --- service: nova-volumed with the rbd driver ---------------------------------

secret_uuid=$(cat /proc/sys/kernel/random/uuid)
cat >"$dir/nova-volume.conf" <<EOF
[DEFAULT]
volume_driver = nova.volume.driver.RBDDriver
rbd_ceph_conf = $ceph_conf
rbd_pool = $ceph_pool
rbd_user = admin
rbd_secret_uuid = $secret_uuid
rados_connect_timeout = 10
EOF

# the value of KEY in the JSON on stdin (a dotted path: data.name)
json_get () {
  /usr/bin/python3 -c '
import json, sys
value = json.load(sys.stdin)
for key in sys.argv[1].split("."):
    value = value[int(key)] if isinstance(value, list) else value[key]
print(value if not isinstance(value, bool) else str(value).lower())' "$1"
}
# "what" IMAGE FIELD VALUE: `rbd info --format json` of IMAGE has FIELD = VALUE
check_image () {
  local got
  got=$(rbd_cli info --format json "$2" 2>&1 | json_get "$3" 2>&1)
  if [ "$got" = "$4" ]; then
    ok "$1"
  else
    not_ok "$1" "rbd info $2: $3 is '$got', not '$4'"
  fi
}

private_bus_start

if daemon_start; then
  ok "nova-volumed with volume_driver = nova.volume.driver.RBDDriver on a private session bus"
else
  not_ok "nova-volumed with volume_driver = nova.volume.driver.RBDDriver on a private session bus" \
    "$(cat "$dir/nova-volumed.log")"
  tap_finish
  exit 1
fi

volume=$(ctl create 64M --name instance-data 2>"$dir/ctl.err")
if [ -n "$volume" ]; then
  ok "CreateVolume 64 MiB: $volume"
else
  not_ok "CreateVolume 64 MiB" "$(cat "$dir/ctl.err")"
fi
check_image "its image $ceph_pool/volume-$volume: 64 MiB, format 2, layering" "volume-$volume" size 67108864
check_image "its image is format 2" "volume-$volume" format 2
check_image "its image has layering only" "volume-$volume" features.0 layering

snapshot=$(ctl snapshot "$volume" --name before 2>"$dir/ctl.err")
if [ -n "$snapshot" ]; then ok "CreateSnapshot: $snapshot"; else not_ok "CreateSnapshot" "$(cat "$dir/ctl.err")"; fi
if rbd_cli snap ls --format json "volume-$volume" 2>&1 | grep -q "\"name\":\"snapshot-$snapshot\".*\"protected\":\"true\""; then
  ok "the snapshot is an RBD snapshot, protected"
else
  not_ok "the snapshot is an RBD snapshot, protected" "$(rbd_cli snap ls "volume-$volume" 2>&1)"
fi

from_snap=$(ctl create --snapshot "$snapshot" 2>"$dir/ctl.err")
if [ -n "$from_snap" ]; then ok "CreateVolume from the snapshot: $from_snap"; else not_ok "CreateVolume from the snapshot" "$(cat "$dir/ctl.err")"; fi
check_image "it is a copy-on-write clone of the snapshot" "volume-$from_snap" parent.snapshot "snapshot-$snapshot"

clone=$(ctl create --source-volume "$volume" 2>"$dir/ctl.err")
if [ -n "$clone" ]; then ok "CreateVolume as a clone of the volume: $clone"; else not_ok "CreateVolume as a clone" "$(cat "$dir/ctl.err")"; fi
check_image "it is a clone of the temporary snapshot volume-$clone.clone_snap" "volume-$clone" parent.snapshot \
  "volume-$clone.clone_snap"

check "Extend the clone to 128 MiB" ctl extend "$clone" 128M
check_image "its image is 128 MiB" "volume-$clone" size 134217728
check_refused "Extend to 32 MiB (a shrink)" InvalidArgument ctl extend "$clone" 32M
check_refused "Delete the snapshot while a volume is cloned from it" Busy ctl delete "$snapshot"
check_status "a refused delete leaves the snapshot as it was" "$snapshot" available
check_refused "Delete the volume while it has a snapshot" InvalidState ctl delete "$volume"

stats=$(ctl --json stats 2>&1)
# 64 MiB, 64 MiB from the snapshot, the clone grown to 128 MiB
if [ "$(json_get storage_protocol <<<"$stats" 2>/dev/null)" = ceph ] &&
   [ "$(json_get volume_backend_name <<<"$stats" 2>/dev/null)" = rbd ] &&
   [ "$(json_get provisioned_capacity <<<"$stats" 2>/dev/null)" = 268435456 ]; then
  ok "GetVolumeStats: storage_protocol ceph, backend rbd, 256 MiB provisioned"
else
  not_ok "GetVolumeStats: storage_protocol ceph, backend rbd, 256 MiB provisioned" "$stats"
fi

# --- capacity: the pool's usage from the mgr, as `ceph df` reports it -----------

MIB=1048576
# the driver's capacity asked anew: "total free" (empty when it reports none)
driver_capacity () {
  local out
  out=$(ctl --json stats --refresh 2>&1) &&
    echo "$(json_get total_capacity <<<"$out" 2>/dev/null) $(json_get free_capacity <<<"$out" 2>/dev/null)"
}
# $1 and $2 differ by at most 4 MiB (the usage may move between two reads)
near () {
  [ $(($1 > $2 ? $1 - $2 : $2 - $1)) -le $((4 * MIB)) ]
}

if [ -n "$ceph_mgr_missing" ]; then
  for what in "GetVolumeStats: total_capacity and free_capacity" "free_capacity is ceph df's max_avail" \
              "total_capacity is stored + max_avail" "stored grows by what a volume is written"; do
    skip "$what" "$ceph_mgr_missing"
  done
else
  read -r total free < <(driver_capacity)
  read -r df_stored df_avail < <(ceph_df_pool stored max_avail)
  if [ -n "$total" ] && [ -n "$free" ] && [ "$free" -le "$total" ] && [ "$total" -le 1073741824 ]; then
    ok "GetVolumeStats: total_capacity $total, free_capacity $free (memstore: 1 GiB)"
  else
    not_ok "GetVolumeStats: total_capacity and free_capacity, free <= total <= 1 GiB" "$(ctl --json stats 2>&1)"
  fi
  if [ -n "$free" ] && [ -n "$df_avail" ] && near "$free" "$df_avail"; then
    ok "free_capacity $free is ceph df's max_avail $df_avail"
  else
    not_ok "free_capacity is ceph df's max_avail" "free_capacity '$free', max_avail '$df_avail'"
  fi
  if [ -n "$total" ] && [ -n "$df_avail" ] && near "$total" $((df_stored + df_avail)); then
    ok "total_capacity $total is stored $df_stored + max_avail $df_avail"
  else
    not_ok "total_capacity is stored + max_avail" "total_capacity '$total', stored '$df_stored', max_avail '$df_avail'"
  fi

  # 32 MiB of data in a volume of its own: stored grows to hold it once
  # the OSD's next report reached the mgr and the monitor (about a
  # second); not by exactly that: what earlier tests deleted may be
  # reported gone meanwhile
  stored_before=$((total - free))
  stored=
  written=$(ctl create 64M --name usage 2>"$dir/ctl.err")
  if [ -n "$written" ] &&
     rbd_cli bench --io-type write --io-pattern seq --io-size 4M --io-threads 1 --io-total 32M \
       "volume-$written" >"$dir/bench.out" 2>&1; then
    for _ in $(seq 120); do
      read -r total free < <(driver_capacity)
      if [ -n "$total" ] && [ $((total - free)) -gt "$stored_before" ] && [ $((total - free)) -ge $((32 * MIB)) ]; then
        stored=$((total - free))
        break
      fi
      sleep 0.5
    done
  fi
  read -r df_stored df_avail < <(ceph_df_pool stored max_avail)
  if [ -n "$stored" ] && [ -n "$df_stored" ] && near "$stored" "$df_stored"; then
    ok "stored grows by what a volume is written: 32 MiB written, total - free from $stored_before to $stored (ceph df: stored $df_stored, max_avail $df_avail)"
  else
    not_ok "stored grows by what a volume is written (32 MiB)" \
      "before $stored_before, now total '$total' free '$free'; ceph df stored '$df_stored' max_avail '$df_avail'; $(cat "$dir/ctl.err" "$dir/bench.out" 2>/dev/null)"
  fi
  [ -z "$written" ] || check "Delete the volume written for the usage" ctl delete "$written"
fi

# --- instance: A writes through rbd:, B reads ----------------------------------

uuid_a=$(cat /proc/sys/kernel/random/uuid)
uuid_b=$(cat /proc/sys/kernel/random/uuid)
check "Attach to instance A ($uuid_a)" ctl attach "$volume" "$uuid_a" /dev/vdb
connect () {
  ctl --json connect --host "$2" "$volume" >"$dir/$1.json"
}
check "InitializeConnection for host A" connect rbd-a compute-a
info=$(cat "$dir/rbd-a.json")
if [ "$(json_get driver_volume_type <<<"$info")" = rbd ] &&
   [ "$(json_get data.name <<<"$info")" = "$ceph_pool/volume-$volume" ] &&
   [ "$(json_get data.hosts.0 <<<"$info")" = 127.0.0.1 ] &&
   [ "$(json_get data.ports.0 <<<"$info")" = "$ceph_mon_port" ] &&
   [ "$(json_get data.auth_enabled <<<"$info")" = true ] &&
   [ "$(json_get data.auth_username <<<"$info")" = admin ] &&
   [ "$(json_get data.secret_type <<<"$info")" = ceph ] &&
   [ "$(json_get data.secret_uuid <<<"$info")" = "$secret_uuid" ] &&
   [ "$(json_get data.cluster_name <<<"$info")" = ceph ]; then
  ok "connection_info: rbd, $ceph_pool/volume-$volume, monitor 127.0.0.1:$ceph_mon_port, cephx user admin, secret $secret_uuid"
else
  not_ok "connection_info: rbd with the pool/image, the monitor, cephx user, secret" "$info"
fi

instance_skip=
if ! command -v qemu-system-x86_64 >/dev/null; then
  instance_skip="no qemu-system-x86_64 (install qemu-system-x86)"
elif ! compgen -G '/usr/lib/*/qemu/block-rbd.so' >/dev/null; then
  instance_skip="qemu has no rbd driver (install qemu-block-extra)"
else
  status=0
  instance_build_images "$cache" || status=$?
  if [ "$status" -eq 77 ]; then
    instance_skip=$instance_skip_reason
  elif [ "$status" -ne 0 ]; then
    instance_skip="the instance images could not be built: $(tail -n 3 "$dir/image.err" | tr '\n' ' ')"
    not_ok "build the instance images" "$(cat "$dir/image.err")"
  fi
fi

# launch NAME IMAGE UUID [LAUNCHER ARGS...]: instance NAME from $dir/NAME.json, the key from
# the cluster's keyring
launch_rbd () {
  launch "$1" "$2" "$dir/$1.json" "$3" --ceph-keyring "$ceph_keyring" "${@:4}"
}

if [ -n "$instance_skip" ]; then
  skip "instance A writes through rbd:, instance B reads the same bytes" "$instance_skip"
  echo "test-ceph: SKIP (instances): $instance_skip" >&2
else
  out=$("$launcher" --image "$image_a" --connection-info "$dir/rbd-a.json" --ceph-keyring "$ceph_keyring" \
          --dry-run 2>&1)
  if grep -qF "file=rbd:$ceph_pool/volume-$volume:mon_host=127.0.0.1\\:$ceph_mon_port:id=admin:auth_supported=cephx:keyring=$ceph_keyring,format=raw" <<<"$out"; then
    ok "qemu's disk: -drive file=rbd:$ceph_pool/volume-$volume:mon_host=...:id=admin, as libvirt builds it"
  else
    not_ok "qemu's disk: -drive file=rbd:POOL/IMAGE:mon_host=...:id=admin" "$out"
  fi

  check "instance A (writer image) starts with its disk on rbd and writes" launch_rbd rbd-a "$image_a" "$uuid_a"
  check_instance "instance A wrote, flushed and powered off" rbd-a
  check_backing "the RBD image holds the bytes A wrote (rbd export)" \
    <(rbd_cli export "volume-$volume" - 2>/dev/null) rbd-a
fi
check "TerminateConnection for host A" ctl disconnect --host compute-a "$volume"
check "Detach from instance A" ctl detach "$volume"

# --- the daemon restarted: everything still there ------------------------------

ctl --json list >"$dir/list-before.json" 2>&1
t0=$(date +%s%N)
if daemon_stop && daemon_start; then
  ok "nova-volumed stopped and started again ($(ms_since "$t0") ms)"
else
  not_ok "nova-volumed stopped and started again" "$(tail -n 20 "$dir/nova-volumed.log")"
fi
ctl --json list >"$dir/list-after.json" 2>&1
if cmp -s "$dir/list-before.json" "$dir/list-after.json" && grep -q "$clone" "$dir/list-after.json" &&
   grep -q "$snapshot" "$dir/list-after.json"; then
  ok "after the restart: the same 3 volumes and the snapshot"
else
  not_ok "after the restart: the same volumes and snapshot" "$(diff "$dir/list-before.json" "$dir/list-after.json")"
fi
shown=$(ctl --json show "$clone" 2>&1)
if [ "$(json_get Status <<<"$shown" 2>/dev/null)" = available ] && [ "$(json_get Size <<<"$shown" 2>/dev/null)" = 134217728 ]; then
  ok "the clone is available, 128 MiB"
else
  not_ok "the clone is available, 128 MiB" "$shown"
fi

if [ -z "$instance_skip" ]; then
  check "Attach to instance B ($uuid_b)" ctl attach "$volume" "$uuid_b" /dev/vdb
  check "InitializeConnection for host B" connect rbd-b compute-b
  check "instance B (reader image) starts with its disk on rbd and reads" launch_rbd rbd-b "$image_b" "$uuid_b"
  check_instance "instance B read the header and the bytes, and powered off" rbd-b
  check_same_bytes "instance B read the same bytes instance A wrote" rbd-a rbd-b
  check "TerminateConnection for host B" ctl disconnect --host compute-b "$volume"
  check "Detach from instance B" ctl detach "$volume"
fi

# --- online extend: a running instance's rbd: disk grows -----------------------

# SOCKET DEVICE BYTES: QMP block_resize, as libvirt's blockResize after a
# volume grew (qemu asks librbd for the image's size again)
qmp_block_resize () {
  /usr/bin/python3 - "$@" <<'PY'
import json, socket, sys
sock = socket.socket(socket.AF_UNIX)
sock.settimeout(30)
sock.connect(sys.argv[1])
stream = sock.makefile("rw")
json.loads(stream.readline())
for command in ({"execute": "qmp_capabilities"},
                {"execute": "block_resize", "arguments": {"device": sys.argv[2], "size": int(sys.argv[3])}}):
    stream.write(json.dumps(command) + "\n")
    stream.flush()
    while True:
        reply = json.loads(stream.readline())
        if "event" not in reply:
            break
    if "error" in reply:
        sys.exit(reply["error"]["desc"])
PY
}
# NAME TEXT: wait up to 90 s until instance NAME's console says TEXT
wait_console () {
  local i
  for ((i = 0; i < 900; i++)); do
    grep -q "$2" "$dir/$1.console" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

grow_skip=$instance_skip
if [ -z "$grow_skip" ] &&
   ! image_g=$("$instance_dir/build-image.sh" "$cache" grower "$instance_dir/grow.sh" 2>"$dir/image.err"); then
  grow_skip="the grower image could not be built: $(tail -n 3 "$dir/image.err" | tr '\n' ' ')"
  not_ok "build the grower image" "$(cat "$dir/image.err")"
fi
if [ -n "$grow_skip" ]; then
  skip "an instance's rbd: disk grows after an online extend" "$grow_skip"
else
  uuid_g=$(cat /proc/sys/kernel/random/uuid)
  size_before=$(ctl --json show "$volume" 2>&1 | json_get Size 2>&1)
  size_after=$((size_before + 64 * MIB))
  check "Attach to instance G ($uuid_g)" ctl attach "$volume" "$uuid_g" /dev/vdb
  check "InitializeConnection for host G" connect rbd-g compute-g
  launch_rbd rbd-g "$image_g" "$uuid_g" --qmp "$dir/rbd-g.qmp" &
  grow_pid=$!
  if wait_console rbd-g INSTANCE-SIZE:; then
    ok "instance G runs on the volume: $(said rbd-g INSTANCE-SIZE sectors) sectors"
  else
    not_ok "instance G runs on the volume" "$(cat "$dir/rbd-g.err" "$dir/rbd-g.console" 2>&1)"
  fi
  check "Extend the in-use volume to $size_after bytes (nova-volumectl extend)" ctl extend "$volume" "$size_after"
  check_image "the RBD image grew before the host acted" "volume-$volume" size "$size_after"
  check "the host resizes the instance's disk (QMP block_resize, as libvirt's blockResize)" \
    qmp_block_resize "$dir/rbd-g.qmp" virtio0 "$size_after"
  wait "$grow_pid"
  check_instance "instance G saw its disk grow and read the new end" rbd-g
  grew_to=$(sed -n 's/^INSTANCE-GREW: .*to=\([0-9]*\).*/\1/p' "$dir/rbd-g.console" | tr -d '\r')
  if [ "$((grew_to * 512))" = "$size_after" ]; then
    ok "the instance's disk is $size_after bytes ($(sed -n 's/^INSTANCE-GREW: //p' "$dir/rbd-g.console" | tr -d '\r'))"
  else
    not_ok "the instance's disk is $size_after bytes" "$(cat "$dir/rbd-g.console")"
  fi
  check "TerminateConnection for host G" ctl disconnect --host compute-g "$volume"
  check "Detach from instance G" ctl detach "$volume"
fi

# --- images: in and out, unallocated where the image is empty ------------------

# IMAGE: the bytes RBD allocated for it (rbd du), in bytes
rbd_used () {
  rbd_cli du --format json "$1" 2>/dev/null | json_get images.0.used_size
}
# "what" IMAGE: rbd du finds at most 16 MiB of IMAGE allocated
check_sparse () {
  local used
  used=$(rbd_used "$2")
  if [ -n "$used" ] && [ "$used" -le $((16 * MIB)) ]; then
    ok "$1 ($used bytes allocated)"
  else
    not_ok "$1" "rbd du $2: '$used' bytes allocated"
  fi
}
# "what" A A-FORMAT B B-FORMAT: qemu-img compare finds the same disk
check_same () {
  local out
  if out=$(qemu-img compare -q -f "$3" -F "$5" "$2" "$4" 2>&1); then
    ok "$1"
  else
    not_ok "$1" "$out"
  fi
}
# 256 MiB disks with 4 MiB of data
image_raw=$dir/image.raw
image_qcow2=$dir/image.qcow2
truncate -s 256M "$image_raw"
head -c $((4 * MIB)) /dev/urandom | dd of="$image_raw" bs=1M seek=100 conv=notrunc status=none
qemu-img convert -f raw -O qcow2 "$image_raw" "$image_qcow2"
from_raw=$(ctl create --image "$image_raw" --name from-raw 2>"$dir/ctl.err")
if [ -n "$from_raw" ]; then
  ok "CreateVolume from a raw image (nova-volumectl create --image)"
  check_sparse "the raw image's holes stay unallocated" "volume-$from_raw"
  rbd_cli export "volume-$from_raw" "$dir/from-raw.raw" >/dev/null 2>&1
  check_same "the volume holds the raw image's disk" "$dir/from-raw.raw" raw "$image_raw" raw
  # revert: RBD's rollback brings the bytes back, the snapshot stays
  revert_snap=$(ctl snapshot "$from_raw" --name before-write 2>"$dir/ctl.err")
  rbd_cli bench --io-type write --io-size 1M --io-total 8M --io-pattern seq "volume-$from_raw" >/dev/null 2>&1
  rbd_cli export "volume-$from_raw" "$dir/written.raw" >/dev/null 2>&1
  if ! qemu-img compare -q -f raw -F raw "$dir/written.raw" "$image_raw" 2>/dev/null; then
    ok "rbd bench wrote over the volume's first 8 MiB"
  else
    not_ok "rbd bench wrote over the volume's first 8 MiB" "the volume still equals the image"
  fi
  check "RevertToSnapshot (nova-volumectl revert)" ctl revert "$revert_snap"
  rm -f "$dir/reverted.raw"
  rbd_cli export "volume-$from_raw" "$dir/reverted.raw" >/dev/null 2>&1
  check_same "the reverted volume holds the snapshot's bytes again" "$dir/reverted.raw" raw "$image_raw" raw
  if rbd_cli snap ls "volume-$from_raw" 2>&1 | grep -q "snapshot-$revert_snap"; then
    ok "the snapshot is still there after the revert"
  else
    not_ok "the snapshot is still there after the revert" "$(rbd_cli snap ls "volume-$from_raw" 2>&1)"
  fi
  check_status "the reverted volume is available" "$from_raw" available
  check "Delete the snapshot reverted to" ctl delete "$revert_snap"
else
  not_ok "CreateVolume from a raw image (nova-volumectl create --image)" "$(cat "$dir/ctl.err")"
fi
from_qcow2=$(ctl create --image "$image_qcow2" --format qcow2 --name from-qcow2 2>"$dir/ctl.err")
if [ -n "$from_qcow2" ]; then
  ok "CreateVolume from a qcow2 image (qemu-img into rbd: through librbd)"
  check_sparse "the qcow2 image's empty clusters stay unallocated" "volume-$from_qcow2"
  rbd_cli export "volume-$from_qcow2" "$dir/from-qcow2.raw" >/dev/null 2>&1
  check_same "the volume holds the qcow2 image's disk" "$dir/from-qcow2.raw" raw "$image_raw" raw
  check "CopyToImage as qcow2 (nova-volumectl export --format qcow2)" \
    ctl export "$from_qcow2" "$dir/out.qcow2" --format qcow2
  check_same "the exported qcow2 holds the volume's disk" "$dir/out.qcow2" qcow2 "$image_raw" raw
  image_snap=$(ctl snapshot "$from_qcow2" --name image-snap 2>"$dir/ctl.err")
  check "Snapshot.CopyToImage as raw" ctl export "$image_snap" "$dir/snap.raw"
  check_same "the exported snapshot holds the disk it was taken of" "$dir/snap.raw" raw "$image_raw" raw
  check "CopyToImage of the snapshot as qcow2" ctl export "$image_snap" "$dir/snap.qcow2" --format qcow2
  check_same "the exported snapshot's qcow2 holds that disk" "$dir/snap.qcow2" qcow2 "$image_raw" raw
  check "Delete the image's snapshot" ctl delete "$image_snap"
  check "Delete the volume from the qcow2 image" ctl delete "$from_qcow2"
else
  not_ok "CreateVolume from a qcow2 image (qemu-img into rbd: through librbd)" "$(cat "$dir/ctl.err")"
fi
[ -z "$from_raw" ] || check "Delete the volume from the raw image" ctl delete "$from_raw"

# --- multi-attach: one image on two hosts, one of them read-only ---------------

shared=$(ctl create 16M --multiattach --name shared 2>"$dir/ctl.err")
if [ -n "$shared" ]; then
  ok "CreateVolume with multiattach (nova-volumectl create --multiattach)"
  uuid_r=$(cat /proc/sys/kernel/random/uuid)
  check "Attach to instance A read-write" ctl attach "$shared" "$uuid_a" /dev/vdb --host compute-a
  check "Attach to instance R read-only" ctl attach "$shared" "$uuid_r" /dev/vdb --host compute-r --mode ro
  check_status "the shared volume" "$shared" in-use
  for host_mode in compute-a:rw compute-r:ro; do
    got=$(ctl --json connect --host "${host_mode%:*}" "$shared" 2>&1 | json_get data.access_mode 2>&1)
    if [ "$got" = "${host_mode#*:}" ]; then
      ok "connection_info for ${host_mode%:*}: access_mode $got (rbd leaves it to the host)"
    else
      not_ok "connection_info for ${host_mode%:*}: access_mode ${host_mode#*:}" "$got"
    fi
    check "TerminateConnection for ${host_mode%:*}" ctl disconnect --host "${host_mode%:*}" "$shared"
  done
  check_refused "Detach without saying which of two" "InvalidArgument" ctl detach "$shared"
  check "Detach from instance R" ctl detach "$shared" "$uuid_r"
  check_status "still attached to A" "$shared" in-use
  check "Detach from instance A" ctl detach "$shared" "$uuid_a"
  check "Delete the shared volume" ctl delete "$shared"
else
  not_ok "CreateVolume with multiattach (nova-volumectl create --multiattach)" "$(cat "$dir/ctl.err")"
fi

# --- manage and unmanage: an image rbd itself made -----------------------------

head -c $((2 * MIB)) /dev/urandom >"$dir/legacy.raw"
truncate -s $((8 * MIB)) "$dir/legacy.raw"
rbd_cli import "$dir/legacy.raw" legacy >/dev/null 2>&1
check_refused "ManageExisting of an image that is not there" NotFound ctl manage no-such-image
check_refused "ManageExisting of pool/image" InvalidArgument ctl manage "$ceph_pool/legacy"
rbd_cli snap create legacy@taken-by-hand >/dev/null 2>&1
check_refused "ManageExisting of an image with a snapshot" Busy ctl manage legacy
rbd_cli snap rm legacy@taken-by-hand >/dev/null 2>&1
managed=$(ctl manage legacy --name from-rbd 2>"$dir/ctl.err")
if [ -n "$managed" ]; then
  ok "ManageExisting of image legacy (nova-volumectl manage)"
  check_status "the managed volume" "$managed" available
  got=$(ctl --json show "$managed" 2>&1 | json_get Size 2>&1)
  if [ "$got" = $((8 * MIB)) ]; then ok "its size is the image's"; else not_ok "its size is the image's" "$got"; fi
  if rbd_cli ls 2>&1 | grep -qx legacy; then
    not_ok "the image is renamed to volume-$managed" "$(rbd_cli ls 2>&1)"
  else
    ok "the image is renamed to volume-$managed"
  fi
  rbd_cli export "volume-$managed" "$dir/managed.raw" >/dev/null 2>&1
  check_same "the managed volume holds the image's bytes" "$dir/managed.raw" raw "$dir/legacy.raw" raw
  check "Unmanage (nova-volumectl unmanage)" ctl unmanage "$managed"
  if rbd_cli ls 2>&1 | grep -qx "volume-$managed"; then
    ok "the image stays after Unmanage"
  else
    not_ok "the image stays after Unmanage" "$(rbd_cli ls 2>&1)"
  fi
  check_refused "the unmanaged volume is no object any more" "no volume, snapshot or backup has" ctl show "$managed"
  again=$(ctl manage "volume-$managed" --keep-name 2>"$dir/ctl.err")
  if [ "$again" = "$managed" ]; then
    ok "ManageExisting of its name takes it back with the same id"
  else
    not_ok "ManageExisting of its name takes it back with the same id" "'$again' $(cat "$dir/ctl.err")"
  fi
  check "Delete the managed volume" ctl delete "$managed"
else
  not_ok "ManageExisting of image legacy (nova-volumectl manage)" "$(cat "$dir/ctl.err")"
  rbd_cli rm legacy >/dev/null 2>&1
fi

# --- delete: clones first, then what they came from ----------------------------

check "Delete the volume made from the snapshot" ctl delete "$from_snap"
check "Delete the snapshot" ctl delete "$snapshot"
check_refused "Delete the volume while a clone of it exists" Busy ctl delete "$volume"
check_status "a refused delete leaves the volume as it was" "$volume" available
check "Delete the clone" ctl delete "$clone"
if ! rbd_cli snap ls "volume-$volume" 2>&1 | grep -q clone_snap; then
  ok "the clone's temporary snapshot went with it"
else
  not_ok "the clone's temporary snapshot went with it" "$(rbd_cli snap ls "volume-$volume" 2>&1)"
fi
check "Delete the volume" ctl delete "$volume"
left=$(rbd_cli ls 2>&1)
if [ -z "$left" ]; then
  ok "the pool is empty again"
else
  not_ok "the pool is empty again" "$left"
fi
if daemon_stop; then
  ok "nova-volumed stops cleanly"
else
  not_ok "nova-volumed stops cleanly" "$(tail -n 20 "$dir/nova-volumed.log")"
fi

# --- backends: file and rbd in one daemon, a volume migrated onto Ceph ---------

cat >"$dir/nova-volume.conf" <<EOF
[DEFAULT]
default_volume_type = local
[backend:local]
volume_driver = file
file_volumes_dir = $dir/local-volumes
[backend:ceph]
volume_driver = rbd
rbd_ceph_conf = $ceph_conf
rbd_pool = $ceph_pool
rbd_user = admin
rbd_secret_uuid = $secret_uuid
rados_connect_timeout = 10
[type:local]
backend = local
EOF
mkdir -p "$dir/local-volumes"
if daemon_start; then
  ok "nova-volumed with two backends: local (file) and ceph (rbd)"
else
  not_ok "nova-volumed with two backends: local (file) and ceph (rbd)" "$(tail -n 20 "$dir/nova-volumed.log")"
fi
listing=$(ctl backends 2>&1)
if grep -qE '^ceph +rbd +up +ceph ' <<<"$listing" && grep -qE '^local +file +up +local ' <<<"$listing"; then
  ok "nova-volumectl backends: both up, with their protocols"
else
  not_ok "nova-volumectl backends: both up, with their protocols" "$listing"
fi
moved=$(ctl create 64M --name moving 2>&1)
shown=$(ctl --json show "$moved" 2>&1)
moved_file=$(json_get ProviderLocation <<<"$shown" 2>/dev/null)
if [ "$(json_get Backend <<<"$shown" 2>/dev/null)" = local ] && [ -n "$moved_file" ] && [ -f "$moved_file" ]; then
  ok "CreateVolume without a backend goes to default_volume_type's: local ($moved_file)"
else
  not_ok "CreateVolume without a backend goes to default_volume_type's: local" "$moved $shown"
fi

uuid_m=$(cat /proc/sys/kernel/random/uuid)
connect_moved () {
  ctl --json connect --host "$2" "$moved" >"$dir/$1.json"
}
if [ -z "$instance_skip" ]; then
  check "Attach the local volume to instance M ($uuid_m)" ctl attach "$moved" "$uuid_m" /dev/vdb
  check "InitializeConnection for host M (local)" connect_moved local-m compute-m
  check "instance M (writer image) starts with its disk on the local file and writes" \
    launch local-m "$image_a" "$dir/local-m.json" "$uuid_m"
  check_instance "instance M wrote, flushed and powered off" local-m
  check "TerminateConnection for host M" ctl disconnect --host compute-m "$moved"
  check "Detach from instance M" ctl detach "$moved"
elif [ -n "$moved_file" ] && [ -f "$moved_file" ]; then
  # no instance: the host writes the bytes into the file itself
  head -c 4194304 /dev/urandom | dd of="$moved_file" bs=1M seek=1 conv=notrunc,fsync 2>/dev/null
fi
sum_before=$(sha256sum <"$moved_file" | cut -d' ' -f1)

t0=$(date +%s%N)
if ctl migrate "$moved" ceph >"$dir/migrate.out" 2>&1; then
  ok "Migrate the volume from local to ceph ($(ms_since "$t0") ms)"
else
  not_ok "Migrate the volume from local to ceph" "$(cat "$dir/migrate.out")"
fi
shown=$(ctl --json show "$moved" 2>&1)
if [ "$(json_get Backend <<<"$shown" 2>/dev/null)" = ceph ] && [ "$(json_get Driver <<<"$shown" 2>/dev/null)" = rbd ] &&
   [ "$(json_get Name <<<"$shown" 2>/dev/null)" = moving ] && [ "$(json_get Status <<<"$shown" 2>/dev/null)" = available ]; then
  ok "after the migrate: the same volume, on backend ceph (driver rbd), available"
else
  not_ok "after the migrate: the same volume, on backend ceph" "$shown"
fi
sum_after=$(rbd_cli export "volume-$moved" - 2>/dev/null | sha256sum | cut -d' ' -f1)
if [ "$sum_after" = "$sum_before" ]; then
  ok "the RBD image holds the file's 64 MiB, byte for byte (sha256 $sum_after)"
else
  not_ok "the RBD image holds the file's 64 MiB" "file: $sum_before, image: $sum_after"
fi

# --- backups: an rbd volume and its snapshot into the daemon's repository, and
# back onto rbd and onto the file backend ---------------------------------------

backup=$(ctl backup "$moved" --name "before the fire" 2>"$dir/ctl.err")
if [ -n "$backup" ]; then
  ok "Backup the rbd volume ($backup)"
else
  not_ok "Backup the rbd volume" "$(cat "$dir/ctl.err")"
fi
rbd_target=$(ctl create 64M --backend ceph --name restored-rbd 2>"$dir/ctl.err")
check "Restore the backup over another rbd volume" ctl restore "$backup" --to "$rbd_target"
sum=$(rbd_cli export "volume-$rbd_target" - 2>/dev/null | sha256sum | cut -d' ' -f1)
if [ "$sum" = "$sum_before" ]; then
  ok "the restored RBD image holds the volume's 64 MiB, byte for byte"
else
  not_ok "the restored RBD image holds the volume's 64 MiB" "volume: $sum_before, restored: $sum"
fi
local_restored=$(ctl restore "$backup" --name restored-local 2>"$dir/ctl.err")
shown=$(ctl --json show "$local_restored" 2>&1)
restored_file=$(json_get ProviderLocation <<<"$shown" 2>/dev/null)
sum=$( [ -f "$restored_file" ] && sha256sum <"$restored_file" | cut -d' ' -f1)
if [ "$(json_get Backend <<<"$shown" 2>/dev/null)" = local ] && [ "$sum" = "$sum_before" ]; then
  ok "the backup restored into a new volume on the file backend, byte for byte"
else
  not_ok "the backup restored into a new volume on the file backend" "$local_restored $shown $(cat "$dir/ctl.err")"
fi
backup_snapshot=$(ctl snapshot "$moved" --name for-backup 2>"$dir/ctl.err")
snapshot_backup=$(ctl backup "$backup_snapshot" --incremental 2>"$dir/ctl.err")
if [ -n "$snapshot_backup" ] && [ "$(ctl --json show "$snapshot_backup" 2>&1 | json_get StoredBytes 2>/dev/null)" = 0 ]; then
  ok "an incremental backup of the rbd snapshot of unchanged bytes stores nothing new"
else
  not_ok "an incremental backup of the rbd snapshot stores nothing new" "$snapshot_backup $(cat "$dir/ctl.err")"
fi
check "Verify the snapshot's backup" ctl backup-verify "$snapshot_backup"
check "Delete the snapshot's backup" ctl backup-delete "$snapshot_backup"
check "Delete the backup" ctl backup-delete "$backup"
check "Delete the snapshot taken for the backup" ctl delete "$backup_snapshot"
check "Delete the volume restored on rbd" ctl delete "$rbd_target"
check "Delete the volume restored on the file backend" ctl delete "$local_restored"
if [ ! -e "$moved_file" ]; then
  ok "the copy on the local backend is gone"
else
  not_ok "the copy on the local backend is gone" "$(ls -l "$moved_file")"
fi

if [ -n "$instance_skip" ]; then
  skip "instance N reads through rbd: what instance M wrote on the file backend" "$instance_skip"
else
  uuid_n=$(cat /proc/sys/kernel/random/uuid)
  check "Attach the migrated volume to instance N ($uuid_n)" ctl attach "$moved" "$uuid_n" /dev/vdb
  check "InitializeConnection for host N (rbd)" connect_moved rbd-n compute-n
  check "instance N (reader image) starts with its disk on rbd and reads" launch_rbd rbd-n "$image_b" "$uuid_n"
  check_instance "instance N read the header and the bytes, and powered off" rbd-n
  uuid_a=$uuid_m check_same_bytes "instance N read through rbd: the bytes instance M wrote to the file" local-m rbd-n
  check "TerminateConnection for host N" ctl disconnect --host compute-n "$moved"
  check "Detach from instance N" ctl detach "$moved"
fi
check "Delete the migrated volume" ctl delete "$moved"
left=$(rbd_cli ls 2>&1)
if [ -z "$left" ]; then
  ok "the pool is empty again after the migrated volume's delete"
else
  not_ok "the pool is empty again after the migrated volume's delete" "$left"
fi
if daemon_stop; then
  ok "nova-volumed (two backends) stops cleanly"
else
  not_ok "nova-volumed (two backends) stops cleanly" "$(tail -n 20 "$dir/nova-volumed.log")"
fi

# --- backups into a Ceph pool (backup_driver = ceph) ----------------------------
# a file volume and an rbd volume backed up into a pool of their own, full
# and incremental (a clone that takes the room of what changed), restored
# both ways; a daemon with a new state directory finds them in the pool

backup_pool=backups
if out=$(ceph_cli osd pool create "$backup_pool" 8 8 2>&1 &&
         timeout 60 rbd --conf "$ceph_conf" pool init "$backup_pool" 2>&1); then
  ok "a pool for backups: $backup_pool"
else
  not_ok "a pool for backups: $backup_pool" "$out"
fi
backup_rbd () {
  timeout 30 rbd --conf "$ceph_conf" --pool "$backup_pool" "$@"
}
cat >"$dir/nova-volume.conf" <<EOF
[DEFAULT]
default_volume_type = local
backup_driver = ceph
backup_ceph_conf = $ceph_conf
backup_ceph_user = admin
backup_ceph_pool = $backup_pool
[backend:local]
volume_driver = file
file_volumes_dir = $dir/local-volumes
[backend:ceph]
volume_driver = rbd
rbd_ceph_conf = $ceph_conf
rbd_pool = $ceph_pool
rbd_user = admin
rbd_secret_uuid = $secret_uuid
rados_connect_timeout = 10
[type:local]
backend = local
EOF
if daemon_start; then
  ok "nova-volumed with backup_driver = ceph"
else
  not_ok "nova-volumed with backup_driver = ceph" "$(tail -n 20 "$dir/nova-volumed.log")"
fi

local_source=$(ctl create 32M --name local-source 2>"$dir/ctl.err")
local_file=$(ctl --json show "$local_source" 2>&1 | json_get ProviderLocation 2>/dev/null)
if [ -n "$local_file" ] && [ -f "$local_file" ]; then
  head -c 4194304 /dev/urandom | dd of="$local_file" bs=1M seek=3 conv=notrunc,fsync 2>/dev/null
fi
sum_local=$(sha256sum <"$local_file" | cut -d' ' -f1)
full=$(ctl backup "$local_source" --name full 2>"$dir/ctl.err")
if [ -n "$full" ] && [ "$(ctl --json show "$full" 2>&1 | json_get Repository 2>/dev/null)" = ceph ] &&
   backup_rbd snap ls "backup-$full" 2>/dev/null | grep -q ' backup '; then
  ok "Backup of a file volume into the pool: image backup-$full with its snapshot"
else
  not_ok "Backup of a file volume into the pool" "$full $(cat "$dir/ctl.err") $(backup_rbd ls 2>&1)"
fi
# one 4 MiB chunk changes
head -c 1048576 /dev/urandom | dd of="$local_file" bs=1M seek=20 conv=notrunc,fsync 2>/dev/null
sum_local_2=$(sha256sum <"$local_file" | cut -d' ' -f1)
incremental=$(ctl backup "$local_source" --incremental 2>"$dir/ctl.err")
stored=$(ctl --json show "$incremental" 2>&1 | json_get StoredBytes 2>/dev/null)
if [ "$stored" = 4194304 ] &&
   backup_rbd info "backup-$incremental" 2>/dev/null | grep -q "parent: $backup_pool/backup-$full@backup"; then
  ok "an incremental backup: a clone of its parent's snapshot that stored the one chunk that changed"
else
  not_ok "an incremental backup stores the one chunk that changed" \
    "stored $stored; $(backup_rbd info "backup-$incremental" 2>&1) $(cat "$dir/ctl.err")"
fi
rbd_volume=$(ctl create 32M --backend ceph --name rbd-source 2>"$dir/ctl.err")
check "Restore the full backup over an rbd volume" ctl restore "$full" --to "$rbd_volume"
sum=$(rbd_cli export "volume-$rbd_volume" - 2>/dev/null | sha256sum | cut -d' ' -f1)
if [ "$sum" = "$sum_local" ]; then
  ok "the rbd volume holds the file volume's bytes of the full backup"
else
  not_ok "the rbd volume holds the file volume's bytes of the full backup" "$sum_local / $sum"
fi
rbd_backup=$(ctl backup "$rbd_volume" --name from-rbd 2>"$dir/ctl.err")
check "Verify the rbd volume's backup" ctl backup-verify "$rbd_backup"
# an rbd volume keeps a mark (a snapshot) of its latest backup: the next
# incremental reads only what RBD's diff since that mark says changed
if rbd_cli snap ls "volume-$rbd_volume" 2>/dev/null | grep -q "nova-backup-$rbd_backup"; then
  ok "the rbd volume keeps the mark nova-backup-$rbd_backup of its backup"
else
  not_ok "the rbd volume keeps the mark of its backup" "$(rbd_cli snap ls "volume-$rbd_volume" 2>&1)"
fi
t0=$(date +%s%N)
unchanged=$(ctl backup "$rbd_volume" --incremental 2>"$dir/ctl.err")
unchanged_ms=$(ms_since "$t0")
stored=$(ctl --json show "$unchanged" 2>&1 | json_get StoredBytes 2>/dev/null)
marks=$(rbd_cli snap ls "volume-$rbd_volume" 2>&1)
if [ "$stored" = 0 ] && grep -q "nova-backup-$unchanged" <<<"$marks" && ! grep -q "nova-backup-$rbd_backup" <<<"$marks"; then
  ok "an incremental of the unchanged rbd volume stores nothing, in $unchanged_ms ms; the mark moved to it"
else
  not_ok "an incremental of the unchanged rbd volume stores nothing" "stored $stored; $marks $(cat "$dir/ctl.err")"
fi
rbd_cli bench --io-type write --io-size 1M --io-total 1M --io-pattern seq "volume-$rbd_volume" >/dev/null 2>&1
changed_backup=$(ctl backup "$rbd_volume" --incremental 2>"$dir/ctl.err")
stored=$(ctl --json show "$changed_backup" 2>&1 | json_get StoredBytes 2>/dev/null)
if [ "$stored" = 4194304 ]; then
  ok "after 1 MiB written, the incremental wrote the one 4 MiB chunk RBD's diff named"
else
  not_ok "after 1 MiB written, the incremental wrote one chunk" "stored $stored $(cat "$dir/ctl.err")"
fi
sum_rbd=$(rbd_cli export "volume-$rbd_volume" - 2>/dev/null | sha256sum | cut -d' ' -f1)
from_diff=$(ctl restore "$changed_backup" --name from-diff 2>"$dir/ctl.err")
from_diff_file=$(ctl --json show "$from_diff" 2>&1 | json_get ProviderLocation 2>/dev/null)
sum=$([ -f "$from_diff_file" ] && sha256sum <"$from_diff_file" | cut -d' ' -f1)
if [ "$sum" = "$sum_rbd" ]; then
  ok "the diff-based incremental restores the rbd volume's bytes, byte for byte"
else
  not_ok "the diff-based incremental restores the rbd volume's bytes" "$sum_rbd / $sum $(cat "$dir/ctl.err")"
fi
check "Delete the volume restored from the diff-based incremental" ctl delete "$from_diff"
check "Delete the rbd volume while its latest backup's mark is on it" ctl delete "$rbd_volume"
if ! rbd_cli ls 2>/dev/null | grep -q "volume-$rbd_volume"; then
  ok "the rbd volume's image went, its mark with it"
else
  not_ok "the rbd volume's image went, its mark with it" "$(rbd_cli snap ls "volume-$rbd_volume" 2>&1)"
fi
check "Delete the diff-based incremental (its volume gone)" ctl backup-delete "$changed_backup"
check "Delete the incremental of the unchanged volume" ctl backup-delete "$unchanged"
# a large rbd volume with little data: a full backup reads only what RBD
# says holds data, an incremental of it unchanged reads nothing
big=$(ctl create 4G --backend ceph --name big 2>"$dir/ctl.err")
rbd_cli bench --io-type write --io-size 1M --io-total 1M --io-pattern seq "volume-$big" >/dev/null 2>&1
t0=$(date +%s%N)
big_full=$(ctl backup "$big" 2>"$dir/ctl.err")
big_full_ms=$(ms_since "$t0")
t0=$(date +%s%N)
big_incremental=$(ctl backup "$big" --incremental 2>"$dir/ctl.err")
big_incremental_ms=$(ms_since "$t0")
full_stored=$(ctl --json show "$big_full" 2>&1 | json_get StoredBytes 2>/dev/null)
incremental_stored=$(ctl --json show "$big_incremental" 2>&1 | json_get StoredBytes 2>/dev/null)
if [ "$full_stored" = 4194304 ] && [ "$incremental_stored" = 0 ]; then
  ok "a 4 GiB rbd volume with 1 MiB of data: the full backup read and wrote one chunk ($big_full_ms ms), the unchanged incremental nothing ($big_incremental_ms ms)"
else
  not_ok "a 4 GiB rbd volume with 1 MiB of data: backups of what holds data" \
    "full stored $full_stored, incremental $incremental_stored $(cat "$dir/ctl.err")"
fi
check "Delete the large volume's incremental" ctl backup-delete "$big_incremental"
check "Delete the large volume's backup" ctl backup-delete "$big_full"
check "Delete the large volume" ctl delete "$big"
check_refused "Delete the full backup while an incremental is made on it" Busy ctl backup-delete "$full"

# the host is lost: its state directory goes; the pool stays
daemon_stop
mv "$dir/state" "$dir/state-lost"
mkdir -p "$dir/local-volumes"
if daemon_start; then
  ok "nova-volumed again, with an empty state directory"
else
  not_ok "nova-volumed again, with an empty state directory" "$(tail -n 20 "$dir/nova-volumed.log")"
fi
listed=$(ctl --json backups 2>&1)
if grep -q "$full" <<<"$listed" && grep -q "$incremental" <<<"$listed" && grep -q "$rbd_backup" <<<"$listed"; then
  ok "it lists the three backups the pool holds"
else
  not_ok "it lists the three backups the pool holds" "$listed"
fi
restored_local=$(ctl restore "$incremental" --name restored-incremental 2>"$dir/ctl.err")
restored_file=$(ctl --json show "$restored_local" 2>&1 | json_get ProviderLocation 2>/dev/null)
sum=$([ -f "$restored_file" ] && sha256sum <"$restored_file" | cut -d' ' -f1)
if [ "$sum" = "$sum_local_2" ]; then
  ok "the incremental restored on the new host into a file volume, byte for byte"
else
  not_ok "the incremental restored on the new host" "$sum_local_2 / $sum $(cat "$dir/ctl.err")"
fi
check "Delete the incremental backup" ctl backup-delete "$incremental"
check "Delete the full backup" ctl backup-delete "$full"
check "Delete the rbd volume's backup" ctl backup-delete "$rbd_backup"
check "Delete the restored volume" ctl delete "$restored_local"
left=$(backup_rbd ls 2>&1
       timeout 30 rados --conf "$ceph_conf" --pool "$backup_pool" --namespace nova-volume-backups ls 2>&1)
if [ -z "$left" ]; then
  ok "the backup pool is empty again: no image, no manifest"
else
  not_ok "the backup pool is empty again" "$left"
fi
if daemon_stop; then
  ok "nova-volumed (ceph backups) stops cleanly"
else
  not_ok "nova-volumed (ceph backups) stops cleanly" "$(tail -n 20 "$dir/nova-volumed.log")"
fi

t0=$(date +%s%N)
ceph_cluster_stop
ok "the cluster stopped in $(ms_since "$t0") ms"

tap_finish
