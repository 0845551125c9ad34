# shellcheck shell=bash
# tests/vm/aoe-guest.sh: the aoe driver end to end, run inside the guest by
# tests/vm/run-guest.sh with one --disk (meson: guest-aoe). This build's
# nova-volumed runs as root on the guest's system bus (root needs no
# polkitd) with volume_driver = aoe on the volume group nova-volumes, and
# exports on one end of a veth pair; the kernel's aoe initiator listens on
# the other end, so no AoE frame leaves the guest. Checked:
#
#   - InitializeConnection gives {driver_volume_type aoe, target_shelf,
#     target_lun, target_discovered}; aoe-discover finds
#     /dev/etherd/e<shelf>.<blade>; bytes written through it are the LV's;
#   - the vblade killed: the driver starts it again (a new PID, the same
#     address) and the bytes read through AoE are the same;
#   - nova-volumed stopped: the vblade keeps serving, and the restarted
#     daemon adopts it (same PID); vblade killed while the daemon was down:
#     the restarted daemon exports it again;
#   - another vblade ("another storage host", on the peer end) answering for
#     the next address: the create is refused with an error naming
#     e<shelf>.<blade> and the responder's MAC, and nothing is started; one
#     on this host's end (which the query cannot see): refused by its PID;
#   - Delete (remove_export) stops that volume's vblade and no other (a
#     vblade on another shelf on the same interface keeps running);
#   - the seed's promise: written by one instance, connection terminated,
#     detached, attached to another instance, connected again: same bytes.
#   - two backends on the one volume group at once, lvm-iscsi (LIO) and aoe
#     (its own name template): each volume exported by its own backend, and
#     a volume written on its LV migrated from lvm-iscsi to aoe, read back
#     through /dev/etherd.
#
# Needs NOVA_VOLUME_BUILD_ROOT and NOVA_VOLUME_SOURCE_ROOT (run-guest.sh
# --env): the build tree the guest sees at the same path.
# shellcheck disable=SC2317  # the checks' functions run through vm_check
set -u

# shellcheck source=tests/vm/guest-lib.sh
. "$NOVA_VM_LIB"

build=${NOVA_VOLUME_BUILD_ROOT:-}
src=${NOVA_VOLUME_SOURCE_ROOT:-}
vm_check system-bus vm_nova_setup "$build" "$src" || vm_finish
[ -f "$build/drivers/libnova-volume-driver-aoe.so" ] || vm_skip "the aoe driver is not built"
for c in vblade aoe-discover pvcreate ip pgrep; do
  command -v "$c" >/dev/null || vm_skip "no $c in the guest (the host's root; tools/deps.sh installs it)"
done

vg=nova-volumes
shelf=7
# the veth pair: nova-volumed's end and the initiator's (named with
# "name": `ip link add a ...` would read "a" as "address")
target_if=nvaoe0
initiator_if=nvaoe1
run=/run/nova-guest
conf=$run/aoe.conf
state=$run/state
mib=2
mkdir -p "$run" "$state"
pattern=$run/pattern
other=$run/other
head -c $((mib * 1048576)) /dev/urandom >"$pattern"
head -c $((mib * 1048576)) /dev/urandom >"$other"

ctl () {
  vm_nova_ctl "$@"
}

lv_of () {
  echo "/dev/$vg/volume-$1"
}

# vblade_pid BLADE: the PID of the vblade serving e$shelf.BLADE on our end
vblade_pid () {
  pgrep -x -f "vblade $shelf $1 $target_if .*" | head -n 1
}

# gone PID: exited (a zombie that nobody reaped yet counts)
gone () {
  ! kill -0 "$1" 2>/dev/null || grep -q '^[0-9]* (.*) Z' "/proc/$1/stat" 2>/dev/null
}

# --- setup -----------------------------------------------------------------

vm_phase "setup: LVM, veth, aoe, daemon"
vm_setup_lvm
# the initiator's /dev/etherd disks are on this machine too: LVM's scan
# must not read them (a read of an address whose vblade is gone waits for
# aoe_deadsecs), as on any storage host that also attaches AoE disks
sed -i 's|^devices {|devices {\n\tglobal_filter = [ "r\|^/dev/etherd/\|" ]|' /etc/lvm/lvmlocal.conf
vm_check pv-vg vm_make_vg "$vg"

network () {
  ip link add name "$target_if" type veth peer name "$initiator_if" &&
    ip link set "$target_if" up && ip link set "$initiator_if" up &&
    # a failure must end in an error well within the test's time, not
    # after the default 180 s of retransmits
    modprobe aoe aoe_iflist="$initiator_if" aoe_deadsecs=30 &&
    vm_wait_for 10 test -c /dev/etherd/discover
}
vm_check veth-and-aoe-initiator network

