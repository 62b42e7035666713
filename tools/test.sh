#!/usr/bin/env bash
# test.sh — install what is missing (Debian packages, when root), configure, build and run the
# test suite; then build again with AddressSanitizer + UndefinedBehaviorSanitizer (CUDA off)
# and run the `unit` tests under it; then, when clang is installed, build the libFuzzer harnesses
# of tests/fuzz and run each for SSMKIT_FUZZ_SECONDS (20) on its seeds (ctest label fuzz); then
# build with the CUDA emulator (tests/cuda_emu: the CUDA backend compiled as C++ against a CPU
# emulator of the runtime) and run the `gpu` and `cuda` tests there. First of all, the structure
# check (tools/check-structure.sh: layer rule of the includes, no citations of documents outside
# the repository, no issue numbers, no model-kind branches in tools/), which needs neither
# packages nor a build.
#
#   tools/test.sh            default suite (everything but the `slow` label)
#   tools/test.sh --slow     include `slow` tests
#   tools/test.sh --no-asan  skip the sanitizer build
#   tools/test.sh --no-fuzz  skip the fuzz build
#   tools/test.sh --no-emu   skip the CUDA emulator build
# Environment: BUILD_DIR (default build), JOBS (default nproc).
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/deps.sh

slow=0 asan=1 fuzz=1 emu=1
for a in "$@"; do
  case "$a" in
    --slow) slow=1 ;;
    --no-asan) asan=0 ;;
    --no-fuzz) fuzz=0 ;;
    --no-emu) emu=0 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "test.sh: unknown option $a" >&2; exit 2 ;;
  esac
done

tools/check-structure.sh
ssmkit_install_deps
jobs=${JOBS:-$(nproc)}
build=${BUILD_DIR:-build}
cuda=$(ssmkit_cuda_mode)
echo "ssmkit test: CUDA mode $cuda (nvcc $( [ "$cuda" = ON ] && echo found || echo not found ))"

filter=(-LE slow)
[ $slow -eq 1 ] && filter=()

cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DSSMKIT_WERROR=ON -DSSMKIT_CUDA="$cuda" \
      -DCMAKE_CUDA_ARCHITECTURES=90
cmake --build "$build" -j "$jobs"
(cd "$build" && ctest --output-on-failure -j "$jobs" "${filter[@]}")

if [ $asan -eq 1 ]; then
  echo "ssmkit test: ASan+UBSan build (CUDA off), unit tests"
  cmake -S . -B "$build-asan" -DCMAKE_BUILD_TYPE=Debug -DSSMKIT_WERROR=ON -DSSMKIT_CUDA=OFF \
        -DSSMKIT_SANITIZE=ON
  cmake --build "$build-asan" -j "$jobs"
  (cd "$build-asan" && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
     ctest --output-on-failure -j "$jobs" -L unit "${filter[@]}")
fi
if [ $fuzz -eq 1 ] && command -v clang >/dev/null 2>&1; then
  echo "ssmkit test: libFuzzer harnesses (clang), each ${SSMKIT_FUZZ_SECONDS:-20} s on its seeds"
  CC=clang cmake -S . -B "$build-fuzz" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSSMKIT_FUZZ=ON -DSSMKIT_CUDA=OFF \
        -DSSMKIT_MPI=OFF -DSSMKIT_AUDIO=OFF -DSSMKIT_OPENMP=OFF -DSSMKIT_FUZZ_SECONDS="${SSMKIT_FUZZ_SECONDS:-20}"
  cmake --build "$build-fuzz" -j "$jobs" --target fuzzers
  (cd "$build-fuzz" && ctest --output-on-failure -j "$jobs" -L fuzz)
elif [ $fuzz -eq 1 ]; then
  echo "ssmkit test: no clang, fuzz harnesses skipped (Debian: clang libclang-rt-14-dev)"
fi

# ---- the CUDA emulator job: every CUDA kernel against the float64 reference and the CPU under
# several thread orders, the planted race, the emulator's limits, the CUDA module, and the program
# end to end on --device cuda vs cpu (about 2 minutes on 2 cores: BENCHMARKS.md) ----
if [ $emu -eq 1 ]; then
  echo "ssmkit test: CUDA emulator build (CUDA off, tests/cuda_emu on), gpu and cuda tests"
  cmake -S . -B "$build-emu" -DCMAKE_BUILD_TYPE=Release -DSSMKIT_WERROR=ON -DSSMKIT_CUDA=OFF -DSSMKIT_CUDA_EMU=ON
  cmake --build "$build-emu" -j "$jobs" --target ssmkit_cli markov_gen test_backend test_gpu_ops test_gpu_bigscan \
        test_cuda_emu ssmkit_cuda_race
  (cd "$build-emu" && ctest --output-on-failure -j "$jobs" -L 'gpu|cuda' "${filter[@]}")
fi
echo "ssmkit test: all passed (CUDA mode $cuda)"
