#!/bin/sh
# tests/instance/grow.sh DISK: the guest program of image G (the grower).
# Prints the size of DISK as
#   INSTANCE-SIZE: sectors=N
# then waits (up to 90 s) for the host to grow the disk under it, as a
# compute host does after an online extend (libvirt's blockResize), reads
# the new last sector and prints
#   INSTANCE-GREW: from=N to=M
# Fails when the size does not change. Runs under busybox sh in the
# instance (tests/instance/init).
set -eu

disk=$1
name=${disk##*/}
before=$(cat "/sys/block/$name/size")
echo "INSTANCE-SIZE: sectors=$before"
i=0
while [ "$(cat "/sys/block/$name/size")" = "$before" ]; do
  i=$((i + 1))
  if [ "$i" -gt 900 ]; then
    echo "INSTANCE-GREW: no, still $before sectors after 90 s"
    exit 1
  fi
  sleep 0.1
done
after=$(cat "/sys/block/$name/size")
# the new end is there to read
dd if="$disk" of=/dev/null bs=512 skip=$((after - 1)) count=1 2>/dev/null
echo "INSTANCE-GREW: from=$before to=$after"
