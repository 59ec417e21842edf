#!/usr/bin/env bash
# Makes bench-data/real-pages.bin.zst (git-ignored): realistic pages for `gmc gpu-bench --input`.
# Half the memory of a live JVM that decoded this machine's PNG/JPEG files into RGBA surfaces and ran gmc measure,
# half shared libraries of this machine. Needs root (reads /proc/PID/mem), zstd and the built gmc.jar.
set -euo pipefail
cd "$(dirname "$0")/.."
mib=${1:-64}
mkdir -p bench-data
jar=gmc-cli/target/gmc.jar
[ -f "$jar" ] || ./mvnw -q -B package -DskipTests
mapfile -t imgs < <(find /usr/share /usr/lib \( -iname '*.png' -o -iname '*.jpg' \) -size +8k 2>/dev/null | sort | head -200)
java -Xmx2g -cp "$jar" scripts/Hold.java "${imgs[@]}" > /tmp/gmc-hold.out 2>&1 &
holder=$!
for _ in $(seq 120); do grep -q '^ready' /tmp/gmc-hold.out 2>/dev/null && break; sleep 1; done
pid=$(awk '/^ready/ {print $2}' /tmp/gmc-hold.out)
python3 scripts/capture-pages.py "$pid" /tmp/gmc-mem.bin $((mib / 2))
kill "$holder" || true
# shared libraries, page-aligned, up to the other half
: > /tmp/gmc-lib.bin
for f in $(ls -S /usr/lib/x86_64-linux-gnu/*.so* | head -400); do
  [ "$(stat -c %s /tmp/gmc-lib.bin)" -ge $((mib / 2 * 1048576)) ] && break
  [ -f "$f" ] || continue
  sz=$(stat -c %s "$f"); pages=$(( (sz + 4095) / 4096 ))
  dd if="$f" bs=4096 count=$pages conv=sync status=none >> /tmp/gmc-lib.bin
done
head -c $((mib / 2 * 1048576)) /tmp/gmc-lib.bin > /tmp/gmc-lib-cut.bin
cat /tmp/gmc-mem.bin /tmp/gmc-lib-cut.bin | zstd -q -19 -T0 -f -o bench-data/real-pages.bin.zst
ls -la bench-data/real-pages.bin.zst
