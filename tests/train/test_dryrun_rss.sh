#!/usr/bin/env bash
# test_dryrun_rss.sh — the --dry-run memory gate: the predicted peak of `ssmkit train --dry-run`
# is within 15% of the peak RSS that /usr/bin/time -v measures for the same training run: dna-1.4m,
# L 2^16 (auto chunking: 4096), batch 1, 2 threads, one update, on a DNA token shard of random
# bases (no valid split, so no validation pass). About 2-4 minutes on dev-2c: label slow.
# Skips (77) without /usr/bin/time (Debian package time) or without the DNA front-end.
set -u
bin=${SSMKIT_BIN:?}
. "${SSMKIT_SRC:?}/tests/cli/lib.sh"
L=${SK_RSS_LENGTH:-65536}
[ -x /usr/bin/time ] || { echo "skip: /usr/bin/time missing (apt-get install time)"; exit 77; }
# 600,000 random bases (awk: a fresh Debian has no python3)
awk 'BEGIN { srand(3); print ">chr1"; for (i = 0; i < 7500; i++) { s = ""; for (j = 0; j < 80; j++) s = s substr("ACGT", 1 + int(rand() * 4), 1); print s } }' >"$t/g.fa"
"$bin" dna windows "$t/g.fa" -L "$L" -o "$t/w.shard" >/dev/null 2>"$t/err" || { echo "skip: dna windows: $(cat "$t/err")"; exit 77; }
args=(--preset dna-1.4m -d "$t/w.shard" -L "$L" -b 1 -@ 2 -n 1)
expect 0 "dry run" -- "$bin" train "${args[@]}" --dry-run
cat "$t/out"
pred=$(sed -n 's/^  predicted peak  *\([0-9.]*\) MiB.*/\1/p' "$t/out")
expect 0 "train one update" -- /usr/bin/time -v "$bin" train "${args[@]}" -q -o "$t/m.safetensors"
kb=$(sed -n 's/.*Maximum resident set size (kbytes): \([0-9]*\).*/\1/p' "$t/err")
awk -v p="$pred" -v kb="$kb" 'BEGIN { m = kb / 1024; e = (p - m) / m
  printf "predicted %.1f MiB, measured peak RSS %.1f MiB (/usr/bin/time -v): %+.1f%%\n", p, m, 100 * e
  exit !(p > 0 && kb > 0 && e <= 0.15 && e >= -0.15) }' >"$t/cmp"
if [ $? -eq 0 ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: prediction off by more than 15%"; fi
cat "$t/cmp"
finish test_dryrun_rss
