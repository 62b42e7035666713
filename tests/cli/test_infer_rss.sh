#!/usr/bin/env bash
# test_infer_rss.sh — the inference memory gate: `ssmkit eval --whole` of dna-1.4m (one update) on
# one record of 2^20 random bases in a single chunk (-C 1048576) runs in at most 8 GiB of peak RSS
# (/usr/bin/time -v), and its total NLL equals the one of chunks of 4096 within 1e-5 relative
# (models/README.md §Inference). Two passes over 2^20 positions, about 5 CPU-minutes each (25 wall
# minutes each on a heavily shared dev-2c): label slow. Skips (77) without /usr/bin/time or
# without the DNA front-end.
set -u
bin=${SSMKIT_BIN:?}
. "${SSMKIT_SRC:?}/tests/cli/lib.sh"
[ -x /usr/bin/time ] || { echo "skip: /usr/bin/time missing (apt-get install time)"; exit 77; }
"$bin" --version | grep -q genomics || { echo "skip: ssmkit built without the DNA front-end"; exit 77; }
cd "$t" || exit 1
# a dna-1.4m checkpoint after one update on 4,000 random bases
awk 'BEGIN { srand(3); print ">r"; s = ""; for (j = 0; j < 4000; j++) s = s substr("ACGT", 1 + int(rand() * 4), 1); print s }' > g.fa
expect 0 "dna windows" -- "$bin" dna windows g.fa -L 1024 -o g.shard
expect 0 "train dna-1.4m one update" -- "$bin" train --data g.shard --preset dna-1.4m -L 1024 -b 2 --steps 1 -o m.safetensors -q -@ 2
# one record of 2^20 random bases
awk 'BEGIN { srand(7); print ">big"; for (i = 0; i < 16384; i++) { s = ""; for (j = 0; j < 64; j++) s = s substr("ACGT", 1 + int(rand() * 4), 1); print s } }' > big.fa
expect 0 "eval --whole -C 1048576" -- /usr/bin/time -v "$bin" eval -m m.safetensors -d big.fa --whole -C 1048576 -@ 2
cp "$t/out" one.out
kb=$(sed -n 's/.*Maximum resident set size (kbytes): \([0-9]*\).*/\1/p' "$t/err")
echo "eval --whole -C 1048576: peak RSS ${kb:-?} KiB"
if [ -n "$kb" ] && [ "$kb" -le $((8 * 1024 * 1024)) ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: peak RSS above 8 GiB"; cat "$t/err"; fi
expect 0 "eval --whole -C 4096" -- "$bin" eval -m m.safetensors -d big.fa --whole -C 4096 -@ 2
a=$(awk -F'\t' '$1 == "nll" { print $2 }' one.out) b=$(awk -F'\t' '$1 == "nll" { print $2 }' "$t/out")
grep_inF out "targets	1048575" "2^20 - 1 targets"
if awk -v a="$a" -v b="$b" 'BEGIN { d = a - b; if (d < 0) d = -d; printf "nll %s (one chunk) vs %s (chunks of 4096): relative %.2g\n", a, b, d / b; exit !(b > 0 && d / b <= 1e-5) }'
then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: NLL of one chunk differs from chunks of 4096"; fi
finish test_infer_rss
