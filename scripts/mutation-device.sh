#!/usr/bin/env bash
# A mutation test with PIT on a machine without Maven (needs .device-mutation/ from scripts/mutation-pack.sh; uses
# java from the pack, else the PATH's). Runs from the pack's last module's directory, as its tests expect; every
# packed module's classes are mutable and every packed module's tests may run.
# Usage: scripts/mutation-device.sh [THREADS=nproc] [TARGET_CLASSES=dev.gmc.core.pool.*] [TARGET_TESTS=dev.gmc.core.pool.*Test]
# GMC_PIT_ARGS adds PIT options (e.g. --excludedTestClasses 'dev.gmc.driver.replay.TraceFuzzTest').
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
mods=$(ls "$pack/modules")
join() { tr '\n' , | sed 's/,$//'; }
main=$(for m in $mods; do echo "$pack/modules/$m/classes"; done | join)
cp=$(ls "$pack"/lib/*.jar | join),$main,$(for m in $mods; do echo "$pack/modules/$m/test-classes"; done | join)
srcs=$(for m in $mods; do echo "$PWD/$m/src/main/java"; done | join)
cd "$(cat "$pack/workdir")"
"$java" -cp "$pack/pit/*" org.pitest.mutationtest.commandline.MutationCoverageReport \
  --reportDir "$out/pit" --targetClasses "$targets" --targetTests "$tests" --sourceDirs "$srcs" \
  --classPath "$cp" --mutableCodePaths "$main" --threads "$threads" --outputFormats HTML,CSV --timestampedReports=false \
  --mutationUnitSize 8 ${GMC_PIT_ARGS:-} --jvmPath "$java" --jvmArgs "-Xmx${GMC_PIT_HEAP:-2g}" > "$out/pit.txt" 2>&1
status=$?
grep -v 'Minion exited abnormally' "$out/pit.txt" | tail -40
exit $status
