#!/usr/bin/env bash
# Runs one of gmc-bench's paired benchmarks on a machine without Java, e.g. the device box's host CPU (16 cores, a
# quieter machine than the 2-vCPU development VM). Needs .device-bench/ from scripts/bench-pack.sh.
# Usage: scripts/bench-device.sh StorePathPaired|StoreThreads|FaultThreads [arguments of that class]
# JVM options to add: GMC_JAVA_OPTS (e.g. -Dgmc.ring=64 for StorePathPaired).
# Output (also printed) goes to ${OUT:-/tmp/gmc-out}/<class>.txt, the host's description to host.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
bench=${1:?usage: scripts/bench-device.sh StorePathPaired|StoreThreads|FaultThreads [args]}
shift
out=${OUT:-/tmp/gmc-out}
mkdir -p "$out"
tar -C /tmp -xzf .device-bench/jre17.tgz
(lscpu; nproc; uptime) > "$out/host.txt" 2>&1 || true
/tmp/gmc-jre17/bin/java -Xmx6g -Xms6g -XX:+AlwaysPreTouch ${GMC_JAVA_OPTS:-} -cp .device-bench/gmc-bench.jar \
  "dev.gmc.bench.$bench" "$@" 2>&1 | tee "$out/$bench.txt"
