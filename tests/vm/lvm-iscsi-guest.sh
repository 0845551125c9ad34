# shellcheck shell=bash
# tests/vm/lvm-iscsi-guest.sh: the lvm-iscsi driver end to end, run inside
# the guest by tests/vm/run-guest.sh with one --disk (meson:
# guest-lvm-iscsi). This build's nova-volumed runs as root on the guest's
# system bus, with the real polkitd reading this build's actions, on the
# volume group nova-volumes made on the virtio disk. Two passes, one
# daemon each:
#
#   lio   lvm_type default (thick), iscsi_helper lioadm: volumes, a
#         snapshot, a volume from it, a clone, extend; InitializeConnection
#         and an open-iscsi login with the CHAP credentials it returned,
#         bytes written, read back after a new login; a wrong password and
#         a disconnected host refused; a multiattach volume on two
#         initiators, one read-write and one read-only (its writes fail
#         with an I/O error); the target tree removed from
#         configfs (as a reboot would) and nova-volumed restarted: the
#         export and the host's access are back; volume_clear (a deleted
#         volume's bytes are not in the next one on the same extents); an
#         unprivileged user refused every change by polkitd.
#         Images: a qcow2 imported (the LV holds its disk), exported as
#         qcow2, a snapshot of it exported as raw. Backups of a thick LV
#         and its snapshot, restored into a new LV and over another.
#   tgt   lvm_type thin, iscsi_helper tgtadm with tgtd on 127.0.0.1:3260:
#         the same volume and connection checks, then tgtd killed and
#         started empty, nova-volumed restarted: exports and access back.
#         Images: a 1 GiB qcow2 and a 1 GiB raw image with 4 MiB of data
#         imported into thin LVs that allocate no more than that, and one
#         exported as raw that keeps its holes.
#
# Needs NOVA_VOLUME_BUILD_ROOT and NOVA_VOLUME_SOURCE_ROOT (run-guest.sh
# --env): the build tree the guest sees at the same path, so not under
# /tmp or /run.
# shellcheck disable=SC2317  # the checks' functions run through vm_check
set -u

# shellcheck source=tests/vm/guest-lib.sh
. "$NOVA_VM_LIB"

build=${NOVA_VOLUME_BUILD_ROOT:-}
src=${NOVA_VOLUME_SOURCE_ROOT:-}
vm_check system-bus vm_nova_setup "$build" "$src" || vm_finish
[ -f "$build/drivers/libnova-volume-driver-lvm-iscsi.so" ] || vm_skip "the lvm-iscsi driver is not built"
for c in tgtd tgtadm iscsiadm iscsid pvcreate gdbus runuser qemu-img qemu-io; do
  command -v "$c" >/dev/null || vm_skip "no $c in the guest (the host's root)"
done

vg=nova-volumes
portal=127.0.0.1:3260
bus_name=org.openstack.Volume1
user=nvuser
run=/run/nova-guest
lio=/sys/kernel/config/target
mib=4
mkdir -p "$run"
pattern=$run/pattern
other=$run/other
head -c $((mib * 1024 * 1024)) /dev/urandom >"$pattern"
head -c $((mib * 1024 * 1024)) /dev/urandom >"$other"

# --- small tools ----------------------------------------------------------------

# all_zero DEVICE: its first $mib MiB are zero
all_zero () {
  dd if="$1" bs=1M count="$mib" iflag=direct status=none | cmp -s -n $((mib * 1048576)) - /dev/zero
}

ctl () {
  vm_nova_ctl "$@"
}

volume_path () {
  echo "/org/openstack/Volume1/volumes/${1//-/_}"
}

snapshot_path () {
  echo "/org/openstack/Volume1/snapshots/${1//-/_}"
}

lv_of () {
  echo "/dev/$vg/volume-$1"
}

# lv_field LV FIELD: one lvs field, sizes in bytes
lv_field () {
  lvs --noheadings --nosuffix --units b -o "$2" "$vg/$1" 2>/dev/null | tr -d ' '
}

# volume_prop ID PROPERTY: the property as gdbus prints it
volume_prop () {
  timeout 30 gdbus call --system -d "$bus_name" -o "$(volume_path "$1")" \
    -m org.freedesktop.DBus.Properties.Get org.openstack.Volume1.Volume "$2"
}

# --- the daemon --------------------------------------------------------------------

pass=
conf=
state=

start_daemon () {
  vm_nova_start "$pass" "$conf" "$state"
}

stop_daemon () {
  vm_nova_stop
}

# new_pass NAME CONFIG-LINES...: the configuration and state of one pass
new_pass () {
  pass=$1
  shift
  conf=$run/$pass.conf
  state=$run/state-$pass
  mkdir -p "$state"
  {
    echo "[DEFAULT]"
    echo "volume_driver = lvm-iscsi"
    echo "volume_group = $vg"
    echo "iscsi_ip_address = 127.0.0.1"
    echo "iscsi_port = 3260"
    printf '%s\n' "$@"
  } >"$conf"
}

# --- open-iscsi as os-brick drives it: a node record, CHAP, login -----------------