cat >"$conf" <<EOF
[DEFAULT]
volume_driver = nova.volume.driver.AOEDriver
volume_group = $vg
volume_clear = none
aoe_eth_dev = $target_if
aoe_shelf = $shelf
aoe_blades_per_shelf = 4
EOF
start_daemon () {
  vm_nova_start aoe "$conf" "$state"
}
vm_check daemon-starts start_daemon

# --- export and connection ---------------------------------------------------

vm_phase "export, connection, AoE I/O"
a=''
device=''

# connect ID BLADE: InitializeConnection as Nova's libvirt AoE driver
# takes it, then aoe-discover and the device
connect () {
  local info
  info=$(ctl --json connect "$1") || return 1
  vm_log "connection: $(tr -d '\n' <<<"$info")"
  [ "$(vm_json_field driver_volume_type <<<"$info")" = aoe ] &&
    [ "$(vm_json_field target_shelf <<<"$info")" = "$shelf" ] &&
    [ "$(vm_json_field target_lun <<<"$info")" = "$2" ] &&
    [ "$(vm_json_field target_discovered <<<"$info")" = false ] || return 1
  device=/dev/etherd/e$shelf.$2
  aoe-discover && vm_wait_for 20 test -b "$device"
}

create_a () {
  a=$(ctl create 16M --name a) || return 1
  [ -n "$(vblade_pid 0)" ] && ctl check-export "$a"
}
vm_check create-exports create_a
vm_check initialize-connection connect "$a" 0

write_read () {
  vm_write_bytes "$pattern" "$device" && vm_same_bytes "$device" "$pattern" &&
    vm_same_bytes "$(lv_of "$a")" "$pattern"
}
vm_check aoe-write-read write_read

# --- supervision ---------------------------------------------------------------

vm_phase "vblade killed"
vblade_restarted () {
  local old new
  old=$(vblade_pid 0)
  [ -n "$old" ] && kill -KILL "$old" || return 1
  # shellcheck disable=SC2016
  vm_wait_for 20 sh -c 'p=$(pgrep -x -f "$1"); [ -n "$p" ] && [ "$p" != "$2" ]' _ \
    "vblade $shelf 0 $target_if .*" "$old" || return 1
  new=$(vblade_pid 0)
  vm_log "vblade $old killed; now $new"
  vm_same_bytes "$device" "$pattern" && ctl check-export "$a"
}
vm_check vblade-killed-restarted-same-bytes vblade_restarted

vm_phase "daemon restart"
adopted () {
  local before after
  before=$(vblade_pid 0)
  vm_nova_stop || return 1
  # the export outlives the daemon
  [ "$(vblade_pid 0)" = "$before" ] && vm_same_bytes "$device" "$pattern" || return 1
  start_daemon || return 1
  after=$(vblade_pid 0)
  vm_log "vblade before the restart $before, after $after"
  [ "$after" = "$before" ] && ctl check-export "$a" &&
    grep -q "adopting vblade pid $before" "$NOVA_VM_WORKDIR/nova-volumed-aoe.log"
}
vm_check daemon-restart-adopts-vblade adopted

exported_again () {
  local before after
  vm_nova_stop || return 1
  before=$(vblade_pid 0)
  kill -KILL "$before" && vm_wait_for 10 gone "$before" || return 1
  start_daemon || return 1
  after=$(vblade_pid 0)
  vm_log "vblade killed with the daemon down: $before; after the restart $after"
  [ -n "$after" ] && [ "$after" != "$before" ] && ctl check-export "$a" &&
    vm_same_bytes "$device" "$pattern"
}
vm_check daemon-restart-exports-again exported_again

vm_phase "online extend"
# the volume grows while the initiator has it: its vblade started again on
# the same blade, the I/O resumes, aoe-revalidate shows the new size
size_is () {
  [ "$(blockdev --getsize64 "$1")" = "$2" ]
}
online_extend () {
  local before
  before=$(blockdev --getsize64 "$device")
  ctl extend "$a" 24M || return 1
  aoe-revalidate "e$shelf.0" || return 1
  vm_wait_for 20 size_is "$device" $((24 * 1048576)) || return 1
  vm_log "the initiator saw $before bytes; now $(blockdev --getsize64 "$device")"
  [ "$before" = $((16 * 1048576)) ] && vm_same_bytes "$device" "$pattern" && ctl check-export "$a" &&
    [ "$(ctl --json show "$a" | vm_json_field Size)" = $((24 * 1048576)) ]
}
vm_check online-extend-seen-after-revalidate online_extend

# --- duplicates -------------------------------------------------------------------

