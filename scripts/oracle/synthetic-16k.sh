#!/usr/bin/env bash
# Writes gmc's 16 KiB synthetic pages (TestPages.sixteenKiBPages: page i is page i of the seeds 1..4 one after
# the other) to FILE, the CHURN_SRC that arm-zram.sh gives a 16 KiB-page kernel.
# usage: scripts/oracle/synthetic-16k.sh FILE [PAGES=1200]     (after ./mvnw test-compile -pl gmc-core)
set -euo pipefail
out=$(realpath -m "$1"); n=${2:-1200}
cd "$(dirname "$0")/../.."
[ -d gmc-core/target/test-classes ] || { echo "build the test classes first: ./mvnw -q test-compile -pl gmc-core" >&2; exit 2; }
printf '%s\n' "java.nio.file.Files.write(java.nio.file.Path.of(\"$out\"), dev.gmc.core.codec.TestPages.sixteenKiBPages($n));" \
  '/exit' | jshell --class-path gmc-core/target/test-classes -q >/dev/null
[ "$(stat -c %s "$out")" = $((n * 16384)) ] || { echo "$out: not $n pages" >&2; exit 1; }
echo "$out: $n pages of 16 KiB"
