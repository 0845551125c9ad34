#!/bin/bash
# tests/vm/build-image.sh CACHE_DIR: finds the installed Debian kernel and
# makes what qemu boots, once, in CACHE_DIR/<kernel version>/:
#   vmlinux         the bzImage's ELF payload (tests/vm/unpack-kernel.py),
#                   booted through its PVH entry
#   initramfs.cpio  busybox-static, the kernel modules the tiers need (in
#                   `modprobe --show-depends` order), tests/vm/init and
#                   tests/vm/guest-runner.sh
# and prints that directory. Each file is rebuilt only when what it is made
# from changed (a stamp beside it); two runs at once take turns (flock).
#
# Exits 77 with the reason on stderr when this machine cannot make a guest
# (no readable Debian kernel with 9p and its modules, no busybox-static),
# 1 when building failed.
#
# NOVA_VOLUME_VM_KERNEL=/boot/vmlinuz-VERSION picks the kernel; otherwise
# the newest /boot/vmlinuz-* whose modules are installed and include 9p.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/vm/image-lib.sh
. "$here/image-lib.sh"

# modules loaded in the initramfs, in this order (each after its
# dependencies): virtio and 9p for the root, overlay, device-mapper with
# thin provisioning for LVM, LIO with iblock/fileio backstores and its iSCSI
# fabric, the open-iscsi initiator and sd_mod (without it the iSCSI disk
# never appears), veth for the AoE tier's network. aoe itself is left to
# the tier: it takes its parameters (aoe_iflist, aoe_deadsecs) at load
# time, `modprobe aoe ...` from the shared root.
guest_modules=(
  virtio_pci virtio_blk 9pnet_virtio 9p overlay
  dm_mod dm_bufio dm_persistent_data dm_snapshot dm_thin_pool
  target_core_mod target_core_iblock target_core_file iscsi_target_mod
  scsi_transport_iscsi libiscsi libiscsi_tcp iscsi_tcp sd_mod
  veth
)

skip () {
  echo "build-image: SKIP: $*" >&2
  exit 77
}

fail () {
  echo "build-image: $*" >&2
  exit 1
}

[ $# -eq 1 ] || fail "usage: build-image.sh CACHE_DIR"
cache=$1

# kernels usable as a guest: readable, modules installed, 9p among them
# (Debian's cloud kernel has no 9p)
usable_kernel () {
  local image=$1 kver=${1##*/vmlinuz-}
  [ -r "$image" ] || { echo "$image is not readable" >&2; return 1; }
  [ -f "/lib/modules/$kver/modules.dep" ] || { echo "no modules for $kver in /lib/modules" >&2; return 1; }
  compgen -G "/lib/modules/$kver/kernel/fs/9p/9p.ko*" >/dev/null \
    || { echo "$kver has no 9p module (a cloud kernel?)" >&2; return 1; }
}

if [ -n "${NOVA_VOLUME_VM_KERNEL:-}" ]; then
  kernel=$NOVA_VOLUME_VM_KERNEL
  why=$(usable_kernel "$kernel" 2>&1) || skip "NOVA_VOLUME_VM_KERNEL: $why"
else
  kernel=
  reasons=()
  while read -r candidate; do
    if why=$(usable_kernel "$candidate" 2>&1); then
      kernel=$candidate
      break
    fi
    reasons+=("$why")
  done < <(compgen -G '/boot/vmlinuz-*' | sort -rV)
  [ -n "$kernel" ] || skip "no usable Debian kernel in /boot (install linux-image-amd64)${reasons[*]:+: ${reasons[*]}}"
fi
kver=${kernel##*/vmlinuz-}

busybox=$(command -v busybox || true)
[ -n "$busybox" ] || skip "no busybox (install busybox-static)"
if LC_ALL=C ldd "$busybox" >/dev/null 2>&1; then
  skip "$busybox is dynamically linked; the initramfs needs busybox-static"
fi
modprobe=$(PATH=$PATH:/usr/sbin:/sbin command -v modprobe || true)
[ -n "$modprobe" ] || skip "no modprobe (install kmod)"

out=$cache/$kver
mkdir -p "$out"
exec 9>"$out/.lock"
flock -w 300 9 || fail "another build in $out held its lock for 5 minutes"

stamp_of () {
  sha256sum "$@" | sha256sum | cut -d' ' -f1
}

# the kernel: unpacked once per kernel file
kernel_stamp=$( { stat -c '%n %s %Y' "$kernel"; stamp_of "$here/unpack-kernel.py"; } | sha256sum | cut -d' ' -f1)
if [ ! -f "$out/vmlinux" ] || [ "$(cat "$out/vmlinux.stamp" 2>/dev/null)" != "$kernel_stamp" ]; then
  rm -f "$out/vmlinux" "$out/vmlinux.stamp"
  /usr/bin/python3 "$here/unpack-kernel.py" "$kernel" "$out/vmlinux" || fail "cannot unpack $kernel"
  echo "$kernel_stamp" >"$out/vmlinux.stamp"
fi

# the modules, each once, in load order
module_text=$(image_module_lines "$modprobe" "$kver" "${guest_modules[@]}") || fail "cannot list the modules"
mapfile -t module_lines <<<"$module_text"

initrd_stamp=$( {
  echo "$kver"
  printf '%s\n' "${module_lines[@]}"
  stat -c '%n %s %Y' "$busybox"
  stamp_of "$here/init" "$here/guest-runner.sh" "${BASH_SOURCE[0]}" "$here/image-lib.sh"
} | sha256sum | cut -d' ' -f1)
if [ -f "$out/initramfs.cpio" ] && [ "$(cat "$out/initramfs.cpio.stamp" 2>/dev/null)" = "$initrd_stamp" ]; then
  echo "$out"
  exit 0
fi

rm -f "$out/initramfs.cpio" "$out/initramfs.cpio.stamp"
staging=$(mktemp -d "$out/initramfs.XXXXXX")
trap 'rm -rf "$staging" "$out/initramfs.cpio.tmp"' EXIT
# etc/target: LIO's db_root, so that loading it does not complain
mkdir -p "$staging"/{bin,dev,proc,sys,modules,newroot,etc/target}
cp "$busybox" "$staging/bin/busybox"
install -m 0755 "$here/init" "$staging/init"
install -m 0755 "$here/guest-runner.sh" "$staging/guest-runner.sh"
image_stage_modules "$staging" "${module_lines[@]}" || fail "cannot stage the modules"
image_write_cpio "$busybox" "$staging" "$out/initramfs.cpio" || fail "cannot write the initramfs"
echo "$initrd_stamp" >"$out/initramfs.cpio.stamp"
echo "$out"
