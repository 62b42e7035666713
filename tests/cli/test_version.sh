#!/usr/bin/env bash
# test_version.sh — `ssmkit --version` lists exactly the features CMake configured, in a fixed order
# (openmp openblas audio genomics cuda mpi nccl). ARGS: the expected features, one word each
# (tests/cli/CMakeLists.txt builds the list from the SSMKIT_HAVE_* settings).
set -u
bin=${SSMKIT_BIN:?}
. "$(dirname "$0")/lib.sh"

want="features:"
for f in "$@"; do want="$want $f"; done
expect 0 "--version" -- "$bin" --version
grep_in out "^ssmkit [0-9]" "--version prints the version"
got=$(sed -n '/^features:/p' "$t/out")
if [ "$got" = "$want" ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: --version: got '$got', want '$want'"; fi
finish test_version
