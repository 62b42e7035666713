#!/usr/bin/env bash
# code-share.sh [ROOT] — lines of code per top-level folder and the share of tools/ in the
# non-test code.
#
# What it counts: every line (blank lines and comments included, as `wc -l` does) of the C, CUDA
# and header sources: *.c *.h *.cu *.cuh *.inc *.cpp. Not counted: CMake files, scripts (*.sh,
# *.py), configs (*.json), docs, test fixtures and generated files (build*/). "Non-test code" is
# every folder but tests/; kernels/dev/ (the kernel lab, not linked into the library) is shown on
# its own line and left out of the non-test total. Files: those tools/repo-files.sh lists.
# bash and awk only.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=${1:-$here/..}
cd "$root" || exit 2
root=$(pwd)
bash "$here/repo-files.sh" "$root" | grep -E '\.(c|h|cu|cuh|inc|cpp)$' | grep / | while IFS= read -r f; do
  [ -f "$f" ] || continue
  case "$f" in kernels/dev/*) d=kernels/dev ;; *) d=${f%%/*} ;; esac
  printf '%s %s\n' "$d" "$(wc -l <"$f")"
done | awk '
  { n[$1] += $2; files[$1]++ }
  END {
    printf "%-12s %7s %6s  (lines of *.c *.h *.cu *.cuh *.inc *.cpp, as wc -l counts them)\n", "folder", "lines", "files"
    for (d in n) printf "%-12s %7d %6d\n", d, n[d], files[d] | "sort"
    close("sort")
    for (d in n) if (d != "tests" && d != "kernels/dev") code += n[d]
    printf "%-12s %7d         (every folder but tests/ and kernels/dev/)\n", "non-test", code
    if (code > 0) printf "tools/ share of the non-test code: %d / %d = %.1f%%\n", n["tools"], code, 100 * n["tools"] / code
  }'