initiator=
iqn=
user_name=
secret=
lun=

# connect ID: InitializeConnection through nova-volumectl (the initiator
# from /etc/iscsi/initiatorname.iscsi); sets iqn, user_name, secret, lun
connect () {
  local info
  info=$(ctl --json connect "$1") || return 1
  iqn=$(vm_json_field target_iqn <<<"$info")
  user_name=$(vm_json_field auth_username <<<"$info")
  secret=$(vm_json_field auth_password <<<"$info")
  lun=$(vm_json_field target_lun <<<"$info")
  vm_log "connection: $(vm_json_field target_portal <<<"$info") $iqn lun $lun user $user_name"
  [ "$(vm_json_field driver_volume_type <<<"$info")" = iscsi ] &&
    [ "$(vm_json_field target_portal <<<"$info")" = "$portal" ] &&
    [ "$(vm_json_field auth_method <<<"$info")" = CHAP ] &&
    [ -n "$iqn" ] && [ -n "$user_name" ] && [ -n "$secret" ]
}

node_set () {
  iscsiadm -m node -T "$iqn" -p "$portal" -o update -n "$1" -v "$2"
}

# node_record [SECRET]: the node record with the CHAP credentials; a
# session whose target went away gives up after 5 s instead of 120 (its
# disk would hold up every LVM scan meanwhile)
node_record () {
  iscsiadm -m node -T "$iqn" -p "$portal" -o new >/dev/null &&
    node_set node.session.timeo.replacement_timeout 5 &&
    node_set node.session.auth.authmethod CHAP &&
    node_set node.session.auth.username "$user_name" &&
    node_set node.session.auth.password "${1:-$secret}"
}

device=
# login: the session and its disk in $device
login () {
  device=
  timeout 60 iscsiadm -m node -T "$iqn" -p "$portal" --login || return 1
  vm_wait_for 20 vm_iscsi_device "$iqn" || return 1
  device=$(vm_iscsi_device "$iqn")
  vm_wait_for 10 test -b "$device" || return 1
  vm_log "logged in to $iqn: $device"
}

logout () {
  timeout 60 iscsiadm -m node -T "$iqn" -p "$portal" --logout >/dev/null || return 1
  ! vm_iscsi_device "$iqn" >/dev/null
}

# in_session COMMAND...: log in, run COMMAND with $device set, log out
# whatever it returned
in_session () {
  local status=0
  login || return 1
  "$@" || status=$?
  logout || return 1
  return "$status"
}

# the end of a pass: no session, no node record left
forget_nodes () {
  timeout 60 iscsiadm -m node --logoutall=all >/dev/null 2>&1
  timeout 60 iscsiadm -m node -o delete >/dev/null 2>&1
  return 0
}

# login_refused: a login fails, and leaves no session
login_refused () {
  local out status=0
  out=$(timeout 60 iscsiadm -m node -T "$iqn" -p "$portal" --login 2>&1) || status=$?
  vm_log "login (expected to fail), status $status: $out"
  if [ "$status" -eq 0 ]; then
    logout
    return 1
  fi
  ! vm_iscsi_device "$iqn" >/dev/null
}

# --- setup -----------------------------------------------------------------------

vm_phase "setup: LVM, system bus, polkitd, iscsid"
vm_setup_lvm
vm_check pv-vg vm_make_vg "$vg"

setup_bus () {
  mkdir -p /usr/share/polkit-1/actions &&
    install -m 644 "$build/data/org.openstack.volume1.policy" /usr/share/polkit-1/actions/ &&
    vm_start_polkitd &&
    pkaction --action-id org.openstack.volume1.manage-volumes >/dev/null
}
vm_check system-bus-polkitd setup_bus
vm_check iscsid vm_start_iscsid
vm_check unprivileged-user vm_add_user "$user"
initiator=$(sed -n 's/^InitiatorName=//p' /etc/iscsi/initiatorname.iscsi)
vm_log "initiator: $initiator"

# ============================================================================
# pass 1: LIO, thick volumes
# ============================================================================

vm_phase "lio: daemon"
new_pass lio "iscsi_helper = lioadm" "lvm_type = default" "volume_clear = zero"
vm_check lio-daemon-starts start_daemon

# the volumes (a b c d e) and the snapshot (s) of a pass
a='' s='' b='' c='' d='' e=''

vm_phase "lio: volumes"
create_thick () {
  a=$(ctl create 16M --name a) || return 1
  [ "$(lv_field "volume-$a" lv_size)" = $((16 * 1048576)) ] &&
    [ "$(lv_field "volume-$a" segtype)" = linear ]
}
vm_check lio-create-thick create_thick

vm_phase "lio: connection"
lio_connect () {
  connect "$a" && [ "$lun" = 0 ] && [ -d "$lio/iscsi/$iqn/tpgt_1/acls/$initiator" ]
}
vm_check lio-initialize-connection lio_connect

