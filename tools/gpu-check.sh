#!/usr/bin/env bash
# tools/gpu-check.sh — everything a GPU session checks, in one call: build with CUDA for
# sm_90 (the CUDA backend is the module lib/ssmkit/libssmkit_cuda.so), run `ctest -L 'gpu|cuda'`
# (every op and every model kind, CUDA vs the float64 reference and the CPU backend; the
# > 2^31-element scan; train / eval / finetune / classify end to end on --device cuda vs cpu,
# chunked training and streaming eval included; the module loaded only for --device cuda), then
# the benchmarks: the scan forward/backward at D 1536, N 16 (G updates/s and the fraction of HBM
# bandwidth of its minimal traffic), `ssmkit bench` forward+backward of dna-7m at 2^17 and of
# sc09-mamba-small, and generation at batch 1 and 64. Everything lands in ONE file,
# $OUT/results.txt (plus the raw logs beside it; the device tool brings $OUT back); the last lines
# printed are a short summary. Exit: 0 all gpu tests passed, 1 build failure or cJSON missing,
# 3 gpu tests skipped (no device), else ctest's. NCCL needs MPI at build time, which the device
# image lacks: results.txt says whether NCCL was built (the multi-GPU run is separate).
#
#   bash tools/gpu-check.sh [all|tests|bench]     (default all)
# One device command may run 10 minutes: `tests` (build + ctest) and then `bench` on the same warm
# machine split the work in two calls; the build is kept between them, and results.txt, kept in
# the build folder, is copied to $OUT complete after each call.
#
# Before the session, here:  bash tools/gpu-debs.sh          (cJSON .debs into .debs/)
# On the device machine:      run(command="bash tools/gpu-check.sh", carry=[".debs"])
# The device image has nvcc and CMake but none of our Debian -dev packages: audio, genomics and
# OpenBLAS are off, and cJSON (required) comes from the carried .debs when the system lacks it.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
phase=${1:-all}
case "$phase" in all|tests|bench) ;; *) echo "usage: gpu-check.sh [all|tests|bench]" >&2; exit 2 ;; esac
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

R=$B/results.txt
[ "$phase" = bench ] && [ -s "$R" ] || {
  echo "# GPU check $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "- device: $(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null | head -1)"
  echo "- nvcc: $(nvcc --version 2>/dev/null | tail -1)"
  echo "- commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "- NCCL built: $(grep -q '\[x\] NCCL' "$OUT/configure.log" && echo yes || echo 'no (MPI development files missing on this machine: the NCCL run is still missing)')"
} > "$R"
gpu_rc=0

# ---- the gpu and cuda tests ----
if [ "$phase" != bench ]; then
(cd $B && ctest -L 'gpu|cuda' --output-on-failure --timeout 900) > "$OUT/ctest-gpu.log" 2>&1
gpu_rc=$?
grep -E "worst|relative error|relative difference|Test +#|tests passed|skipped" "$OUT/ctest-gpu.log" | tail -40
log "ctest -L 'gpu|cuda': exit $gpu_rc ($(grep -E 'tests passed' "$OUT/ctest-gpu.log" | tail -1))"
if grep -q "Skipped\|skipped: no usable" "$OUT/ctest-gpu.log"; then
  log "WARNING: gpu tests were SKIPPED: no device seen (exit 3)"
  [ "$gpu_rc" = 0 ] && gpu_rc=3
fi
{
  echo; echo "## ctest -L 'gpu|cuda' (exit $gpu_rc)"; echo; echo '```'
  grep -E "Test +#|tests passed|worst|updates, worst|relative [0-9]|max \|difference" "$OUT/ctest-gpu.log" | tail -60
  echo '```'
} >> "$R"
fi
cp "$R" "$OUT/results.txt"

# ---- benchmarks (each bounded in time, so the session budget holds) ----
if [ "$phase" != tests ]; then
# HBM peak by device name (bytes/s), for the bandwidth fraction of the scan
gpu=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1)
case "$gpu" in
  *H200*) peak=4.8e12 ;; *H100*PCIe*) peak=2.0e12 ;; *H100*) peak=3.35e12 ;; *A100*) peak=2.0e12 ;; *) peak=0 ;;
esac
{
  echo; echo "## Selective scan on $gpu (bench_scan -d cuda, s6, D 1536, N 16; median of 5)"; echo
  echo "Minimal traffic (4 bytes a value): forward reads u, delta, z, B, C and writes y; backward reads"
  echo "u, delta, z, dy, B, C and writes du, ddelta, dz, dB, dC. Fraction = traffic / time / HBM peak ($peak B/s)."
  echo
  echo "| b | L | fwd G upd/s | fwd ms | fwd HBM frac | bwd G upd/s | bwd ms | bwd HBM frac |"
  echo "|---|---|---|---|---|---|---|---|"
} >> "$R"
for bl in "8 2048" "1 16384" "8 16384" "1 131072" "1 1048576"; do
  set -- $bl
  b=$1 L=$2
  timeout 60 $B/kernels/bench_scan -d cuda -r 5 -b "$b" -L "$L" -D 1536 -N 16 > "$OUT/scan-b$b-L$L.txt" 2>&1 ||
    log "FAIL: bench_scan b $b L $L (exit $?)"
  awk -v b="$b" -v L="$L" -v peak="$peak" '
    $1 == "forward" { fms = $2; fg = $3 } $1 == "backward" { bms = $2; bg = $3 }
    END { D = 1536; N = 16; rows = b * L;
      fbytes = 4 * (4 * rows * D + 2 * rows * N); bbytes = 4 * (7 * rows * D + 4 * rows * N);
      ff = fms > 0 && peak > 0 ? fbytes / (fms / 1e3) / peak : 0; bf = bms > 0 && peak > 0 ? bbytes / (bms / 1e3) / peak : 0;
      printf "| %d | %d | %s | %s | %.2f | %s | %s | %.2f |\n", b, L, fg, fms, ff, bg, bms, bf }' "$OUT/scan-b$b-L$L.txt" >> "$R"
done
# ssmkit bench: forward+backward tokens/s, generation
bench() { # NAME ARGS...: one bench run, its BENCHMARKS lines into results.txt
  local name=$1; shift
  timeout 90 $B/tools/ssmkit bench "$@" --device cuda > "$OUT/bench-$name.txt" 2>&1 || log "FAIL: ssmkit bench $name (exit $?)"
  { echo; echo "## ssmkit bench $* --device cuda"; echo; echo '```'; cat "$OUT/bench-$name.txt"; echo '```'; } >> "$R"
}
bench dna7m-2e17 --preset dna-7m -L 131072 -b 1 -i 2
bench sc09-small --preset sc09-mamba-small -b 1 -i 2
bench sc09-gen-b1 --preset sc09-mamba-small --generate 16000 -b 1
bench sc09-gen-b64 --preset sc09-mamba-small --generate 16000 -b 64
fi
cp "$R" "$OUT/results.txt"
log "results in $OUT: results.txt (everything so far), summary.txt machine.txt configure.log build.log ctest-gpu.log"
cat "$OUT/summary.txt"
exit $gpu_rc
