#!/usr/bin/env bash
# gmc-core's mutation test with PIT on a machine without Maven (needs .device-mutation/ from
# scripts/mutation-pack.sh; uses java from the pack, else the PATH's). Runs from gmc-core/, as its tests expect.
# Usage: scripts/mutation-device.sh [THREADS=nproc] [TARGET_CLASSES=dev.gmc.core.pool.*] [TARGET_TESTS=dev.gmc.core.pool.*Test]
# GMC_PIT_HEAP sets each minion's -Xmx (2g unless given: with the Maven profile's 1g, 165 of the pool's mutants
# died out of memory here on 16 cores where the 2-core VM saw them survive or time out).
# Report (HTML and mutations.csv) in ${OUT:-/tmp/gmc-out}/pit/, PIT's log in pit.txt. A whole-package run with the
# store's kernel tests takes longer than one 10-minute device command: narrow the targets.
set -uo pipefail
cd "$(dirname "$0")/.."
threads=${1:-$(nproc)}
targets=${2:-dev.gmc.core.pool.*}
tests=${3:-dev.gmc.core.pool.*Test}
out=${OUT:-/tmp/gmc-out}
mkdir -p "$out"
pack=$PWD/.device-mutation
java=java
if [ -f "$pack/jre.tgz" ]; then
  tar -C /tmp -xzf "$pack/jre.tgz"
  java=/tmp/gmc-jremut/bin/java
fi
cp=$(ls "$pack"/lib/*.jar | tr '\n' ,)$pack/classes,$pack/test-classes
cd gmc-core
"$java" -cp "$pack/pit/*" org.pitest.mutationtest.commandline.MutationCoverageReport \
  --reportDir "$out/pit" --targetClasses "$targets" --targetTests "$tests" --sourceDirs src/main/java \
  --classPath "$cp" --threads "$threads" --outputFormats HTML,CSV --timestampedReports=false \
  --mutationUnitSize 8 --jvmPath "$java" --jvmArgs "-Xmx${GMC_PIT_HEAP:-2g}" > "$out/pit.txt" 2>&1
status=$?
grep -v 'Minion exited abnormally' "$out/pit.txt" | tail -40
exit $status
