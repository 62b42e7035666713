#!/usr/bin/env bash
# demo.sh — install what is missing (when root), build ssmkit, and run the main job on data it
# generates. Nothing is downloaded beyond Debian packages; outputs go to demo-out/.
#
#   tools/demo.sh            full demo
#   tools/demo.sh --quick    the shortest profile
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/deps.sh
quick=0
for a in "$@"; do
  case "$a" in
    --quick) quick=1 ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "demo.sh: unknown option $a" >&2; exit 2 ;;
  esac
done
ssmkit_install_deps
build=${BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DSSMKIT_CUDA="$(ssmkit_cuda_mode)" -DCMAKE_CUDA_ARCHITECTURES=90 >/dev/null
cmake --build "$build" -j "$(nproc)"
bin=$build/tools/ssmkit
out=demo-out
mkdir -p "$out"

echo "== ssmkit --version"
"$bin" --version
echo "== ssmkit --help"
"$bin" --help
echo "== ssmkit presets"
"$bin" presets
echo "demo: done (quick=$quick); outputs in $out/"