# write_and_read: log in, write the pattern, log out, log in again: the
# same bytes through the new session and on the LV itself
write_pattern () {
  vm_write_bytes "$pattern" "$device"
}
read_pattern () {
  vm_same_bytes "$device" "$pattern"
}
write_and_read () {
  node_record && in_session write_pattern && in_session read_pattern &&
    vm_same_bytes "$(lv_of "$a")" "$pattern"
}
vm_check lio-login-write-read write_and_read

wrong_password () {
  node_record "not-${secret}" && login_refused && node_record
}
vm_check lio-wrong-chap-refused wrong_password

vm_phase "lio: multi-attach, one host read-only"
# volume $a's connection, which the restart below expects back
a_iqn=$iqn a_user=$user_name a_secret=$secret
# a second initiator in this guest: an open-iscsi iface with a name of its
# own, so that LIO sees two hosts on one target
reader_iqn=iqn.2026-12.org.openstack.test:reader
uuid_w=0c36f3a2-5d29-4f4c-a0f5-6a5e8c7b9d10
uuid_r=9b1f7f1e-2a4d-4e57-8c55-3f0e6f7a1b22
reader_iface () {
  iscsiadm -m iface -I reader -o new >/dev/null &&
    iscsiadm -m iface -I reader -o update -n iface.initiatorname -v "$reader_iqn" >/dev/null
}
vm_check lio-second-initiator reader_iface

# session_device IFACE: the disk of the session to $iqn through that iface
session_device () {
  local session dev
  for session in /sys/class/iscsi_session/session*; do
    [ "$(cat "$session/targetname" 2>/dev/null)" = "$iqn" ] || continue
    [ "$(cat "$session/ifacename" 2>/dev/null)" = "$1" ] || continue
    for dev in "$session"/device/target*/*/block/*; do
      [ -e "$dev" ] || continue
      echo "/dev/${dev##*/}"
      return 0
    done
  done
  return 1
}

# a volume for several instances, attached read-write to one and
# read-only to the other, each on its own host
multi_attach () {
  m=$(ctl create 8M --multiattach --name shared) || return 1
  ctl attach "$m" "$uuid_w" /dev/vdb --host writer-host >/dev/null &&
    ctl attach "$m" "$uuid_r" /dev/vdc --host reader-host --mode ro >/dev/null &&
    volume_prop "$m" Status | grep -q "'in-use'"
}
vm_check lio-multiattach multi_attach

# each host connects: access_mode as attached, and LIO write-protects the
# reader's mapped LUN only
multi_connect () {
  local w r
  w=$(ctl --json connect --host writer-host "$m") || return 1
  r=$(ctl --json connect --host reader-host --initiator "$reader_iqn" "$m") || return 1
  iqn=$(vm_json_field target_iqn <<<"$w")
  user_name=$(vm_json_field auth_username <<<"$w")
  secret=$(vm_json_field auth_password <<<"$w")
  vm_log "writer: access_mode $(vm_json_field access_mode <<<"$w"); reader: $(vm_json_field access_mode <<<"$r")"
  [ "$(vm_json_field access_mode <<<"$w")" = rw ] && [ "$(vm_json_field access_mode <<<"$r")" = ro ] &&
    [ "$(cat "$lio/iscsi/$iqn/tpgt_1/acls/$reader_iqn/lun_0/write_protect")" = 1 ] &&
    [ "$(cat "$lio/iscsi/$iqn/tpgt_1/acls/$initiator/lun_0/write_protect")" = 0 ]
}
vm_check lio-multiattach-connect multi_connect

# iface_node IFACE: a node record of $iqn through that iface, with the
# CHAP credentials. The portal with its group tag (LIO's is 1): without
# one, open-iscsi keeps one record per portal, and the second iface's
# would replace the first's.
iface_node () {
  iscsiadm -m node -T "$iqn" -p "$portal,1" -I "$1" -o new >/dev/null || return 1
  local setting
  for setting in "node.session.timeo.replacement_timeout 5" "node.session.auth.authmethod CHAP" \
                 "node.session.auth.username $user_name" "node.session.auth.password $secret"; do
    # shellcheck disable=SC2086 # name and value
    set -- "$1" $setting
    iscsiadm -m node -T "$iqn" -p "$portal" -I "$1" -o update -n "$2" -v "$3" || return 1
  done
}
iface_login () {
  vm_log "login through iface $1"
  timeout 60 iscsiadm -m node -T "$iqn" -p "$portal" -I "$1" --login >/dev/null &&
    vm_wait_for 20 session_device "$1"
}
both_login () {
  iface_node default && iface_node reader && iface_login default && iface_login reader &&
    vm_log "writer's disk $(session_device default), reader's $(session_device reader)"
}
vm_check lio-multiattach-two-sessions both_login

# the writer writes; the reader reads those bytes, and its own write fails
# with an I/O error, leaving them as they were
writer_writes_reader_reads () {
  vm_write_bytes "$pattern" "$(session_device default)" && vm_same_bytes "$(session_device reader)" "$pattern"
}
vm_check lio-multiattach-writer-writes-reader-reads writer_writes_reader_reads
reader_write_fails () {
  local out
  if out=$(dd if="$other" of="$(session_device reader)" bs=1M count=1 oflag=direct conv=fsync 2>&1); then
    vm_log "the read-only host wrote: $out"
    return 1
  fi
  vm_log "the read-only host's write failed: $out"
  vm_same_bytes "$(lv_of "$m")" "$pattern"
}
vm_check lio-multiattach-reader-write-refused reader_write_fails

