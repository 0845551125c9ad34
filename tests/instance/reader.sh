#!/bin/sh
# tests/instance/reader.sh DISK: the guest program of image B (the reader).
# Reads the header tests/instance/writer.sh left in DISK's first 4 KiB,
# reads the bytes it describes and computes their SHA-256, and prints
#   INSTANCE-READ: writer=UUID nonce=NONCE sha256=SUM header-sha256=SUM
#   INSTANCE-READ-HEAD: the first 16 bytes of the data in hex
# on the console. Fails when there is no header or the sums differ.
# Runs under busybox sh in the instance (tests/instance/init).
set -eu

disk=$1

dd if="$disk" of=/header bs=4096 count=1 2>/dev/null
tr -d '\000' </header >/header.txt
read -r magic </header.txt
if [ "$magic" != "NOVA-VOLUME-INSTANCE-DATA v1" ]; then
  echo "INSTANCE-READ: no header on $disk (first line: $(head -c 40 /header.txt | od -An -c | head -n 1))"
  exit 1
fi
field () {
  sed -n "s/^$1=//p" /header.txt
}
offset=$(field offset)
length=$(field length)
expected=$(field sha256)
sum=$(dd if="$disk" bs=65536 skip=$((offset / 65536)) count=$((length / 65536)) 2>/dev/null |
        sha256sum | cut -d' ' -f1)
head=$(dd if="$disk" bs=16 skip=$((offset / 16)) count=1 2>/dev/null | od -An -tx1 | tr -d ' \n')
echo "INSTANCE-READ: writer=$(field writer) nonce=$(field nonce) sha256=$sum header-sha256=$expected"
echo "INSTANCE-READ-HEAD: $head (written by image $(field image), read by image $INSTANCE_IMAGE)"
[ "$sum" = "$expected" ]
