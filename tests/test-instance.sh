#!/bin/bash
# tests/test-instance.sh: the instance tier (suite instance), the seed's
# promise tested literally: create a volume, attach it to an instance,
# terminate the instance, spawn a new one from a different image, attach
# the volume again, and the same bytes are there. An instance is a qemu
# process started from the volume's connection_info by
# tests/instance/launch-instance.py, as Nova's libvirt volume drivers would.
#
#   tests/test-instance.sh CACHE_DIR TGT_HELPER_TOOL
#
# Two images (tests/instance/build-image.sh, cached in CACHE_DIR): the
# writer (the unpacked kernel, tests/instance/writer.sh) and the reader (the
# installed bzImage itself, another kernel command line,
# tests/instance/reader.sh).
#   local  nova-volumed with the file driver on a private session bus;
#          CreateVolume, Attach to A, InitializeConnection, A writes and
#          powers off, TerminateConnection, Detach, the daemon restarted,
#          Attach to B, InitializeConnection, B reads the same bytes
#   iscsi  a private tgtd on 127.0.0.1 (tests/tgt-lib.sh) exporting a file
#          with CHAP through the tgtadm helper (TGT_HELPER_TOOL), the
#          connection_info the lvm-iscsi driver returns; A writes through
#          qemu's iSCSI initiator as host A, B reads as host B; a wrong
#          CHAP secret or an initiator no longer allowed: qemu cannot open
#          the disk and the launcher says so
# Prints TAP. Needs qemu-system-x86_64 and a kernel the guest tier can
# boot (else the whole test is skipped with the reason); the iscsi part
# needs root, tgt and qemu's iSCSI driver (else its tests are skipped,
# saying why). NOVA_VOLUMED, NOVA_VOLUMECTL: the programs (tests/meson.build).
set -u

cache=${1:?usage: test-instance.sh CACHE_DIR TGT_HELPER_TOOL}
tool=${2:?usage: test-instance.sh CACHE_DIR TGT_HELPER_TOOL}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

tap_name=test-instance
# shellcheck source=tests/tap-lib.sh
. "$here/tap-lib.sh"

# --- what this machine must have ---------------------------------------

command -v qemu-system-x86_64 >/dev/null || skip_all "no qemu-system-x86_64 (install qemu-system-x86)"
[ -x /usr/bin/python3 ] || skip_all "no /usr/bin/python3 for the launcher"
for cmd in dbus-daemon gdbus timeout; do
  command -v "$cmd" >/dev/null || skip_all "no $cmd"
done

dir=$(mktemp -d "${TMPDIR:-/tmp}/nova-volume-instance-XXXXXX") || skip_all "cannot make a scratch directory"
# the launcher's private directory for a CHAP secret goes here too: none
# may be left afterwards
export TMPDIR=$dir
# shellcheck source=tests/session-daemon-lib.sh
. "$here/session-daemon-lib.sh"
# shellcheck source=tests/instance/instance-lib.sh
. "$here/instance/instance-lib.sh"
# shellcheck source=tests/tgt-lib.sh
. "$here/tgt-lib.sh"
tgtd_log=$dir/tgtd.log

