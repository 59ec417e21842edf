#!/usr/bin/env bash
# Does an OpenCL driver replace the JVM's signal handlers? (dev.gmc.kernels.SignalChaining explains why it matters.)
# Runs gmc gpu-bench WITHOUT libjsig under strace, once per ICD (NVIDIA's; PoCL's as the positive control when
# present), and lists, per signal the JVM relies on, the distinct handlers installed over the run: more than one
# means a library replaced the JVM's. Needs .device/ from scripts/gpu-bench-pack.sh, with strace and its libraries
# in .device/strace/, copied from this machine:
#   mkdir -p .device/strace && cp "$(command -v strace)" $(ldd "$(command -v strace)" | awk '/=>/ && !/libc.so/ {print $3}') .device/strace/
# Run there with .device and bench-data carried; writes to ${OUT:-/tmp/gmc-out}.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-/tmp/gmc-out}
mkdir -p "$out"
[ -d /tmp/gmc-jre ] || tar -C /tmp -xzf .device/jre.tgz
strace=(env LD_LIBRARY_PATH="/tmp/ocl:$PWD/.device/strace" "$PWD/.device/strace/strace" -f -qq -e trace=rt_sigaction,openat
  -e signal=none)
# CUDA's own libOpenCL.so.1 (first in the device box's library path) reads /etc/OpenCL/vendors whatever
# OCL_ICD_VENDORS says, and so loads PoCL beside NVIDIA; ocl-icd's loader honours it, so put that one first.
mkdir -p /tmp/ocl
for f in libOpenCL.so.1 libOpenCL.so; do ln -sf /usr/lib/x86_64-linux-gnu/libOpenCL.so.1.0.0 /tmp/ocl/$f; done
check() { # name icd-line device
  mkdir -p "/tmp/icd-$1" && echo "$2" > "/tmp/icd-$1/$1.icd"
  OCL_ICD_VENDORS=/tmp/icd-$1 POCL_KERNEL_CACHE=0 LD_LIBRARY_PATH=/tmp/ocl "${strace[@]}" -o "$out/$1.strace" /tmp/gmc-jre/bin/java \
    -XX:+DisplayVMOutputToStderr -Xmx4g -jar .device/gmc.jar gpu-bench --device "$3" --rounds 1 --batch-mib 8 \
    --e2e-batches 1 --input bench-data/real-pages.bin.zst > "$out/$1.out" 2> "$out/$1.err"
  local rc=$?
  {
    echo "$1: exit $rc, $(grep -c 'verified' "$out/$1.out") kernel(s) run and verified; OpenCL libraries opened:" \
      "$(grep -v ENOENT "$out/$1.strace" | grep -o '"[^"]*/lib[^"/]*\(pocl\|nvidia\|LLVM\|OpenCL\|cuda\)[^"/]*\.so[^"/]*"' | grep -v icudata | sort -u | tr '\n' ' ')"
    for s in SIGSEGV SIGBUS SIGILL SIGFPE SIGXFSZ SIGQUIT; do
      echo "  $s: $(grep -o "rt_sigaction($s, {sa_handler=[^,]*" "$out/$1.strace" | sed 's/.*sa_handler=//' \
        | sort | uniq -c | tr -s ' ' | tr '\n' ';') (count and handler of each install)"
    done
  } | tee -a "$out/summary.txt"
}
check nvidia libnvidia-opencl.so.1 gpu
[ -f /etc/OpenCL/vendors/pocl.icd ] && check pocl "$(cat /etc/OpenCL/vendors/pocl.icd)" cpu
exit 0