vm_phase "duplicate responder"
rogue=''
rogue_pid=''
refused () {
  local out mac
  # another host's vblade for the blade the next create gets (1), on the
  # other end of the link
  rogue=$run/rogue
  truncate -s 1M "$rogue"
  vblade "$shelf" 1 "$initiator_if" "$rogue" </dev/null >>"$NOVA_VM_WORKDIR/rogue-vblade.log" 2>&1 &
  rogue_pid=$!
  mac=$(cat "/sys/class/net/$initiator_if/address")
  sleep 0.5
  if out=$(ctl create 16M --name refused 2>&1); then
    vm_stop_pid "$rogue_pid"
    return 1
  fi
  vm_log "create refused: $out"
  grep -q "e$shelf.1" <<<"$out" && grep -q "$mac" <<<"$out" && [ -z "$(vblade_pid 1)" ]
}
vm_check duplicate-address-refused refused
# a vblade for that address on this host (nova-volumed's end), which the
# query cannot see: found by its command line
refused_local () {
  local out
  vm_stop_pid "$rogue_pid"
  vblade -b 8 "$shelf" 1 "$target_if" "$rogue" </dev/null >>"$NOVA_VM_WORKDIR/rogue-vblade.log" 2>&1 &
  rogue_pid=$!
  vm_wait_for 10 pgrep -f "vblade -b 8 $shelf 1 $target_if" || return 1
  if out=$(ctl create 16M --name refused-local 2>&1); then
    vm_stop_pid "$rogue_pid"
    return 1
  fi
  vm_log "create refused: $out"
  grep -q "e$shelf.1" <<<"$out" && grep -q "pid $rogue_pid" <<<"$out"
}
vm_check local-duplicate-refused refused_local
stop_rogue () {
  vm_stop_pid "$rogue_pid"
  # the refused volumes are in error: deleting them frees what they held
  local id
  for id in $(ctl --json list | sed -n 's/^ *"Id" : "\(.*\)",*$/\1/p'); do
    [ "$id" = "$a" ] || ctl delete "$id" || return 1
  done
  return 0
}
vm_check rogue-stopped-refused-deleted stop_rogue

# --- remove_export stops only its own ------------------------------------------------

vm_phase "remove_export"
own_only () {
  local b b_pid a_pid decoy_pid status=0
  truncate -s 1M "$run/decoy"
  # another shelf's vblade on the same interface: not ours
  vblade $((shelf + 1)) 0 "$target_if" "$run/decoy" </dev/null >>"$NOVA_VM_WORKDIR/decoy-vblade.log" 2>&1 &
  decoy_pid=$!
  if ! b=$(ctl create 16M --name b); then
    vm_stop_pid "$decoy_pid"
    return 1
  fi
  b_pid=$(vblade_pid 1)
  a_pid=$(vblade_pid 0)
  vm_log "volume b's vblade: $b_pid, a's: $a_pid, the decoy: $decoy_pid"
  [ -n "$b_pid" ] && ctl delete "$b" || status=1
  vm_wait_for 10 gone "$b_pid" || status=1
  kill -0 "$a_pid" && kill -0 "$decoy_pid" || status=1
  [ -z "$(vblade_pid 1)" ] || status=1
  vm_stop_pid "$decoy_pid"
  return "$status"
}
vm_check remove-export-stops-only-its-own own_only

# --- a delete LVM refuses ---------------------------------------------------------

vm_phase "delete of a volume still open"
# a client holds the LV open: the delete is refused as Busy (lv_attr's
# open flag, asked before anything changed), the export comes back, and
# once the client let go the delete goes through
delete_open () {
  local c fd out status=0
  c=$(ctl create 16M --name held) || return 1
  exec {fd}<"$(lv_of "$c")"
  if out=$(ctl delete "$c" 2>&1); then
    status=1
  fi
  vm_log "delete while open: $out"
  grep -q "still open" <<<"$out" && ctl check-export "$c" && [ -e "$(lv_of "$c")" ] || status=1
  exec {fd}<&-
  ctl delete "$c" && [ ! -e "$(lv_of "$c")" ] || status=1
  return "$status"
}
vm_check delete-open-refused-busy delete_open

# --- the seed's promise -----------------------------------------------------------

vm_phase "detach, attach again: the same bytes"
same_after_reattach () {
  ctl attach "$a" 11111111-1111-1111-1111-111111111111 /dev/vdb &&
    connect "$a" 0 && vm_write_bytes "$other" "$device" &&
    ctl disconnect "$a" && ctl detach "$a" &&
    ctl attach "$a" 22222222-2222-2222-2222-222222222222 /dev/vdc &&
    connect "$a" 0 && vm_same_bytes "$device" "$other" && vm_same_bytes "$(lv_of "$a")" "$other"
}
vm_check seed-scenario-same-bytes same_after_reattach

