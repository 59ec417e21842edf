#!/usr/bin/env bash
# Runs the paired store-path benchmark (dev.gmc.bench.StorePathPaired) on a machine without Java, e.g. the device
# box's host CPU, a quieter machine than the 2-vCPU development VM. Needs .device-bench/ from
# scripts/store-path-pack.sh. Arguments go to StorePathPaired ([rounds] [datasets…]); output to ${OUT:-/tmp/gmc-out}.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-/tmp/gmc-out}
mkdir -p "$out"
tar -C /tmp -xzf .device-bench/jre17.tgz
(lscpu; nproc; uptime) > "$out/host.txt" 2>&1 || true
/tmp/gmc-jre17/bin/java -Xmx6g -Xms6g -XX:+AlwaysPreTouch -cp .device-bench/gmc-bench.jar \
  dev.gmc.bench.StorePathPaired "$@" 2>&1 | tee "$out/store-path-paired.txt"
