#!/bin/bash
# tests/instance/build-image.sh CACHE_DIR NAME PROGRAM [--bzimage] [--append ARGS]:
# makes an instance image, the "image" an instance of the instance tier
# boots (tests/instance/launch-instance.py), in CACHE_DIR/instance-NAME/:
#   kernel          the guest tier's unpacked kernel (tests/vm/build-image.sh
#                   finds and unpacks it), booted through its PVH entry; with
#                   --bzimage the installed bzImage itself (/boot/vmlinuz-*),
#                   decompressed by the guest as a bootloader would start it
#   initramfs.cpio  busybox-static, the virtio block driver's modules
#                   (tests/vm/image-lib.sh), tests/instance/init and PROGRAM
#                   as /program, the image's NAME in /etc/instance-image
#   cmdline         the kernel command line: serial console, panic=-1,
#                   instance.image=NAME, then ARGS
# and prints that directory. Rebuilt only when an input changed (a stamp);
# two runs at once take turns (flock).
#
# Exits 77 with the reason on stderr when this machine cannot make one (see
# tests/vm/build-image.sh; NOVA_VOLUME_VM_KERNEL picks the kernel there too),
# 1 when building failed, 2 on a usage error.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
vm=$(cd "$here/../vm" && pwd)
# shellcheck source=tests/vm/image-lib.sh
. "$vm/image-lib.sh"

# the virtio disk, nothing else: the volume is the instance's only device
instance_modules=(virtio_pci virtio_blk)

fail () {
  echo "instance-image: $*" >&2
  exit 1
}
usage () {
  echo "usage: build-image.sh CACHE_DIR NAME PROGRAM [--bzimage] [--append ARGS]" >&2
  exit 2
}

[ $# -ge 3 ] || usage
cache=$1 name=$2 program=$3
shift 3
bzimage=0
append=
while [ $# -gt 0 ]; do
  case $1 in
    --bzimage) bzimage=1; shift ;;
    --append) append=${2:?}; shift 2 ;;
    *) usage ;;
  esac
done
[[ $name =~ ^[A-Za-z0-9_-]+$ ]] || fail "an image name is letters, digits, - and _: $name"
[ -r "$program" ] || fail "cannot read the guest program $program"
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)

# the kernel, unpacked, and its version: the guest tier's (it says SKIP
# with the reason where there is none)
vm_dir=$("$vm/build-image.sh" "$cache") || exit $?
kver=${vm_dir##*/}
busybox=$(command -v busybox)
modprobe=$(PATH=$PATH:/usr/sbin:/sbin command -v modprobe)

out=$cache/instance-$name
mkdir -p "$out"
exec 9>"$out/.lock"
flock -w 300 9 || fail "another build in $out held its lock for 5 minutes"

if [ "$bzimage" = 1 ]; then
  kernel=${NOVA_VOLUME_VM_KERNEL:-/boot/vmlinuz-$kver}
else
  kernel=$vm_dir/vmlinux
fi
ln -sfn "$kernel" "$out/kernel"
echo "console=ttyS0 quiet panic=-1 instance.image=$name${append:+ $append}" >"$out/cmdline"

module_text=$(image_module_lines "$modprobe" "$kver" "${instance_modules[@]}") || fail "cannot list the modules"
mapfile -t module_lines <<<"$module_text"

stamp=$( {
  echo "$kver $name"
  printf '%s\n' "${module_lines[@]}"
  stat -c '%n %s %Y' "$busybox"
  sha256sum "$here/init" "$program" "${BASH_SOURCE[0]}" "$vm/image-lib.sh"
} | sha256sum | cut -d' ' -f1)
if [ -f "$out/initramfs.cpio" ] && [ "$(cat "$out/initramfs.cpio.stamp" 2>/dev/null)" = "$stamp" ]; then
  echo "$out"
  exit 0
fi

rm -f "$out/initramfs.cpio" "$out/initramfs.cpio.stamp"
staging=$(mktemp -d "$out/initramfs.XXXXXX")
trap 'rm -rf "$staging" "$out/initramfs.cpio.tmp"' EXIT
mkdir -p "$staging"/{bin,dev,proc,sys,etc}
cp "$busybox" "$staging/bin/busybox"
install -m 0755 "$here/init" "$staging/init"
install -m 0755 "$program" "$staging/program"
echo "$name" >"$staging/etc/instance-image"
image_stage_modules "$staging" "${module_lines[@]}" || fail "cannot stage the modules"
image_write_cpio "$busybox" "$staging" "$out/initramfs.cpio" || fail "cannot write the initramfs"
echo "$stamp" >"$out/initramfs.cpio.stamp"
echo "$out"
