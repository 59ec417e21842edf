#!/usr/bin/env bash
# Soak run of the concurrency tests on a big machine (needs .device-stress/ from scripts/stress-pack.sh): one JVM per
# repetition, each with another seed (gmc.stress.seed) and the tests' thread counts multiplied by STRESS
# (gmc.stress), until SECONDS have passed or a repetition fails. Exit 1 on a failure; its output names the test.
# The OpenCL tests (dev.gmc.kernels.*) run on the GPU: the ICD loader is pointed at NVIDIA's driver when it is
# there, and GMC_REQUIRE_OPENCL=1 makes a missing device a failure, not a skip. Tests run from kernels/, since
# some read ../samples and ../gmc-core's resources.
# Usage: scripts/stress-device.sh [SECONDS=300] [STRESS=4] [test classes...]
# Output (also printed) goes to ${OUT:-/tmp/gmc-out}/stress.txt.
set -uo pipefail
cd "$(dirname "$0")/.."
secs=${1:-300}
stress=${2:-4}
shift 2 || shift $#
classes=("$@")
if [ ${#classes[@]} -eq 0 ]; then
  classes=(dev.gmc.core.pool.ZsPoolTest dev.gmc.core.store.PageStoreTest dev.gmc.mmu.PhysicalMemoryTest
    dev.gmc.mmu.EnumCountersTest dev.gmc.driver.FaultReplayRandomTest dev.gmc.driver.ParallelFaultsTest
    dev.gmc.driver.BatchRestoreTest dev.gmc.driver.DirectReclaimRestoreTest)
fi
out=${OUT:-/tmp/gmc-out}
mkdir -p "$out"
java=java
if [ -f .device-stress/jre17.tgz ]; then
  tar -C /tmp -xzf .device-stress/jre17.tgz
  java=/tmp/gmc-jre17/bin/java
fi
jhome=$(dirname "$(dirname "$(readlink -f "$(command -v "$java")")")")
if ldconfig -p 2>/dev/null | grep -q libnvidia-opencl.so.1; then
  mkdir -p /tmp/gmc-icd
  echo libnvidia-opencl.so.1 > /tmp/gmc-icd/nvidia.icd
  export OCL_ICD_VENDORS=/tmp/gmc-icd
fi
export GMC_REQUIRE_OPENCL=1
(nproc; uptime; nvidia-smi --query-gpu=name,driver_version --format=csv) > "$out/host.txt" 2>&1 || true
end=$((SECONDS + secs))
rep=0
status=0
exec > >(tee "$out/stress.txt") 2>&1
echo "stress x$stress, ${secs}s, classes: ${classes[*]}"
while [ $SECONDS -lt $end ]; do
  rep=$((rep + 1))
  printf 'rep %d (seed %d): ' "$rep" "$rep"
  if ! (cd kernels && LD_PRELOAD="$jhome/lib/libjsig.so" "$java" -Xmx8g -Dgmc.stress="$stress" \
      -Dgmc.stress.seed="$rep" -cp "../.device-stress/lib/*" StressRunner "${classes[@]}"); then
    status=1
    break
  fi
done
echo "repetitions: $rep, exit $status"
exit $status
