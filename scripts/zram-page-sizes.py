#!/usr/bin/env python3
"""Ask the running kernel's zram for the compressed size of every page of a file.

Developer tool used to make golden vectors (tests/src/test/resources/golden/). Needs root and
/sys/class/zram-control. It creates its own zram device, writes the pages one at a time with O_DIRECT,
reads mm_stat after each write and prints one line per page:
    index  kind  comp_len
kind is 'same' (same-filled, no pool memory), 'huge' (stored raw, comp_len >= huge_class_size) or 'obj';
comp_len is the compr_data_size delta (0 for same). It then removes the device it created and only that one.

usage: zram-page-sizes.py PAGES_FILE [ALGO=lz4 [LEVEL]]

LEVEL is written to the device's algorithm_params ('algo=ALGO level=LEVEL', kernels 6.13 and later):
for lz4 it is LZ4_compress_fast's acceleration.
"""
import mmap, os, sys

def rd(p):
    with open(p) as f:
        return f.read().strip()

def wr(p, v):
    with open(p, 'w') as f:
        f.write(str(v))

def mm_stat(dev):
    return [int(x) for x in rd(f'/sys/block/{dev}/mm_stat').split()]

def main():
    path = sys.argv[1]
    algo = sys.argv[2] if len(sys.argv) > 2 else 'lz4'
    level = sys.argv[3] if len(sys.argv) > 3 else None
    data = open(path, 'rb').read()
    n = len(data) // 4096
    num = int(rd('/sys/class/zram-control/hot_add'))  # reading hot_add creates a new device
    dev = f'zram{num}'
    try:
        wr(f'/sys/block/{dev}/comp_algorithm', algo)
        if level is not None:
            wr(f'/sys/block/{dev}/algorithm_params', f'algo={algo} level={level}')
        wr(f'/sys/block/{dev}/disksize', max(n, 1) * 4096)
        buf = mmap.mmap(-1, 4096)
        fd = os.open(f'/dev/{dev}', os.O_RDWR | os.O_DIRECT)
        try:
            prev = mm_stat(dev)
            for i in range(n):
                buf.seek(0)
                buf.write(data[i * 4096:(i + 1) * 4096])
                os.pwrite(fd, buf, i * 4096)
                cur = mm_stat(dev)
                if cur[5] > prev[5]:
                    kind = 'same'
                elif cur[7] > prev[7]:
                    kind = 'huge'
                else:
                    kind = 'obj'
                print(i, kind, cur[1] - prev[1])
                prev = cur
            print('# mm_stat', ' '.join(map(str, prev)))
        finally:
            os.close(fd)
    finally:
        wr(f'/sys/block/{dev}/reset', 1)
        wr('/sys/class/zram-control/hot_remove', num)

if __name__ == '__main__':
    main()
