#!/usr/bin/env bash
# test_whole_rss.sh — the bounded-memory gate of whole-record streaming: `ssmkit eval --whole`
# with dna-tiny over one synthetic record of 64 Mb has a peak RSS (/usr/bin/time -v) within 10%
# of the same over a record of 2 Mb, because records are read in pieces (genomics/README.md) and
# the model runs in chunks (classify and embed --whole read records the same way). Several
# minutes on 2 idle cores: label slow. SK_RSS_BIG (Mb) overrides 64.
# Skips (77) without /usr/bin/time or the DNA front-end.
set -u
bin=${SSMKIT_BIN:?}
. "${SSMKIT_SRC:?}/tests/cli/lib.sh"
big=${SK_RSS_BIG:-64}
[ -x /usr/bin/time ] || { echo "skip: /usr/bin/time missing (apt-get install time)"; exit 77; }
"$bin" --version | grep -q genomics || { echo "skip: ssmkit built without the DNA front-end"; exit 77; }
cd "$t" || exit 1
# a tiny DNA LM (one update of dna-tiny)
awk 'BEGIN { srand(3); print ">g"; for (i = 0; i < 100; i++) { s = ""; for (j = 0; j < 80; j++) s = s substr("ACGT", 1 + int(rand() * 4), 1); print s } }' > g.fa
"$bin" dna windows g.fa -L 64 -o g.shard >/dev/null 2>err || { echo "FAIL: dna windows: $(cat err)"; exit 1; }
expect 0 "train dna-tiny" -- "$bin" train --data g.shard -p dna-tiny -L 64 -b 2 --steps 1 -o m.safetensors -q -@ 1
# one random block of 1 Mb in lines of 80, repeated: records of 2 and $big Mb
awk 'BEGIN { srand(5); for (i = 0; i < 13107; i++) { s = ""; for (j = 0; j < 80; j++) s = s substr("ACGT", 1 + int(rand() * 4), 1); print s } }' > block
echo ACGTACGTACGTACGT >> block # 13107 x 80 + 16 = 1,048,576 bases
rec() { { echo ">chrS"; for _ in $(seq 1 "$1"); do cat block; done; } > "$2"; }
rec 2 small.fa
rec "$big" big.fa
peak() { # FASTA BASES: eval --whole under /usr/bin/time -v; the peak RSS in kB into $kb
  expect 0 "eval --whole $1" -- /usr/bin/time -v "$bin" eval -m m.safetensors -d "$1" --whole -@ 2
  grep -q "^bases	$2$" "$t/out" && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL: $1: not $2 bases"; cat "$t/out"; }
  kb=$(sed -n 's/.*Maximum resident set size (kbytes): \([0-9]*\).*/\1/p' "$t/err")
}
peak small.fa $((2 * 1048576)); small=$kb
peak big.fa $((big * 1048576)); large=$kb
awk -v a="$small" -v b="$large" -v n="$big" 'BEGIN { e = (b - a) / a
  printf "peak RSS: 2 Mb record %.1f MiB, %d Mb record %.1f MiB: %+.1f%%\n", a / 1024, n, b / 1024, 100 * e
  exit !(a > 0 && b > 0 && e <= 0.10) }' > cmp
if [ $? -eq 0 ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: peak RSS grows with the record's length"; fi
cat cmp
finish test_whole_rss
