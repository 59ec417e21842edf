#!/usr/bin/env bash
# Packs the tests of gmc-core, gpu-mmu-model, driver-adapters and kernels for a soak run on a machine without
# Java or Maven (the device box: 16 host cores and an NVIDIA GPU): .device-stress/ (git-ignored) gets a jlink'ed
# JDK 17, the modules' classes and test classes, their test dependencies, JUnit's launcher and
# scripts/stress/StressRunner.
# Then carry .device-stress and run scripts/stress-device.sh there.
set -euo pipefail
cd "$(dirname "$0")/.."
jdk=${JDK17:-/usr/lib/jvm/java-17-openjdk-amd64}
mods=gmc-core,gpu-mmu-model,driver-adapters,kernels
./mvnw -q -B install -DskipTests -pl $mods -am
./mvnw -q -B test-compile -pl $mods
: > /tmp/gmc-stress-cp.txt
for m in driver-adapters kernels; do
  ./mvnw -q -B dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=/tmp/gmc-stress-cp-$m.txt -pl $m
  (cat /tmp/gmc-stress-cp-$m.txt; echo :) >> /tmp/gmc-stress-cp.txt
done
launcher=$(find ~/.m2/repository/org/junit/platform/junit-platform-launcher -name "junit-platform-launcher-$(
  sed -n 's|.*junit-platform-engine/\([^/]*\)/.*|\1|p' <(tr ':' '\n' < /tmp/gmc-stress-cp.txt) | head -1).jar")
rm -rf .device-stress && mkdir -p .device-stress/lib
tr ':' '\n' < /tmp/gmc-stress-cp.txt | grep -v -e '^$' -e gmc-core- -e gpu-mmu-model- -e driver-adapters- | sort -u \
  | xargs -I{} cp {} .device-stress/lib/
cp "$launcher" .device-stress/lib/
for m in ${mods//,/ }; do
  jar cf ".device-stress/lib/$m.jar" -C "$m/target/classes" .
  jar cf ".device-stress/lib/$m-tests.jar" -C "$m/target/test-classes" .
done
mkdir -p /tmp/gmc-stress-runner
"$jdk/bin/javac" -q -d /tmp/gmc-stress-runner -cp ".device-stress/lib/*" scripts/stress/StressRunner.java 2>/dev/null \
  || "$jdk/bin/javac" -d /tmp/gmc-stress-runner -cp ".device-stress/lib/*" scripts/stress/StressRunner.java
jar cf .device-stress/lib/stress-runner.jar -C /tmp/gmc-stress-runner .
if [ ! -f .device-bench/jre17.tgz ]; then
  rm -rf /tmp/gmc-jre17
  "$jdk/bin/jlink" --add-modules java.base,java.logging,java.management,jdk.unsupported \
    --compress=2 --strip-debug --no-header-files --no-man-pages --output /tmp/gmc-jre17
  strip --strip-unneeded /tmp/gmc-jre17/lib/server/libjvm.so || true
  tar -C /tmp -czf .device-stress/jre17.tgz gmc-jre17
else
  cp .device-bench/jre17.tgz .device-stress/
fi
du -sh .device-stress
