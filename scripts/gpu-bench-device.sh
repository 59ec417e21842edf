#!/usr/bin/env bash
# Runs gmc gpu-bench on a machine without Java (the NVIDIA device box): unpacks the jlink'ed runtime that
# scripts/gpu-bench-pack.sh put in .device/, points the OpenCL ICD loader at NVIDIA's driver (and PoCL beside it),
# and writes results to ${OUT:-/tmp/gmc-out}. Arguments are passed to gmc gpu-bench, or to the subcommand named in
# GMC_CMD (e.g. GMC_CMD=gpu-restore-bench for batch restore, GMC_CMD=fault-bench with --batch-loader gpu for the
# driver models' eager restore).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-/tmp/gmc-out}
mkdir -p "$out" /tmp/gmc-icd
tar -C /tmp -xzf .device/jre.tgz
echo libnvidia-opencl.so.1 > /tmp/gmc-icd/nvidia.icd
[ -f /etc/OpenCL/vendors/pocl.icd ] && cp /etc/OpenCL/vendors/pocl.icd /tmp/gmc-icd/
export OCL_ICD_VENDORS=/tmp/gmc-icd
# Signal chaining as in ./gmc (dev.gmc.kernels.SignalChaining): PoCL beside NVIDIA builds kernels with LLVM.
java=(env LD_PRELOAD=/tmp/gmc-jre/lib/libjsig.so /tmp/gmc-jre/bin/java -XX:+DisplayVMOutputToStderr
  --enable-native-access=ALL-UNNAMED -Xmx8g -jar .device/gmc.jar)
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv || true) | tee "$out/nvidia-smi.txt"
nproc | tee "$out/nproc.txt"
"${java[@]}" gpu-bench --list-devices | tee "$out/devices.txt"
cmd=${GMC_CMD:-gpu-bench}
case "$cmd" in
  fault-bench) dev=(--cl-device gpu) ;; # its device option names the batch loader's OpenCL device
  *) dev=(--device gpu) ;;
esac
"${java[@]}" "$cmd" "${dev[@]}" --input bench-data/real-pages.bin.zst --json "$out/$cmd.json" "$@" \
  | tee "$out/$cmd.txt"
