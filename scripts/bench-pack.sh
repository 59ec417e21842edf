#!/usr/bin/env bash
# Packs what scripts/bench-device.sh needs into .device-bench/ (git-ignored): a jlink'ed OpenJDK 17 runtime
# (the JDK of docs/PERFORMANCE.md's local figures) and gmc-bench.jar. Then carry .device-bench to the device machine.
set -euo pipefail
cd "$(dirname "$0")/.."
jdk=${JDK17:-/usr/lib/jvm/java-17-openjdk-amd64}
./mvnw -q -B -Pbench -DskipTests package -pl gmc-bench -am
rm -rf /tmp/gmc-jre17 .device-bench && mkdir -p .device-bench
"$jdk/bin/jlink" --add-modules java.base,java.logging,java.management,jdk.unsupported \
  --compress=2 --strip-debug --no-header-files --no-man-pages --output /tmp/gmc-jre17
strip --strip-unneeded /tmp/gmc-jre17/lib/server/libjvm.so || true
tar -C /tmp -czf .device-bench/jre17.tgz gmc-jre17
cp gmc-bench/target/gmc-bench.jar .device-bench/
du -sh .device-bench
