#!/usr/bin/env bash
# Packs a mutation test (PIT) for a machine without Java or Maven (the device box's 16 host cores):
# .device-mutation/ (git-ignored) gets a jlink'ed JDK 17 with java.instrument (PIT's minions redefine classes),
# the classes and test classes of the modules named in MODULES (gmc-core unless given) as directories (PIT mutates
# what it finds in directories, so one run can mutate a module against the tests of the modules that use it), the
# last module's test dependencies as jars, JUnit's launcher and PIT's command line. Carry .device-mutation and run
# scripts/mutation-device.sh, which runs in the last module's directory, as its tests expect.
#   MODULES="gpu-mmu-model driver-adapters" scripts/mutation-pack.sh   # the MMU model under the drivers' tests too
# The same run here (one module's own tests): ./mvnw -Pmutation -pl gmc-core test-compile org.pitest:pitest-maven:mutationCoverage
set -euo pipefail
cd "$(dirname "$0")/.."
jdk=${JDK17:-/usr/lib/jvm/java-17-openjdk-amd64}
pit=1.30.0
pitj5=1.2.3
read -r -a modules <<< "${MODULES:-gmc-core}"
last=${modules[${#modules[@]}-1]}
./mvnw -q -B install -DskipTests
./mvnw -q -B dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=/tmp/gmc-mut-cp.txt -pl "$last"
engine=$(sed -n 's|.*junit-platform-engine/\([^/]*\)/.*|\1|p' <(tr ':' '\n' < /tmp/gmc-mut-cp.txt) | head -1)
# PIT's command line and the JUnit 5 plugin with their dependencies (commons-text, asm...), resolved by Maven
mkdir -p /tmp/gmc-mut-pom
cat > /tmp/gmc-mut-pom/pom.xml <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
  <groupId>local</groupId><artifactId>gmc-mutation-pack</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>org.pitest</groupId><artifactId>pitest-command-line</artifactId><version>$pit</version></dependency>
    <dependency><groupId>org.pitest</groupId><artifactId>pitest-html-report</artifactId><version>$pit</version></dependency>
    <dependency><groupId>org.pitest</groupId><artifactId>pitest-junit5-plugin</artifactId><version>$pitj5</version></dependency>
  </dependencies>
</project>
POM
rm -rf .device-mutation && mkdir -p .device-mutation/lib .device-mutation/pit
./mvnw -q -B -f /tmp/gmc-mut-pom/pom.xml dependency:copy-dependencies -DoutputDirectory="$PWD/.device-mutation/pit"
./mvnw -q -B dependency:get -Dartifact=org.junit.platform:junit-platform-launcher:$engine
m2=~/.m2/repository
# the packed modules' own jars stay out: their classes come as directories
skip=$(printf '/dev/gmc/%s/|' "${modules[@]}")
tr ':' '\n' < /tmp/gmc-mut-cp.txt | grep -v '^$' | grep -Ev "${skip%|}" | xargs -I{} cp {} .device-mutation/lib/
cp $m2/org/junit/platform/junit-platform-launcher/$engine/junit-platform-launcher-$engine.jar .device-mutation/lib/
for m in "${modules[@]}"; do # the names classes and test-classes matter: PIT never mutates a test-classes folder
  mkdir -p ".device-mutation/modules/$m"
  cp -r "$m/target/classes" "$m/target/test-classes" ".device-mutation/modules/$m/"
done
echo "$last" > .device-mutation/workdir
rm -rf /tmp/gmc-jremut
"$jdk/bin/jlink" --add-modules java.base,java.instrument,java.logging,java.management,jdk.unsupported,java.xml,java.sql,jdk.attach,jdk.management \
  --compress=2 --strip-debug --no-header-files --no-man-pages --output /tmp/gmc-jremut
strip --strip-unneeded /tmp/gmc-jremut/lib/server/libjvm.so || true
tar -C /tmp -czf .device-mutation/jre.tgz gmc-jremut
du -sh .device-mutation
