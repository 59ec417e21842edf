#!/usr/bin/env bash
# Where the store path's time goes: perf (software clock sampling, no hardware counters needed) over
# dev.gmc.bench.ProfileLoop's raw / fill / ring loops, with the JIT's perf map, start-up skipped.
# Usage: scripts/profile-store-path.sh [dataset] [seconds]   (run from the repository root, after the bench build)
set -euo pipefail
set=${1:-samples}
secs=${2:-25}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
for mode in raw fill ring; do
    perf record -q -D 8000 -F 1999 -o "$dir/$mode.data" \
        java -Xmx6g -Xms6g -XX:+AlwaysPreTouch -XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit \
        -cp gmc-bench/target/gmc-bench.jar dev.gmc.bench.ProfileLoop "$mode" "$set" "$secs" 2>/dev/null
done
set +o pipefail # head closes the pipes early
for mode in raw fill ring; do
    echo "== $mode: self time by shared object, then gmc's and the JVM's symbols (liblz4's own symbols omitted)"
    perf report -i "$dir/$mode.data" --sort dso --no-children 2>/dev/null | grep '%' | grep -v '^#' | head -8
    perf report -i "$dir/$mode.data" --sort dso,sym --no-children 2>/dev/null | grep '%' | grep -v '^#' \
        | grep -v 'liblz4' | head -14
done
