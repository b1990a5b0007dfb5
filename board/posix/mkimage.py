#!/usr/bin/env python3
"""Wraps a wasm module into an atmqtt image: 16-byte header
{b"AMQW", u32 LE module length, u32 LE CRC-32 (zlib) of the module,
u32 LE version = 1} followed by the module.
usage: mkimage.py [build/atmqtt.wasm] [build/atmqtt.img]"""
import struct
import sys
import zlib

src = sys.argv[1] if len(sys.argv) > 1 else "build/atmqtt.wasm"
dst = sys.argv[2] if len(sys.argv) > 2 else "build/atmqtt.img"
with open(src, "rb") as f:
    module = f.read()
header = b"AMQW" + struct.pack("<III", len(module), zlib.crc32(module) & 0xFFFFFFFF, 1)
with open(dst, "wb") as f:
    f.write(header + module)
print("%s: %d-byte module, CRC-32 0x%08x" % (dst, len(module), zlib.crc32(module) & 0xFFFFFFFF))
