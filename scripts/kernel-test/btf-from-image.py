#!/usr/bin/python3
"""btf-from-image.py IMAGE OUT — copy the kernel's BTF (.BTF section) out of an arm64 boot
Image (Debian's vmlinuz for arm64 is the uncompressed Image: no ELF sections to read it
from). The BTF blob is found by its header: magic 0xeB9F, version 1, a 24-byte header, the
type section at offset 0 and the string section right after it. bpftool then reads OUT as
a raw BTF file (`bpftool btf dump file OUT format c`)."""
import struct
import sys

image, out = sys.argv[1], sys.argv[2]
data = open(image, "rb").read()
found = []
pos = data.find(b"\x9f\xeb\x01\x00")
while pos >= 0:
    hdr_len, type_off, type_len, str_off, str_len = struct.unpack_from("<5I", data, pos + 4)
    end = pos + hdr_len + str_off + str_len
    if hdr_len == 24 and type_off == 0 and str_off == type_len and type_len > 0 and end <= len(data):
        found.append((pos, end))
    pos = data.find(b"\x9f\xeb\x01\x00", pos + 1)
# The kernel's own BTF is by far the largest blob (modules carry none in the Image).
if not found:
    sys.exit(f"btf-from-image: no BTF in {image}")
start, end = max(found, key=lambda f: f[1] - f[0])
with open(out, "wb") as f:
    f.write(data[start:end])
print(f"btf-from-image: {end - start} bytes of BTF at offset {start}", file=sys.stderr)