# the sessions end; both hosts stay connected and attached through the
# restart below, which must bring the read-only one back read-only
multi_logout () {
  timeout 60 iscsiadm -m node -T "$iqn" -p "$portal" -I reader --logout >/dev/null &&
    timeout 60 iscsiadm -m node -T "$iqn" -p "$portal" -I default --logout >/dev/null &&
    iscsiadm -m node -T "$iqn" -p "$portal" -I reader -o delete >/dev/null &&
    iscsiadm -m node -T "$iqn" -p "$portal" -I default -o delete >/dev/null &&
    iscsiadm -m iface -I reader -o delete >/dev/null
}
vm_check lio-multiattach-logout multi_logout
m_iqn=$iqn
iqn=$a_iqn user_name=$a_user secret=$a_secret

vm_phase "lio: snapshot, from snapshot, clone, extend"
# the snapshot keeps the pattern; the volume then gets other bytes
snapshot_then_write () {
  s=$(ctl snapshot "$a" --name s) || return 1
  # LVM reserves names starting with "snapshot": the driver adds a '_'
  [ -n "$(lv_field "_snapshot-$s" lv_name)" ] && vm_write_bytes "$other" "$(lv_of "$a")"
}
vm_check lio-snapshot snapshot_then_write

from_snapshot () {
  b=$(ctl create --snapshot "$s" --name b) || return 1
  [ "$(lv_field "volume-$b" lv_size)" = $((16 * 1048576)) ] && vm_same_bytes "$(lv_of "$b")" "$pattern"
}
vm_check lio-volume-from-snapshot from_snapshot

clone () {
  c=$(ctl create --source-volume "$a" --name c) || return 1
  vm_same_bytes "$(lv_of "$c")" "$other"
}
vm_check lio-clone clone

extend () {
  ctl extend "$1" "$2" && [ "$(lv_field "volume-$1" lv_size)" = "$3" ] &&
    volume_prop "$1" Size | grep -q "uint64 $3"
}
# LVM grows a thick origin only while it is inactive: refused, in words,
# and the volume stays as it was
extend_refused () {
  local out
  out=$(ctl extend "$a" 24M 2>&1) && return 1
  vm_log "extend refused: $out"
  grep -q 'has snapshots' <<<"$out" && [ "$(lv_field "volume-$a" lv_size)" = $((16 * 1048576)) ] &&
    volume_prop "$a" Size | grep -q "uint64 $((16 * 1048576))" &&
    volume_prop "$a" Status | grep -q "'available'"
}
vm_check lio-extend-with-snapshot-refused extend_refused
vm_check lio-extend extend "$c" 24M $((24 * 1048576))

vm_phase "lio: restart"
# what a reboot leaves of LIO: nothing. Every target and backstore goes,
# in the order the kernel needs.
lio_clear () {
  local t tpg l m
  for t in "$lio"/iscsi/iqn.*; do
    [ -d "$t" ] || continue
    for tpg in "$t"/tpgt_*; do
      echo 0 >"$tpg/enable"
      for m in "$tpg"/acls/*/lun_*; do
        [ -d "$m" ] || continue
        find "$m" -maxdepth 1 -type l -delete
        rmdir "$m"
      done
      for m in "$tpg"/acls/*; do
        [ -d "$m" ] && rmdir "$m"
      done
      for l in "$tpg"/lun/lun_*; do
        [ -d "$l" ] || continue
        find "$l" -maxdepth 1 -type l -delete
        rmdir "$l"
      done
      for m in "$tpg"/np/*; do
        [ -d "$m" ] && rmdir "$m"
      done
      rmdir "$tpg"
    done
    rmdir "$t"
  done
  for l in "$lio"/core/iblock_*/*; do
    [ -d "$l" ] && rmdir "$l"
  done
  for l in "$lio"/core/iblock_*; do
    [ -d "$l" ] && rmdir "$l"
  done
  ! ls -d "$lio"/iscsi/iqn.* 2>/dev/null
}
vm_check lio-targets-removed lio_clear

export_missing () {
  ! ctl check-export "$a"
}
vm_check lio-check-export-fails-without-target export_missing

# restart: nova-volumed again; its init_host restored the exports and
# the one recorded connection
# restart N: init_host says it restored N connections
restart () {
  stop_daemon && start_daemon &&
    grep 'init_host: ' "$NOVA_VM_WORKDIR/nova-volumed-$pass.log" | tail -n 1 |
    grep -q "(0 failed), $1 connections restored"
}
# volume a's host, and the multiattach volume's two
vm_check lio-daemon-restarts restart 3
vm_check lio-check-export-after-restart ctl check-export "$a"

