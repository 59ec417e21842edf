#!/usr/bin/env bash
# Streams a large dump through `gmc measure` under a small heap, to show that measure's memory does not grow with
# the dump: writes GIB GiB (default 10) of realistic pages to a file (the 64 MiB of bench-data/real-pages.bin.zst
# repeated: measure does not deduplicate, so repetition changes nothing but the size), then runs
# `gmc measure` on it with -Xmx1g (GMC_JAVA_OPTS), reporting wall time and the process's peak RSS.
# Usage: scripts/big-dump-bench.sh [GIB] [DIR]   (DIR needs GIB GiB free; default /tmp/gmc-big)
set -euo pipefail
cd "$(dirname "$0")/.."
gib=${1:-10}
dir=${2:-/tmp/gmc-big}
[ -f bench-data/real-pages.bin.zst ] || scripts/bench-data.sh
mkdir -p "$dir"
dump="$dir/dump-${gib}g.bin"
if [ ! -f "$dump" ] || [ "$(stat -c %s "$dump")" -ne $((gib * 1073741824)) ]; then
  zstd -dcq bench-data/real-pages.bin.zst > "$dir/base.bin"
  : > "$dump"
  while [ "$(stat -c %s "$dump")" -lt $((gib * 1073741824)) ]; do cat "$dir/base.bin" >> "$dump"; done
  truncate -s $((gib * 1073741824)) "$dump"
  rm -f "$dir/base.bin"
fi
ls -la "$dump"
GMC_JAVA_OPTS="-Xmx1g -Xlog:gc*:file=$dir/gc.log" /usr/bin/time -v ./gmc measure --algo "${ALGO:-lz4-kernel}" "$dump" \
  2> "$dir/time.txt"
grep -E "Elapsed|Maximum resident" "$dir/time.txt"
grep -E "Pause Young|Pause Full" "$dir/gc.log" | tail -2
