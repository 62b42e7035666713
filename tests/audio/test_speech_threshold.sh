#!/bin/bash
# test_speech_threshold.sh — `ssmkit audio threshold` on a synthetic 10,240-clip loglik.tsv (rows
# shuffled, ranks 1 = most likely): the statement names positions [2048, 4864) of the 5120-clip
# evaluation half, 2816 rows kept, each an input row unchanged, least likely first (ranks
# decreasing); the same seed gives the same rows, another seed other rows of the same count;
# -o writes the header and the rows; bad tables are refused naming the file and line.
source "${SSMKIT_SRC:?}/tests/cli/lib.sh"
bin=${SSMKIT_BIN:?}
awk 'BEGIN{ print "rank\tfile\tclip\tloglik_nats\tbits_per_sample";
  srand(3); for (r = 1; r <= 10240; r++) { ll = -1000 - r * 0.25; printf "%d\t%05d.wav\t%d\t%.6f\t%.6f\n", r, r, int(rand()*10240), ll, -ll/16000/log(2) } }' \
  | { read -r h; echo "$h"; sort -R --random-source=<(yes); } >"$t/loglik.tsv"
[ "$(wc -l <"$t/loglik.tsv")" -eq 10241 ] || { echo "FAIL: fixture"; exit 1; }
expect 0 "threshold" -- "$bin" audio threshold "$t/loglik.tsv" --seed 7 -o "$t/kept.tsv"
grep_in out "^# threshold: 2816 of 10240 clips kept: positions \[2048, 4864) of the 5120-clip evaluation half" "range stated"
cp "$t/out" "$t/a.out"
if awk -F'\t' 'NR==FNR { if (FNR > 1) row[$1] = $0; next }
  /^#/ { next } { n++; if (row[$1] != $0) bad = 1; if (n > 1 && $1 >= prev) bad = 1; prev = $1 }
  END { exit (bad || n != 2816) }' "$t/loglik.tsv" "$t/a.out"; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: kept rows"; fi
if [ "$(head -1 "$t/kept.tsv")" = "$(head -1 "$t/loglik.tsv")" ] && diff <(tail -n +2 "$t/kept.tsv") <(grep -v '^#' "$t/a.out") >/dev/null
then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: -o file"; fi
expect 0 "same seed" -- "$bin" audio threshold "$t/loglik.tsv" --seed 7
cmp -s "$t/out" "$t/a.out" && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL: same seed differs"; }
expect 0 "other seed" -- "$bin" audio threshold "$t/loglik.tsv" --seed 8
grep_in out "2816 of 10240 clips kept" "other seed: same count"
cmp -s "$t/out" "$t/a.out" && { fail=$((fail+1)); echo "FAIL: other seed, same rows"; } || pass=$((pass+1))
{ head -1 "$t/loglik.tsv"; printf '1\ta.wav\t0\t-1\t1\n2\tb.wav\t1\t-2\t1\n3\tc.wav\t2\t-3\t1\n3\td.wav\t3\t-4\t1\n'; } >"$t/bad.tsv"
expect 1 "repeated rank" -- "$bin" audio threshold "$t/bad.tsv"
grep_in err "ssmkit: error: .*bad.tsv: line 5: rank" "names file and line"
printf 'x\ty\n' >"$t/bad2.tsv"
expect 1 "no header" -- "$bin" audio threshold "$t/bad2.tsv"
expect 2 "no input" -- "$bin" audio threshold
finish test_speech_threshold