# the multiattach volume's two hosts are back, the reader read-only
multi_after_restart () {
  [ "$(cat "$lio/iscsi/$m_iqn/tpgt_1/acls/$reader_iqn/lun_0/write_protect")" = 1 ] &&
    [ "$(cat "$lio/iscsi/$m_iqn/tpgt_1/acls/$initiator/lun_0/write_protect")" = 0 ] &&
    [ "$(volume_prop "$m" Attachments | grep -o attachments/ | wc -l)" = 2 ]
}
vm_check lio-multiattach-after-restart multi_after_restart
multi_end () {
  ctl disconnect --host reader-host --initiator "$reader_iqn" "$m" &&
    ctl disconnect --host writer-host "$m" &&
    ctl detach "$m" "$uuid_r" && volume_prop "$m" Status | grep -q "'in-use'" &&
    ctl detach "$m" "$uuid_w" && volume_prop "$m" Status | grep -q "'available'" &&
    ctl delete "$m" && [ ! -d "$lio/iscsi/$m_iqn" ]
}
vm_check lio-multiattach-detach-delete multi_end

# the node record still holds the credentials InitializeConnection gave
read_other () {
  vm_same_bytes "$device" "$other"
}
read_again () {
  in_session read_other
}
vm_check lio-login-after-restart read_again

vm_phase "lio: terminate connection"
disconnect () {
  ctl disconnect "$a" && login_refused
}
vm_check lio-terminate-connection-refuses-login disconnect

vm_phase "lio: revert"
# thick: the snapshot merged into the volume (the backstore down for it)
# and taken again; the bytes are the snapshot's, the export is back
revert_thick () {
  ctl revert "$s" && vm_same_bytes "$(lv_of "$a")" "$pattern" &&
    [ -n "$(lv_field "_snapshot-$s" lv_name)" ] && ctl check-export "$a" &&
    [ "$(ctl --json show "$a" | vm_json_field Status)" = available ]
}
vm_check lio-revert revert_thick

vm_phase "lio: online extend"
# logged in to the clone c, which grows: LIO's backstore follows the LV,
# a rescan of the session shows the new size, the bytes stay
size_is () {
  [ "$(blockdev --getsize64 "$1")" = "$2" ]
}
grow_seen () {
  local before
  before=$(blockdev --getsize64 "$device")
  ctl extend "$grown" "$1" || return 1
  timeout 60 iscsiadm -m session -R >/dev/null || return 1
  vm_wait_for 20 size_is "$device" "$2" || return 1
  vm_log "the session saw $before bytes; after the rescan $(blockdev --getsize64 "$device")"
  vm_same_bytes "$device" "$other"
}
online_extend () {
  grown=$1
  connect "$grown" && node_record && in_session grow_seen "$2" "$3" && ctl disconnect "$grown"
}
vm_check lio-online-extend online_extend "$c" 32M $((32 * 1048576))

vm_phase "lio: volume_clear"
# the pattern in a thick volume; deleted; a new volume of the same size
# gets the same extents, and none of the pattern
volume_clear () {
  local ranges
  d=$(ctl create 16M --name d) || return 1
  vm_write_bytes "$pattern" "$(lv_of "$d")" && vm_same_bytes "$(lv_of "$d")" "$pattern" || return 1
  ranges=$(lv_field "volume-$d" seg_pe_ranges)
  ctl delete "$d" || return 1
  e=$(ctl create 16M --name e) || return 1
  vm_log "extents of d: $ranges; of e: $(lv_field "volume-$e" seg_pe_ranges)"
  [ "$(lv_field "volume-$e" seg_pe_ranges)" = "$ranges" ] && ! vm_same_bytes "$(lv_of "$e")" "$pattern" &&
    all_zero "$(lv_of "$e")"
}
vm_check lio-volume-clear volume_clear

vm_phase "lio: backups"
# the thick volume a (the pattern again since the revert) and its snapshot
# into the daemon's repository, read from the LVs; restored into a new LV
# and over one that holds other bytes, written through the LV's device
backups () {
  local k ks r
  k=$(ctl backup "$a" --name a-backup) || return 1
  ks=$(ctl backup "$s" --incremental) || return 1
  [ "$(ctl --json show "$ks" | vm_json_field StoredBytes)" = 0 ] || return 1
  r=$(ctl restore "$ks" --name r) || return 1
  vm_same_bytes "$(lv_of "$r")" "$pattern" || return 1
  vm_write_bytes "$other" "$(lv_of "$r")" && ctl restore "$k" --to "$r" && vm_same_bytes "$(lv_of "$r")" "$pattern" &&
    ctl backup-verify "$k" >/dev/null && ctl backup-delete "$ks" && ctl backup-delete "$k" && ctl delete "$r"
}
vm_check lio-backups backups

vm_phase "lio: polkit"
# calls as the unprivileged user; each must be refused by polkit
out=
as_user () {
  out=$(runuser -u "$user" -- timeout 30 gdbus call --system -d "$bus_name" "$@" 2>&1)
}

