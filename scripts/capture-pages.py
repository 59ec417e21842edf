#!/usr/bin/env python3
"""Capture the resident pages of a process's private writable mappings (as `gmc capture` will):
/proc/PID/maps -> rw-p mappings, /proc/PID/pagemap -> present pages, /proc/PID/mem -> bytes.
Usage: capture-pages.py PID OUT [MAX_MIB]. Unreadable ranges are skipped and reported on stderr."""
import struct, sys

pid, out = int(sys.argv[1]), sys.argv[2]
limit = int(sys.argv[3]) * 256 if len(sys.argv) > 3 else 1 << 62
n = 0
with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/pagemap", "rb") as pm, \
        open(f"/proc/{pid}/mem", "rb") as mem, open(out, "wb") as o:
    for line in maps:
        f = line.split()
        if not f[1].startswith("rw") or f[1][3] != "p":
            continue
        lo, hi = (int(x, 16) for x in f[0].split("-"))
        for addr in range(lo, hi, 4096):
            if n >= limit:
                break
            pm.seek(addr // 4096 * 8)
            e = struct.unpack("<Q", pm.read(8))[0]
            if not e >> 63 & 1:
                continue
            try:
                mem.seek(addr)
                page = mem.read(4096)
            except OSError as err:
                print(f"skip {addr:#x} ({f[-1] if len(f) > 5 else 'anon'}): {err}", file=sys.stderr)
                continue
            o.write(page)
            n += 1
print(f"{n} pages ({n * 4096 >> 20} MiB) from pid {pid}", file=sys.stderr)
