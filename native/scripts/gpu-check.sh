#!/usr/bin/env bash
# GPU host check (needs nvcc, cmake, g++; no Node.js): fresh CUDA build of kernel_check, then the correctness check
# and the benchmark. Output is tee'd to $LOG_DIR (default ./gpu-check-logs). Meant to finish within 5 minutes.
#   native/scripts/gpu-check.sh            full run
#   QUICK=1 native/scripts/gpu-check.sh    shorter benchmark (fewer shapes and repetitions)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${BUILD_DIR:-$(mktemp -d /tmp/aurola-gpu-check.XXXXXX)}"
logs="${LOG_DIR:-$PWD/gpu-check-logs}"
mkdir -p "$logs"
jobs="$(nproc 2>/dev/null || echo 4)"

echo "== configure ($build)"
cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release -DAUROLA_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 \
  2>&1 | tee "$logs/configure.log" | grep -E "aurola|CUDA|Error" || true
echo "== build kernel_check"
timeout 120 cmake --build "$build" -j "$jobs" --target kernel_check 2>&1 | tee "$logs/build.log" | grep -E "error|warning" || true
[ -x "$build/kernel_check" ] || { echo "build failed: see $logs/build.log"; exit 1; }

command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true

status=0
echo "== kernel_check --check"
timeout 60 "$build/kernel_check" --check 2>&1 | tee "$logs/check.log" || status=1
echo "== kernel_check --bench${QUICK:+ --quick}"
timeout 110 "$build/kernel_check" --bench ${QUICK:+--quick} 2>&1 | tee "$logs/bench.log" || status=1
echo "== logs in $logs (exit $status)"
exit $status