refused () {
  local name=$1
  shift
  if as_user "$@"; then
    vm_fail "$name" "allowed: $out"
  elif grep -Eq 'org\.openstack\.Volume1\.Error\.NotAuthorized(CanObtain)?' <<<"$out"; then
    vm_pass "$name"
  else
    vm_fail "$name" "not a NotAuthorized refusal: $out"
  fi
}

what_there_is () {
  ctl --json list && lvs --noheadings -o lv_name "$vg" && ls "$lio/iscsi"
}
before=$(what_there_is 2>&1)
connector="{'initiator': <'$initiator'>, 'ip': <'127.0.0.1'>, 'host': <'guest'>}"
refused polkit-create-refused -o /org/openstack/Volume1/Manager \
  -m org.openstack.Volume1.Manager.CreateVolume 16777216 "{}"
refused polkit-delete-refused -o "$(volume_path "$c")" -m org.openstack.Volume1.Volume.Delete "{}"
refused polkit-extend-refused -o "$(volume_path "$c")" -m org.openstack.Volume1.Volume.Extend 33554432 "{}"
refused polkit-snapshot-refused -o "$(volume_path "$c")" -m org.openstack.Volume1.Volume.CreateSnapshot "{}"
refused polkit-snapshot-delete-refused -o "$(snapshot_path "$s")" -m org.openstack.Volume1.Snapshot.Delete "{}"
refused polkit-attach-refused -o "$(volume_path "$c")" \
  -m org.openstack.Volume1.Volume.Attach 9b1f7f1e-2a4d-4e57-8c55-3f0e6f7a1b22 /dev/vdb "{}"
refused polkit-initialize-connection-refused -o "$(volume_path "$c")" \
  -m org.openstack.Volume1.Volume.InitializeConnection "$connector"
vm_check polkit-reading-allowed as_user -o /org/openstack/Volume1 \
  -m org.freedesktop.DBus.ObjectManager.GetManagedObjects
nothing_changed () {
  local after
  after=$(what_there_is 2>&1)
  [ "$after" = "$before" ] || { vm_log "before: $before"; vm_log "after: $after"; return 1; }
}
vm_check polkit-nothing-changed nothing_changed

vm_phase "lio: images in and out"
image=$run/image.qcow2
make_image () {
  rm -f "$image" && qemu-img create -q -f qcow2 "$image" 64M &&
    qemu-io -f qcow2 -c "write -q -P 0x5a 1M 2M" -c "write -q -P 0xa5 40M 1M" "$image" >/dev/null
}
import_qcow2 () {
  i=$(ctl create --image "$image" --format qcow2 --name img) || return 1
  qemu-img compare -q -f qcow2 -F raw "$image" "$(lv_of "$i")"
}
export_qcow2 () {
  rm -f "$run/out.qcow2" && ctl export "$i" "$run/out.qcow2" --format qcow2 &&
    qemu-img compare -q -f qcow2 -F qcow2 "$run/out.qcow2" "$image"
}
export_snapshot () {
  is=$(ctl snapshot "$i" --name imgsnap) || return 1
  rm -f "$run/snap.raw" && ctl export "$is" "$run/snap.raw" &&
    qemu-img compare -q -f raw -F qcow2 "$run/snap.raw" "$image"
}
delete_images () {
  ctl delete "$is" && ctl delete "$i"
}
vm_check lio-image-made make_image
vm_check lio-import-qcow2 import_qcow2
vm_check lio-export-qcow2 export_qcow2
vm_check lio-export-snapshot export_snapshot
vm_check lio-images-deleted delete_images

vm_phase "lio: sizes and deletes on what LVM says"
# the size of a new LV is LVM's (whole 4 MiB extents), not read back;
# lvremove goes first, and only its refusal is looked into: an open LV
# is Busy and stays
lvm_says () {
  local f holder out
  f=$(ctl create 10M --name f) || return 1
  [ "$(lv_field "volume-$f" lv_size)" = $((12 * 1048576)) ] &&
    volume_prop "$f" Size | grep -q "uint64 $((12 * 1048576))" || return 1
  sleep 600 9<"$(lv_of "$f")" &
  holder=$!
  if out=$(ctl delete "$f" 2>&1); then
    kill "$holder"
    return 1
  fi
  kill "$holder"
  wait "$holder" 2>/dev/null
  vm_log "delete while open: $out"
  grep -q 'still open on this host' <<<"$out" && [ -n "$(lv_field "volume-$f" lv_name)" ] &&
    volume_prop "$f" Status | grep -q "'available'" || return 1
  ctl delete "$f" && [ -z "$(lv_field "volume-$f" lv_name)" ]
}
vm_check lio-lvm-says lvm_says

# room taken behind the daemon's back: its figures (a refresh old) may
# still show it, and lvcreate refuses then; either way NoSpace, and no
# volume and no LV are left of the create
space_taken_outside () {
  local free out lvs_before
  lvs_before=$(lvs --noheadings -o lv_name "$vg" | sort)
  free=$(vgs --noheadings --nosuffix --units m -o vg_free "$vg" | tr -d ' ' | cut -d. -f1)
  lvcreate -q -y -Wn -L $((free - 8))M -n outsider "$vg" >/dev/null || return 1
  out=$(ctl create 64M --name too-big 2>&1)
  local status=$?
  lvremove -q -y "$vg/outsider" >/dev/null
  vm_log "create with the room taken: $out"
  [ "$status" != 0 ] && grep -q '(NoSpace)' <<<"$out" && ! ctl list 2>/dev/null | grep -q too-big &&
    [ "$(lvs --noheadings -o lv_name "$vg" | sort)" = "$lvs_before" ]
}
vm_check lio-space-taken-outside space_taken_outside

