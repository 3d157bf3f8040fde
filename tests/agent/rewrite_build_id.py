#!/usr/bin/env python3
"""Copies an ELF binary with a different GNU build-id, as a rebuild would give it.

usage: rewrite_build_id.py IN OUT   (prints the new build-id)
Only the bytes of the NT_GNU_BUILD_ID note change: the copy runs exactly like the original.
"""
import os
import shutil
import struct
import sys


def build_id_offset(data):
    """(offset, size) of the build-id's bytes, from the section headers."""
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        sys.exit("not a little-endian 64-bit ELF file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    for i in range(shnum):
        header = shoff + i * shentsize
        sh_type, = struct.unpack_from("<I", data, header + 4)
        if sh_type != 7:  # SHT_NOTE
            continue
        offset, size = struct.unpack_from("<QQ", data, header + 0x18)
        position = offset
        while position + 12 <= offset + size:
            namesz, descsz, note_type = struct.unpack_from("<III", data, position)
            name_start = position + 12
            desc_start = name_start + ((namesz + 3) & ~3)
            if note_type == 3 and data[name_start:name_start + namesz] == b"GNU\0":
                return desc_start, descsz
            position = desc_start + ((descsz + 3) & ~3)
    sys.exit("no GNU build-id note")


def main():
    source, target = sys.argv[1], sys.argv[2]
    data = bytearray(open(source, "rb").read())
    start, size = build_id_offset(data)
    for i in range(start, start + size):
        data[i] ^= 0x5A
    with open(target, "wb") as out:
        out.write(data)
    shutil.copymode(source, target)
    print(data[start:start + size].hex())


if __name__ == "__main__":
    main()
