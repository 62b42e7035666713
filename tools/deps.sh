# deps.sh — sourced by tools/test.sh and tools/demo.sh: the Debian packages ssmkit needs, and
# an installer that adds the missing ones when run as root (otherwise it says what to install).
# clang and libclang-rt-14-dev (libFuzzer and the sanitizer runtimes of clang 14) build tests/fuzz.
# python3-numpy and python3-scipy write the speech-score fixtures (tests/reference/make_speech_metric_fixtures.py).
SSMKIT_DEBS="build-essential cmake pkg-config libopenblas-openmp-dev libcjson-dev \
libsndfile1-dev libsamplerate0-dev libhts-dev zlib1g-dev libbigwig-dev samtools tabix \
openmpi-bin libopenmpi-dev time espeak-ng sox jq bcftools lame \
libfftw3-dev libpng-dev librsvg2-bin clang libclang-rt-14-dev python3-numpy python3-scipy"

ssmkit_install_deps() {
  local missing=() p
  for p in $SSMKIT_DEBS "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -eq 0 ]; then
    echo "ssmkit: installing Debian packages: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || {
      echo "ssmkit: apt-get install failed" >&2; return 1; }
  else
    echo "ssmkit: missing Debian packages (run as root to install them): ${missing[*]}" >&2
  fi
}

# Prints ON when an nvcc exists (PATH or /usr/local/cuda/bin), else OFF.
ssmkit_cuda_mode() {
  if command -v nvcc >/dev/null 2>&1 || [ -x /usr/local/cuda/bin/nvcc ]; then echo ON; else echo OFF; fi
}