vm_phase "lio: delete everything"
delete_all () {
  local id
  for id in "$b" "$c" "$e" "$s" "$a"; do
    ctl delete "$id" || return 1
  done
  [ -z "$(lvs --noheadings -o lv_name "$vg")" ] && ! ls -d "$lio"/iscsi/iqn.* 2>/dev/null &&
    ! ls -d "$lio"/core/iblock_* 2>/dev/null
}
vm_check lio-delete-all delete_all
forget_nodes
vm_check lio-daemon-stops stop_daemon
# whatever a failure above left must not hold the portal tgtd wants
lio_clear >/dev/null 2>&1

# ============================================================================
# pass 2: tgt, thin volumes
# ============================================================================

vm_phase "tgt: tgtd, daemon"
start_tgtd () { vm_start_tgtd "$portal"; }
stop_tgtd () { vm_stop_tgtd "$portal"; }
vm_check tgtd-starts start_tgtd
new_pass tgt "iscsi_helper = tgtadm" "lvm_type = thin"
vm_check tgt-daemon-starts start_daemon

vm_phase "tgt: volumes"
create_thin () {
  a=$(ctl create 16M --name ta) || return 1
  [ "$(lv_field "volume-$a" lv_size)" = $((16 * 1048576)) ] &&
    [ "$(lv_field "volume-$a" segtype)" = thin ] && [ "$(lv_field "volume-$a" pool_lv)" = "$vg-pool" ]
}
vm_check tgt-create-thin create_thin

vm_phase "tgt: connection"
tgt_connect () {
  connect "$a" && [ "$lun" = 1 ] && tgtadm --op show --mode target | grep -q "$initiator"
}
vm_check tgt-initialize-connection tgt_connect
vm_check tgt-login-write-read write_and_read
vm_check tgt-wrong-chap-refused wrong_password

# tgt's one LUN serves every initiator alike: a read-only attachment is
# refused in words, a read-write one taken
tgt_ro_refused () {
  local out
  out=$(ctl attach "$a" 0c36f3a2-5d29-4f4c-a0f5-6a5e8c7b9d10 /dev/vdb --mode ro 2>&1) && return 1
  vm_log "ro refused: $out"
  grep -q 'NotSupported' <<<"$out" && volume_prop "$a" Status | grep -q "'available'"
}
vm_check tgt-read-only-attach-refused tgt_ro_refused

vm_phase "tgt: snapshot, from snapshot, clone, extend"
vm_check tgt-snapshot snapshot_then_write
vm_check tgt-volume-from-snapshot from_snapshot
vm_check tgt-clone clone
# online: logged in to a while it grows; tgt's LUN made again, the
# session kept, a rescan shows the new size
grow_a () {
  grown=$a
  grow_seen "$@"
}
vm_check tgt-online-extend in_session grow_a 32M $((32 * 1048576))
committed () {
  [ "$(lv_field "volume-$1" lv_size)" = "$2" ] && volume_prop "$1" Size | grep -q "uint64 $2"
}
vm_check tgt-extend-committed committed "$a" $((32 * 1048576))

vm_phase "tgt: restart"
restart_tgtd () {
  stop_tgtd && start_tgtd && ! tgtadm --op show --mode target | grep -q .
}
vm_check tgt-tgtd-restarts-empty restart_tgtd
vm_check tgt-check-export-fails-without-target export_missing
vm_check tgt-daemon-restarts restart 1
vm_check tgt-check-export-after-restart ctl check-export "$a"
vm_check tgt-login-after-restart read_again

vm_phase "tgt: terminate connection"
vm_check tgt-terminate-connection-refuses-login disconnect

vm_phase "tgt: revert"
# the volume grew since s: refused, in words
revert_refused_size () {
  local out
  out=$(ctl revert "$s" 2>&1) && return 1
  vm_log "revert refused: $out"
  [[ $out == *"create a volume from the snapshot instead"* ]]
}
vm_check tgt-revert-refused-after-extend revert_refused_size
# thin: a thin snapshot of the snapshot swapped in under the volume's
# name, the target made again on it. On the clone c: LVM forgets the
# origin of a swapped volume's other snapshots, and the recovery below
# wants to find s as a's
revert_thin () {
  local s2
  s2=$(ctl snapshot "$c" --name s2) || return 1
  vm_write_bytes "$pattern" "$(lv_of "$c")" && ctl revert "$c" "$s2" &&
    vm_same_bytes "$(lv_of "$c")" "$other" && ctl check-export "$c" &&
    [ -z "$(lv_field "volume-$c.reverted" lv_name)" ] && ctl delete "$s2"
}
vm_check tgt-revert revert_thin