vm_phase "multi-attach"
# one blade serves every initiator alike: several instances read-write,
# a read-only one refused in words
multi_attach () {
  local m out status=0
  m=$(ctl create 8M --multiattach --name shared) || return 1
  ctl attach "$m" 33333333-3333-4333-8333-333333333333 /dev/vdb >/dev/null &&
    ctl attach "$m" 44444444-4444-4444-8444-444444444444 /dev/vdb >/dev/null || status=1
  if out=$(ctl attach "$m" 55555555-5555-4555-8555-555555555555 /dev/vdb --mode ro 2>&1); then
    status=1
  fi
  vm_log "ro on AoE: $out"
  grep -q NotSupported <<<"$out" || status=1
  ctl detach "$m" 33333333-3333-4333-8333-333333333333 && ctl detach "$m" 44444444-4444-4444-8444-444444444444 &&
    ctl delete "$m" || status=1
  return "$status"
}
vm_check multiattach-rw-ro-refused multi_attach

vm_phase "delete, stop"
delete_all () {
  ctl disconnect "$a" && ctl detach "$a" && ctl delete "$a" && [ -z "$(vblade_pid 0)" ] &&
    [ -z "$(lvs --noheadings -o lv_name "$vg")" ]
}
vm_check delete-stops-vblade delete_all
vm_check daemon-stops vm_nova_stop

# --- two backends on the one volume group: lvm-iscsi (LIO) and aoe ------------------

vm_phase "two backends on one volume group"
backends_conf=$run/backends.conf
backends_state=$run/state-backends
mkdir -p "$backends_state"
cat >"$backends_conf" <<EOF
[DEFAULT]
volume_group = $vg
volume_clear = none
[backend:iscsi]
volume_driver = lvm-iscsi
iscsi_helper = lioadm
iscsi_ip_address = 127.0.0.1
[backend:aoe]
volume_driver = aoe
volume_name_template = aoe-%s
aoe_eth_dev = $target_if
aoe_shelf = $shelf
aoe_blades_per_shelf = 4
EOF
start_backends () {
  vm_nova_start backends "$backends_conf" "$backends_state"
}
vm_check two-backends-daemon-starts start_backends

on_iscsi=''
on_aoe=''
lio_target () {
  echo "/sys/kernel/config/target/iscsi/iqn.2010-10.org.openstack:volume-$1"
}
both_serve () {
  local listing
  on_iscsi=$(ctl create 16M --backend iscsi --name on-iscsi) &&
    on_aoe=$(ctl create 16M --backend aoe --name on-aoe) || return 1
  listing=$(ctl backends) || return 1
  vm_log "backends: $listing"
  # one group, two names: each backend's own template; each its own export
  [ -e "/dev/$vg/volume-$on_iscsi" ] && [ -e "/dev/$vg/aoe-$on_aoe" ] &&
    [ -d "$(lio_target "$on_iscsi")" ] && [ -n "$(vblade_pid 0)" ] &&
    ctl check-export "$on_iscsi" && ctl check-export "$on_aoe" &&
    grep -qE '^aoe +aoe +up +AoE ' <<<"$listing" && grep -qE '^iscsi +lvm-iscsi +up +iSCSI ' <<<"$listing"
}
vm_check two-backends-each-exports-its-own both_serve

# the volume written on its LV moves to the aoe backend: a new LV under the
# aoe backend's name, exported by a vblade, the LIO target and the old LV
# gone, and the bytes read through the kernel's AoE initiator
migrated () {
  local backend
  vm_write_bytes "$pattern" "/dev/$vg/volume-$on_iscsi" && ctl migrate "$on_iscsi" aoe || return 1
  backend=$(ctl --json show "$on_iscsi" | vm_json_field Backend)
  vm_log "after the migrate: backend $backend"
  [ "$backend" = aoe ] && [ ! -e "/dev/$vg/volume-$on_iscsi" ] && [ -e "/dev/$vg/aoe-$on_iscsi" ] &&
    [ ! -d "$(lio_target "$on_iscsi")" ] && [ -n "$(vblade_pid 1)" ] &&
    connect "$on_iscsi" 1 && vm_same_bytes "$device" "$pattern"
}
vm_check migrate-lvm-iscsi-to-aoe-same-bytes migrated

backends_cleanup () {
  ctl disconnect "$on_iscsi" && ctl delete "$on_iscsi" && ctl delete "$on_aoe" &&
    [ -z "$(vblade_pid 0)" ] && [ -z "$(vblade_pid 1)" ] && [ -z "$(lvs --noheadings -o lv_name "$vg")" ] &&
    vm_nova_stop
}
vm_check two-backends-delete-stop backends_cleanup

vm_phase_summary
vm_finish
