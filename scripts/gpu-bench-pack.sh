#!/usr/bin/env bash
# Packs what scripts/gpu-bench-device.sh needs into .device/ (git-ignored): a jlink'ed Temurin 25 runtime (.tgz) and
# gmc.jar; and makes bench-data/ if missing. Then carry .device and bench-data to the device machine.
set -euo pipefail
cd "$(dirname "$0")/.."
jdk=${JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64}
./mvnw -q -B package -DskipTests
[ -f bench-data/real-pages.bin.zst ] || scripts/bench-data.sh 64
rm -rf /tmp/gmc-jre .device && mkdir -p .device
"$jdk/bin/jlink" --add-modules java.base,java.logging,java.management,jdk.unsupported,java.sql,java.xml \
  --compress=zip-9 --strip-debug --no-header-files --no-man-pages --output /tmp/gmc-jre
strip --strip-unneeded /tmp/gmc-jre/lib/server/libjvm.so || true
tar -C /tmp -czf .device/jre.tgz gmc-jre
cp gmc-cli/target/gmc.jar .device/
du -sh .device bench-data
