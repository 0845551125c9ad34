#!/bin/sh
# tests/instance/writer.sh DISK: the guest program of image A (the writer).
# Writes 4 MiB of random bytes at 1 MiB into DISK, and in its first 4 KiB
# a header that says what they are: who wrote them, a nonce of this
# boot, where they are and their SHA-256. Flushes the disk, then prints
#   INSTANCE-WROTE: writer=UUID nonce=NONCE sha256=SUM
# on the console. Runs under busybox sh in the instance (tests/instance/init).
set -eu

disk=$1
offset=1048576
length=4194304
nonce=$(cat /proc/sys/kernel/random/uuid)

dd if=/dev/urandom of=/data iflag=fullblock bs=65536 count=$((length / 65536)) 2>/dev/null
sum=$(sha256sum /data | cut -d' ' -f1)
printf 'NOVA-VOLUME-INSTANCE-DATA v1\nwriter=%s\nimage=%s\nnonce=%s\noffset=%s\nlength=%s\nsha256=%s\n' \
  "$INSTANCE_UUID" "$INSTANCE_IMAGE" "$nonce" "$offset" "$length" "$sum" >/header
# the header padded to 4 KiB with zeros, then the data; fsync each
dd if=/header of="$disk" bs=4096 count=1 conv=sync,fsync 2>/dev/null
dd if=/data of="$disk" bs=65536 seek=$((offset / 65536)) conv=fsync 2>/dev/null
sync
echo "INSTANCE-WROTE: writer=$INSTANCE_UUID nonce=$nonce sha256=$sum"
