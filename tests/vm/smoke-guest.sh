# shellcheck shell=bash
# tests/vm/smoke-guest.sh: the guest tier's smoke test, run inside the
# guest by tests/vm/run-guest.sh with one --disk (meson: guest-smoke). It
# proves that the guest has what the lvm-iscsi driver and the system-bus
# tiers will need, with nothing of nova-volume in the way:
#   LVM on the virtio disk: PV, VG, a thick LV, a thin pool, a thin LV and
#   a thin snapshot, bytes written and read back through each;
#   LIO: an iblock export of the thick LV made through configfs by hand;
#   open-iscsi: discovery and login on 127.0.0.1:3260, the same bytes read
#   through the /dev/sdX disk;
#   a system bus with the real polkitd, which pkaction asks.
# shellcheck disable=SC2317  # the checks' functions run through vm_check
set -u

# shellcheck source=tests/vm/guest-lib.sh
. "$NOVA_VM_LIB"

vg=smoke
disk=$(vm_disk 0)
iqn=iqn.2010-10.org.openstack:smoke
pattern=/tmp/pattern
other=/tmp/other
mib=4

head -c $((mib * 1024 * 1024)) /dev/urandom >"$pattern"
head -c $((mib * 1024 * 1024)) /dev/urandom >"$other"

# same_bytes DEVICE FILE: the first bytes of DEVICE are FILE's
same_bytes () {
  cmp -n "$(stat -c %s "$2")" "$1" "$2"
}

# write_bytes FILE DEVICE
write_bytes () {
  dd if="$1" of="$2" bs=1M oflag=direct conv=fsync status=none
}

# --- LVM -------------------------------------------------------------------------

vm_setup_lvm
lvm_thick () {
  pvcreate -q "$disk" &&
    vgcreate -q "$vg" "$disk" &&
    lvcreate -q -y -L 16M -n thick "$vg" &&
    write_bytes "$pattern" "/dev/$vg/thick" &&
    echo 3 >/proc/sys/vm/drop_caches &&
    same_bytes "/dev/$vg/thick" "$pattern"
}
vm_check lvm-thick lvm_thick

lvm_thin () {
  lvcreate -q -y --type thin-pool -L 32M -n pool "$vg" &&
    lvcreate -q -y -V 64M --thinpool "$vg/pool" -n thin &&
    write_bytes "$pattern" "/dev/$vg/thin" &&
    same_bytes "/dev/$vg/thin" "$pattern"
}
vm_check lvm-thin lvm_thin

# the snapshot keeps the old bytes while its origin gets new ones
lvm_thin_snapshot () {
  lvcreate -q -y -s -n snap "$vg/thin" &&
    lvchange -q -ay -K "$vg/snap" &&
    write_bytes "$other" "/dev/$vg/thin" &&
    echo 3 >/proc/sys/vm/drop_caches &&
    same_bytes "/dev/$vg/snap" "$pattern" &&
    same_bytes "/dev/$vg/thin" "$other"
}
vm_check lvm-thin-snapshot lvm_thin_snapshot

# --- LIO, by hand through configfs ------------------------------------------------

lio=/sys/kernel/config/target
lio_export () {
  local dev=/dev/$vg/thick tpg=$lio/iscsi/$iqn/tpgt_1
  [ -d "$lio/iscsi" ] || mkdir "$lio/iscsi" || return 1
  mkdir -p "$lio/core/iblock_0/smoke" &&
    echo "udev_path=$dev" >"$lio/core/iblock_0/smoke/control" &&
    echo 1 >"$lio/core/iblock_0/smoke/enable" &&
    mkdir -p "$tpg/lun/lun_0" &&
    ln -s "$lio/core/iblock_0/smoke" "$tpg/lun/lun_0/smoke" &&
    mkdir "$tpg/np/127.0.0.1:3260" &&
    echo 0 >"$tpg/attrib/authentication" &&
    echo 1 >"$tpg/attrib/generate_node_acls" &&
    echo 1 >"$tpg/attrib/cache_dynamic_acls" &&
    echo 0 >"$tpg/attrib/demo_mode_write_protect" &&
    echo 1 >"$tpg/enable"
}
vm_check lio-export lio_export

# --- open-iscsi --------------------------------------------------------------------

iscsi_read () {
  local dev
  dev=$(vm_iscsi_login "$iqn") || return 1
  vm_log "logged in: $dev"
  same_bytes "$dev" "$pattern"
}
vm_check iscsi-login-read iscsi_read

iscsi_logout () {
  vm_iscsi_logout "$iqn" && ! vm_iscsi_device "$iqn"
}
vm_check iscsi-logout iscsi_logout

# --- system bus and polkit -----------------------------------------------------------

vm_check system-bus vm_start_system_bus

polkit_actions () {
  local actions
  vm_start_polkitd || return 1
  actions=$(pkaction) || return 1
  echo "$actions" | head -n 5
  echo "$actions" | grep -qx org.freedesktop.policykit.exec
}
vm_check polkitd-pkaction polkit_actions

vm_finish