# shellcheck disable=SC2317  # called from the trap
cleanup () {
  # the launcher kills its qemu on SIGTERM
  stop_process "$launcher_pid"
  session_daemon_cleanup
  tgt_cleanup
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# --- the two images ------------------------------------------------------

t0=$(date +%s%N)
status=0
instance_build_images "$cache" || status=$?
if [ "$status" -eq 77 ]; then
  skip_all "$instance_skip_reason"
elif [ "$status" -ne 0 ]; then
  not_ok "build the instance images" "$(cat "$dir/image.err")"
  echo "1..$n"
  exit 1
fi
ok "images built in $(ms_since "$t0") ms: A boots $(readlink "$image_a/kernel"), B boots $(readlink "$image_b/kernel")"
if ! cmp -s "$image_a/initramfs.cpio" "$image_b/initramfs.cpio" && ! cmp -s "$image_a/cmdline" "$image_b/cmdline" &&
   [ "$(readlink "$image_a/kernel")" != "$(readlink "$image_b/kernel")" ]; then
  ok "A and B differ: initramfs, guest program, kernel command line and kernel file"
else
  not_ok "A and B differ: initramfs, guest program, kernel command line and kernel file"
fi

uuid_a=$(cat /proc/sys/kernel/random/uuid)
uuid_b=$(cat /proc/sys/kernel/random/uuid)

# --- the launcher on its own ---------------------------------------------

printf '{"driver_volume_type": "floppy", "data": {"device_path": "/dev/fd0"}}\n' >"$dir/floppy.json"
out=$("$launcher" --image "$image_a" --connection-info "$dir/floppy.json" --dry-run 2>&1)
status=$?
if [ "$status" -eq 2 ] && grep -q "unknown driver_volume_type 'floppy'" <<<"$out"; then
  ok "an unknown driver_volume_type is refused: $out"
else
  not_ok "an unknown driver_volume_type is refused (exit 2)" "exit $status: $out"
fi

# --- local: the file driver through nova-volumed ----------------------------

printf '[DEFAULT]\nvolume_driver = file\n' >"$dir/nova-volume.conf"
private_bus_start
initiator_a=iqn.1994-05.com.example:compute-a
initiator_b=iqn.1994-05.com.example:compute-b

if daemon_start; then
  ok "nova-volumed with the file driver on a private session bus"
else
  not_ok "nova-volumed with the file driver on a private session bus" "$(cat "$dir/nova-volumed.log")"
fi
volume=$(ctl create 64M --name instance-data 2>"$dir/ctl.err")
if [ -n "$volume" ]; then
  ok "CreateVolume 64 MiB: $volume"
else
  not_ok "CreateVolume 64 MiB" "$(cat "$dir/ctl.err")"
fi
check "Attach to instance A ($uuid_a)" ctl attach "$volume" "$uuid_a" /dev/vdb
# connect NAME INITIATOR HOST: InitializeConnection, the JSON in $dir/NAME.json
connect () {
  ctl --json connect --initiator "$2" --host "$3" "$volume" >"$dir/$1.json"
}
check "InitializeConnection for host A" connect local-a "$initiator_a" compute-a
device_path=$(/usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["data"]["device_path"])' \
                <"$dir/local-a.json" 2>/dev/null)
if grep -q '"driver_volume_type" : "local"' "$dir/local-a.json" && [ -f "$device_path" ]; then
  ok "connection_info: local, device_path $device_path"
else
  not_ok "connection_info: local with a device_path" "$(cat "$dir/local-a.json")"
fi

check "instance A (writer image) starts from the connection_info and writes" \
  launch local-a "$image_a" "$dir/local-a.json" "$uuid_a"
check_instance "instance A wrote, flushed and powered off" local-a
check_backing "the volume's file holds the bytes A wrote" "$device_path" local-a

check "TerminateConnection for host A" ctl disconnect --initiator "$initiator_a" --host compute-a "$volume"
check "Detach from instance A" ctl detach "$volume"

# the volume outlives the daemon too
t0=$(date +%s%N)
if daemon_stop && daemon_start; then
  ok "nova-volumed stopped and started again ($(ms_since "$t0") ms)"
else
  not_ok "nova-volumed stopped and started again" "$(tail -n 20 "$dir/nova-volumed.log")"
fi
shown=$(ctl --json show "$volume" 2>&1)
if grep -q '"Status" : "available"' <<<"$shown" && grep -q '"Size" : 67108864' <<<"$shown"; then
  ok "after the restart the volume is there: available, 64 MiB"
else
  not_ok "after the restart the volume is there: available, 64 MiB" "$shown"
fi

check "Attach to instance B ($uuid_b)" ctl attach "$volume" "$uuid_b" /dev/vdb
check "InitializeConnection for host B" connect local-b "$initiator_b" compute-b
check "instance B (reader image) starts from the connection_info and reads" \
  launch local-b "$image_b" "$dir/local-b.json" "$uuid_b"
check_instance "instance B read the header and the bytes, and powered off" local-b
check_same_bytes "instance B read the same bytes instance A wrote" local-a local-b

check "TerminateConnection for host B" ctl disconnect --initiator "$initiator_b" --host compute-b "$volume"
check "Detach from instance B" ctl detach "$volume"

# an image of what A wrote (CopyToImage as qcow2), a new volume filled
# from it (CreateVolume with image-fd), and instance C reading A's bytes
# through that volume's disk
check "CopyToImage: the volume A wrote goes out as a qcow2 image" \
  ctl export "$volume" "$dir/written.qcow2" --format qcow2
from_image=$(ctl create --image "$dir/written.qcow2" --format qcow2 --name from-image 2>"$dir/ctl.err")
if [ -n "$from_image" ]; then
  ok "CreateVolume from that image: $from_image"
else
  not_ok "CreateVolume from that image" "$(cat "$dir/ctl.err")"
fi
uuid_c=$(cat /proc/sys/kernel/random/uuid)
connect_imported () {
  ctl --json connect --initiator "$initiator_b" --host compute-c "$from_image" >"$dir/local-c.json"
}
check "Attach the volume from the image to instance C ($uuid_c)" ctl attach "$from_image" "$uuid_c" /dev/vdb
check "InitializeConnection of the volume from the image for host C" connect_imported
check "instance C (reader image) starts with the volume from the image and reads" \
  launch local-c "$image_b" "$dir/local-c.json" "$uuid_c"
check_instance "instance C read the header and the bytes, and powered off" local-c
check_same_bytes "instance C read the bytes instance A wrote, through the image" local-a local-c
check "TerminateConnection for host C" ctl disconnect --initiator "$initiator_b" --host compute-c "$from_image"
check "Detach from instance C" ctl detach "$from_image"
check "DeleteVolume (the volume from the image)" ctl delete "$from_image"
check "DeleteVolume" ctl delete "$volume"
if [ ! -e "$device_path" ]; then ok "the volume's file is gone"; else not_ok "the volume's file is gone"; fi
# not through check: only this shell can wait for its child
if daemon_stop; then
  ok "nova-volumed stops cleanly"
else
  not_ok "nova-volumed stops cleanly" "$(tail -n 20 "$dir/nova-volumed.log")"
fi

# --- iscsi: tgtd on 127.0.0.1, qemu's own initiator ----------------------------

iscsi_skip=
if [ "$(id -u)" -ne 0 ]; then
  iscsi_skip="tgtd needs root (it locks /run/tgtd/socket.N.lock)"
else
  for cmd in tgtd tgtadm ss; do
    command -v "$cmd" >/dev/null || { iscsi_skip="no $cmd (install tgt)"; break; }
  done
fi
if [ -z "$iscsi_skip" ] && ! compgen -G '/usr/lib/*/qemu/block-iscsi.so' >/dev/null; then
  iscsi_skip="qemu has no iSCSI driver (install qemu-block-extra)"
fi
if [ -z "$iscsi_skip" ] && ! tgt_start_private; then
  iscsi_skip="tgtd did not start on 127.0.0.1 (5 tries): $(tail -n 3 "$tgtd_log" 2>/dev/null | tr '\n' ' ')"
fi

if [ -n "$iscsi_skip" ]; then
  skip "iscsi: instance A writes through qemu's iSCSI initiator, B reads" "$iscsi_skip"
else
  ok "tgtd on control port $ctl and 127.0.0.1:$port"
  volume_id=$(cat /proc/sys/kernel/random/uuid)
  iqn=iqn.2010-10.org.openstack:volume-$volume_id
  tid=1
  backing=$dir/iscsi-volume.img
  truncate -s 64M "$backing"
  chap_user=nvinstance$RANDOM
  chap_secret=$(tr -dc 'A-Za-z0-9' </dev/urandom | head -c 16)

  helper () {
    NOVA_TEST_CHAP_USER=$chap_user NOVA_TEST_CHAP_SECRET=$chap_secret \
      timeout 30 "$tool" "$ctl" "$1" "$tid" "$iqn" "$backing" "${@:2}"
  }
  # the connection_info the lvm-iscsi driver returns for this export
  # (nova_iscsi_connection_info), with CHAP secret $1
  iscsi_info () {
    PORTAL=127.0.0.1:$port IQN=$iqn VOLUME_ID=$volume_id CHAP_USER=$chap_user CHAP_SECRET=$1 \
      /usr/bin/python3 -c '
import json, os
e = os.environ
print(json.dumps({"driver_volume_type": "iscsi", "data": {
    "target_discovered": False, "target_iqn": e["IQN"], "target_portal": e["PORTAL"],
    "target_lun": 1, "volume_id": e["VOLUME_ID"], "auth_method": "CHAP",
    "auth_username": e["CHAP_USER"], "auth_password": e["CHAP_SECRET"]}}, indent=2))'
  }
  iscsi_info "$chap_secret" >"$dir/iscsi.json"
  iscsi_info "wrong$chap_secret" >"$dir/iscsi-wrong.json"

  check "ensure_export: target $iqn on the file, CHAP user $chap_user" helper ensure
  check "allow_initiator host A ($initiator_a)" helper allow "$initiator_a"

  out=$("$launcher" --image "$image_a" --connection-info "$dir/iscsi.json" --initiator "$initiator_a" \
          --dry-run 2>&1)
  if grep -q "driver=iscsi,node-name=volume,transport=tcp,portal=127.0.0.1:$port,target=$iqn,lun=1,initiator-name=$initiator_a,user=$chap_user,password-secret=volume-chap" <<<"$out" &&
     ! grep -qF "$chap_secret" <<<"$out"; then
    ok "qemu's command line: the iSCSI blockdev with the initiator and CHAP user, the secret not in it"
  else
    not_ok "qemu's command line: the iSCSI blockdev with the initiator and CHAP user, the secret not in it" "$out"
  fi

  check "instance A (writer image) starts over iSCSI as host A and writes" \
    launch iscsi-a "$image_a" "$dir/iscsi.json" "$uuid_a" --initiator "$initiator_a"
  check_instance "instance A wrote through qemu's iSCSI initiator and powered off" iscsi-a
  check_backing "the exported file holds the bytes A wrote" "$backing" iscsi-a

  # a wrong secret: qemu cannot log in, the instance never boots
  status=0
  launch iscsi-wrong "$image_b" "$dir/iscsi-wrong.json" "$uuid_b" --initiator "$initiator_a" || status=$?
  if [ "$status" -eq 1 ] && grep -q "qemu failed (iscsi volume.*Authentication failure" "$dir/iscsi-wrong.err" &&
     ! grep -q '^INSTANCE' "$dir/iscsi-wrong.console"; then
    ok "a wrong CHAP secret: qemu cannot open the disk, the launcher says so: $(cat "$dir/iscsi-wrong.err")"
  else
    not_ok "a wrong CHAP secret: qemu cannot open the disk, the launcher says so" \
      "exit $status: $(cat "$dir/iscsi-wrong.err" "$dir/iscsi-wrong.console")"
  fi

  # host A's connection ends, host B's begins (terminate_connection,
  # initialize_connection): A's initiator is refused from now on
  check "deny_initiator host A" helper deny "$initiator_a"
  check "allow_initiator host B ($initiator_b)" helper allow "$initiator_b"
  status=0
  launch iscsi-denied "$image_b" "$dir/iscsi.json" "$uuid_b" --initiator "$initiator_a" || status=$?
  if [ "$status" -eq 1 ] && grep -q "qemu failed (iscsi volume" "$dir/iscsi-denied.err" &&
     ! grep -q '^INSTANCE' "$dir/iscsi-denied.console"; then
    ok "host A's initiator, no longer allowed: qemu cannot open the disk: $(cat "$dir/iscsi-denied.err")"
  else
    not_ok "host A's initiator, no longer allowed: qemu cannot open the disk" \
      "exit $status: $(cat "$dir/iscsi-denied.err")"
  fi

  check "instance B (reader image) starts over iSCSI as host B and reads" \
    launch iscsi-b "$image_b" "$dir/iscsi.json" "$uuid_b" --initiator "$initiator_b"
  check_instance "instance B read the header and the bytes over iSCSI, and powered off" iscsi-b
  check_same_bytes "instance B read over iSCSI the same bytes instance A wrote" iscsi-a iscsi-b

  check "remove_export" helper remove
  t0=$(date +%s%N)
  tgt_stop
  ok "tgtd stopped in $(ms_since "$t0") ms"
fi

leftover=$(find "$dir" -maxdepth 1 -name 'nova-instance-*')
if [ -z "$leftover" ]; then
  ok "the launcher left no secret directory behind"
else
  not_ok "the launcher left no secret directory behind" "$leftover"
fi

echo "1..$n"
[ "$failures" -eq 0 ]
