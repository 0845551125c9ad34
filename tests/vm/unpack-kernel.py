#!/usr/bin/python3
"""Unpack the ELF kernel (vmlinux) from a Debian bzImage.

usage: unpack-kernel.py BZIMAGE OUTPUT

Debian's kernels are built with CONFIG_KERNEL_XZ: the bzImage carries the
vmlinux ELF as an xz stream after a real-mode setup and a decompressor.
qemu boots that ELF directly through its PVH entry point (CONFIG_PVH),
which skips the in-guest decompression: 2-3 s to a shell under TCG instead
of 5-6 s. The output is written to OUTPUT.tmp and renamed, so a reader never
sees half a file.
"""

import lzma
import os
import sys

XZ_MAGIC = b"\xfd7zXZ\x00"
ELF_MAGIC = b"\x7fELF"


def unpack(image):
    start = image.find(XZ_MAGIC)
    while start >= 0:
        decompressor = lzma.LZMADecompressor(format=lzma.FORMAT_XZ)
        try:
            payload = decompressor.decompress(image[start:])
        except lzma.LZMAError:
            payload = b""
        if payload.startswith(ELF_MAGIC):
            return payload
        start = image.find(XZ_MAGIC, start + 1)
    return None


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: unpack-kernel.py BZIMAGE OUTPUT\n")
        return 2
    source, output = argv[1], argv[2]
    with open(source, "rb") as f:
        image = f.read()
    payload = unpack(image)
    if payload is None:
        sys.stderr.write(f"unpack-kernel: no xz-compressed ELF kernel found in {source}\n")
        return 1
    tmp = output + ".tmp"
    with open(tmp, "wb") as f:
        f.write(payload)
    os.rename(tmp, output)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
