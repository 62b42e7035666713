#!/usr/bin/env bash
# test_dryrun_rss.sh — the --dry-run gate of issue 12: the predicted peak of `ssmkit train --dry-run`
# is within 15% of the peak RSS that /usr/bin/time -v measures for the same training run: dna-1.4m,
# L 2^16 (auto chunking: 4096), batch 1, 2 threads, one update, on a DNA token shard of random
# bases (no valid split, so no validation pass). About 2-4 minutes on dev-2c: label slow.
# Skips (77) without /usr/bin/time (Debian package time) or without the DNA front-end.
set -u
bin=${SSMKIT_BIN:?}
. "${SSMKIT_SRC:?}/tests/cli/lib.sh"
L=${SK_RSS_LENGTH:-65536}
[ -x /usr/bin/time ] || { echo "skip: /usr/bin/time missing (apt-get install time)"; exit 77; }
python3 - "$t/g.fa" <<'PY'
import random, sys
random.seed(3)
with open(sys.argv[1], "w") as f:
    f.write(">chr1\n")
    s = "".join(random.choice("ACGT") for _ in range(600000))
    for i in range(0, len(s), 80): f.write(s[i:i + 80] + "\n")
PY
"$bin" dna windows "$t/g.fa" -L "$L" -o "$t/w.shard" >/dev/null 2>"$t/err" || { echo "skip: dna windows: $(cat "$t/err")"; exit 77; }
args=(--preset dna-1.4m -d "$t/w.shard" -L "$L" -b 1 -@ 2 -n 1)
expect 0 "dry run" -- "$bin" train "${args[@]}" --dry-run
cat "$t/out"
pred=$(sed -n 's/^  predicted peak  *\([0-9.]*\) MiB.*/\1/p' "$t/out")
expect 0 "train one update" -- /usr/bin/time -v "$bin" train "${args[@]}" -q -o "$t/m.safetensors"
kb=$(sed -n 's/.*Maximum resident set size (kbytes): \([0-9]*\).*/\1/p' "$t/err")
python3 - "$pred" "$kb" >"$t/cmp" <<'PY'
import sys
pred, meas = float(sys.argv[1]), int(sys.argv[2]) / 1024
err = (pred - meas) / meas
print("predicted %.1f MiB, measured peak RSS %.1f MiB (/usr/bin/time -v): %+.1f%%" % (pred, meas, 100 * err))
sys.exit(0 if abs(err) <= 0.15 else 1)
PY
if [ $? -eq 0 ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: prediction off by more than 15%"; fi
cat "$t/cmp"
finish test_dryrun_rss
