#!/usr/bin/env bash
# tools/gpu-check.sh — everything a GPU session checks, in one call: build with CUDA for
# sm_90, run `ctest -L gpu` (every op and the whole LM, CUDA vs the float64 reference and the CPU
# backend; the > 2^31-element scan), then the scan benchmark on the GPU. Logs and results go to
# $OUT (the device tool brings them back); the last lines printed are a short summary. Exit: 0 all
# gpu tests passed, 1 build failure or cJSON missing, 3 gpu tests skipped (no device), else ctest's.
#
# Before the session, here:  bash tools/gpu-debs.sh          (cJSON .debs into .debs/)
# On the device machine:      run(command="bash tools/gpu-check.sh", carry=[".debs"])
# The device image has nvcc and CMake but none of our Debian -dev packages: audio, genomics and
# OpenBLAS are off, and cJSON (required) comes from the carried .debs when the system lacks it.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
OUT=${OUT:-$PWD/gpu-out}
mkdir -p "$OUT"
B=build-gpu
log() { printf '== %s\n' "$*" | tee -a "$OUT/summary.txt"; }
: > "$OUT/summary.txt"

{ nvidia-smi; nvcc --version; cmake --version; } > "$OUT/machine.txt" 2>&1
log "device: $(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null | head -1)"

# ---- cJSON: the system's, else the carried .debs unpacked into a prefix (SSMKIT_FORCE_DEBS=1: always
# the .debs, to try this path on a machine that has cJSON) ----
cjson=()
if [ ! -e /usr/include/cjson/cJSON.h ] || [ "${SSMKIT_FORCE_DEBS:-0}" = 1 ]; then
  pre=$PWD/$B/cjson-prefix
  rm -rf "$pre" && mkdir -p "$pre"
  shopt -s nullglob
  debs=(.debs/libcjson*.deb)
  if [ ${#debs[@]} -lt 2 ]; then
    log "FAIL: no cJSON on this machine and no .debs/libcjson*.deb carried (run tools/gpu-debs.sh here, carry .debs)"
    exit 1
  fi
  for d in "${debs[@]}"; do
    if command -v dpkg > /dev/null; then dpkg -x "$d" "$pre"
    else (t=$(mktemp -d) && cd "$t" && ar x "$OLDPWD/$d" && tar -xf data.tar.* -C "$pre" && rm -rf "$t"); fi
  done
  lib=$(dirname "$(find "$pre" -name 'libcjson.so' | head -1)")
  cjson=(-DCJSON_INCLUDE_DIR="$pre/usr/include" -DCJSON_LIBRARY="$lib/libcjson.so")
  export LD_LIBRARY_PATH="$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  log "cJSON from the carried .debs: $lib"
fi

# ---- build (warnings are CI's gate, not this machine's: its compilers may differ) ----
export PATH=/usr/local/cuda/bin:$PATH
if ! cmake -S . -B $B -DCMAKE_BUILD_TYPE=Release -DSSMKIT_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 \
      -DSSMKIT_AUDIO=OFF -DSSMKIT_GENOMICS=OFF -DSSMKIT_BLAS=OFF "${cjson[@]}" > "$OUT/configure.log" 2>&1 ||
   ! cmake --build $B -j"$(nproc)" > "$OUT/build.log" 2>&1; then
  tail -40 "$OUT/configure.log" "$OUT/build.log" 2>/dev/null
  log "FAIL: build (see configure.log, build.log)"
  exit 1
fi
log "build ok"

# ---- the gpu tests, then the unit tests (the CPU side of this build) ----
(cd $B && ctest -L gpu --output-on-failure --timeout 900) > "$OUT/ctest-gpu.log" 2>&1
gpu_rc=$?
grep -E "worst|relative error|Test +#|tests passed|skipped" "$OUT/ctest-gpu.log" | tail -30
log "ctest -L gpu: exit $gpu_rc ($(grep -E 'tests passed' "$OUT/ctest-gpu.log" | tail -1))"
if grep -q "Skipped\|skipped: no usable" "$OUT/ctest-gpu.log"; then
  log "WARNING: gpu tests were SKIPPED: no device seen (exit 3)"
  [ "$gpu_rc" = 0 ] && gpu_rc=3
fi
(cd $B && ctest -L unit -j8 --timeout 600) > "$OUT/ctest-unit.log" 2>&1
log "ctest -L unit: exit $? ($(grep -E 'tests passed' "$OUT/ctest-unit.log" | tail -1))"

# ---- benchmarks: the scan on the GPU (medians; the issue-11 baseline) ----
: > "$OUT/bench.txt"
for shape in "-b 2 -L 2048 -D 256 -N 16" "-b 8 -L 2048 -D 1536 -N 16" "-b 2 -L 4096 -D 2048 -N 64"; do
  # shellcheck disable=SC2086
  $B/kernels/bench_scan -d cuda -r 20 $shape >> "$OUT/bench.txt" 2>&1 || log "FAIL: bench_scan $shape"
done
cat "$OUT/bench.txt"
log "results in $OUT: summary.txt machine.txt build.log ctest-gpu.log ctest-unit.log bench.txt"
cat "$OUT/summary.txt"
exit $gpu_rc