vm_phase "tgt: a lost store, recovered"
# the store lost and the host rebooted (tgtd holds none of the old
# targets): a start is refused, naming --recover
lost_store () {
  local out
  stop_daemon && restart_tgtd || return 1
  rm -f "$state/nova-volume.db" "$state/nova-volume.db-wal" "$state/nova-volume.db-shm"
  out=$(timeout 60 "$VM_NOVA_VOLUMED" --config "$conf" --state-dir "$state" 2>&1 </dev/null)
  vm_log "without --recover: $out"
  [[ $out == *"nova-volumed --recover"* ]]
}
vm_check tgt-lost-store-refused lost_store
# --recover records the volumes and the snapshot again from the volume
# group, each with a new export
recovered () {
  vm_nova_start "$pass" "$conf" "$state" --recover &&
    [ "$(ctl --json show "$a" | vm_json_field Status)" = available ] &&
    [ "$(ctl --json show "$a" | vm_json_field Size)" = $((32 * 1048576)) ] &&
    [ "$(ctl --json show "$s" | vm_json_field Status)" = available ] &&
    grep 'recover: recorded' "$NOVA_VM_WORKDIR/nova-volumed-$pass.log" | tail -n 1 |
    grep -q 'snapshots again; 0 snapshots left'
}
vm_check tgt-recover recovered
# a host connects to the recovered volume and reads what was written before
recovered_read () {
  connect "$a" && node_record && in_session read_other && ctl disconnect "$a"
}
vm_check tgt-recovered-login-read recovered_read

vm_phase "tgt: images into thin volumes"
# 1 GiB disks with 4 MiB of data: the thin LV allocates about that
big=$run/big.qcow2
make_big_images () {
  rm -f "$big" "$run/big.raw" && qemu-img create -q -f qcow2 "$big" 1G &&
    qemu-io -f qcow2 -c "write -q -P 0x5a 512M 4M" "$big" >/dev/null &&
    qemu-img convert -f qcow2 -O raw "$big" "$run/big.raw"
}
# allocated ID: the bytes its thin LV has allocated
allocated () {
  local pct size
  pct=$(lv_field "volume-$1" data_percent) && size=$(lv_field "volume-$1" lv_size) || return 1
  awk -v p="$pct" -v s="$size" 'BEGIN { printf "%d\n", p * s / 100 }'
}
stays_thin () {
  local used
  used=$(allocated "$1") || return 1
  vm_log "volume $1: $used bytes allocated of $(lv_field "volume-$1" lv_size)"
  [ "$used" -le $((16 * 1048576)) ]
}
thin_import_qcow2 () {
  tq=$(ctl create --image "$big" --format qcow2 --name bigq) || return 1
  stays_thin "$tq" && qemu-img compare -q -f qcow2 -F raw "$big" "$(lv_of "$tq")"
}
thin_import_raw () {
  tr_=$(ctl create --image "$run/big.raw" --name bigr) || return 1
  stays_thin "$tr_" && cmp -s "$run/big.raw" "$(lv_of "$tr_")"
}
thin_export_keeps_holes () {
  local kib
  rm -f "$run/big-out.raw" && ctl export "$tq" "$run/big-out.raw" || return 1
  kib=$(du -k "$run/big-out.raw" | cut -f1)
  vm_log "exported raw image: $kib KiB on disk"
  [ "$kib" -le $((16 * 1024)) ] && cmp -s "$run/big-out.raw" "$run/big.raw"
}
delete_big () {
  ctl delete "$tq" && ctl delete "$tr_"
}
vm_check tgt-image-made make_big_images
vm_check tgt-import-qcow2-stays-thin thin_import_qcow2
vm_check tgt-import-raw-stays-thin thin_import_raw
vm_check tgt-export-keeps-holes thin_export_keeps_holes
vm_check tgt-images-deleted delete_big

vm_phase "tgt: delete everything"
tgt_delete_all () {
  local id
  for id in "$b" "$c" "$s" "$a"; do
    ctl delete "$id" || return 1
  done
  [ "$(lvs --noheadings -o lv_name "$vg" | tr -d ' ')" = "$vg-pool" ] &&
    ! tgtadm --op show --mode target | grep -q .
}
vm_check tgt-delete-all tgt_delete_all
# the pool, empty now, removed behind the daemon's back: the next create
# (the driver looks for the pool before its first create only) makes it
# again and goes on
pool_made_again () {
  local p
  lvremove -y "$vg/$vg-pool" >/dev/null 2>&1 || return 1
  p=$(ctl create 8M --name tp) || return 1
  [ "$(lv_field "volume-$p" pool_lv)" = "$vg-pool" ] && ctl delete "$p" &&
    [ "$(lvs --noheadings -o lv_name "$vg" | tr -d ' ')" = "$vg-pool" ]
}
vm_check tgt-pool-made-again pool_made_again
forget_nodes
vm_check tgt-daemon-stops stop_daemon
stop_tgtd

vm_phase_summary
vm_finish
