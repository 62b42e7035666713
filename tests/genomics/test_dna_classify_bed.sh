#!/usr/bin/env bash
# test_dna_classify_bed.sh — `ssmkit classify --bed` on mapped reads (SAM) writes reference
# coordinates: each window covers the reference span from its first to its last base aligned to
# the reference (M/=/X; deletions and skips between them included; soft clips and insertions at
# its edges take none), strand from the read; windows of unmapped reads or with no aligned base
# are left out. Expected lines are worked out by hand from the CIGARs below. FASTA input keeps
# read coordinates.
set -u
bin=${SSMKIT_BIN:?}
. "${SSMKIT_SRC:?}/tests/genomics/dna_lib.sh"

# a tiny classifier (three updates: the classes do not matter here, the coordinates do)
awk 'BEGIN { srand(7); for (i = 0; i < 60; i++) { c = i % 2; n = 40 + int(rand() * 100); s = "";
  for (j = 0; j < n; j++) { r = rand(); s = s (c ? (r < 0.7 ? "G" : "A") : (r < 0.7 ? "A" : "G")) }
  print (c ? "gc" : "at") "\t" s > (i < 50 ? "train.tsv" : "valid.tsv") } }'
printf '{"arch":"mamba-lm","d_model":16,"n_layer":2,"vocab_size":12,"d_state":4,"dt_min":0.01,"dt_max":0.5}\n' > tiny.json
"$bin" finetune --train train.tsv --valid valid.tsv -c tiny.json -L 64 -b 8 --epochs 1 --steps-per-epoch 3 \
  -o clf.safetensors -@ 1 -q 2>err && ok || { bad "finetune"; cat err; }

seq() { awk -v n="$1" -v s="$2" 'BEGIN { srand(s); split("ACGT", b, ""); for (i = 0; i < n; i++) printf "%s", b[1 + int(rand() * 4)] }'; }
{
  printf '@HD\tVN:1.6\tSO:unsorted\n@SQ\tSN:chr1\tLN:1000\n@SQ\tSN:chr2\tLN:1000\n'
  # r1: 5S20M3I10M2D15M5S at 101 (0-based 100): q5-25 -> 100-120, q28-38 -> 120-130, 2D 130-132, q38-53 -> 132-147
  printf 'r1\t0\tchr1\t101\t60\t5S20M3I10M2D15M5S\t*\t0\t0\t%s\t*\n' "$(seq 58 1)"
  # r2: reverse strand, 30M at 201
  printf 'r2\t16\tchr2\t201\t60\t30M\t*\t0\t0\t%s\t*\n' "$(seq 30 2)"
  # r3: unmapped
  printf 'r3\t4\t*\t0\t0\t*\t*\t0\t0\t%s\t*\n' "$(seq 30 3)"
  # r4: 12S18M at 401: window [0,10) is all soft clip
  printf 'r4\t0\tchr1\t401\t60\t12S18M\t*\t0\t0\t%s\t*\n' "$(seq 30 4)"
  # r5: a spliced read, 15M100N15M at 601: q0-15 -> 600-615, skip 615-715, q15-30 -> 715-730
  printf 'r5\t0\tchr1\t601\t60\t15M100N15M\t*\t0\t0\t%s\t*\n' "$(seq 30 5)"
} > reads.sam
# windows of 10 every 10 (r1: [0,10) ... [40,50) and the tail [48,58))
cat > want.bed <<'BED'
chr1	100	105	+
chr1	105	115	+
chr1	115	122	+
chr1	122	134	+
chr1	134	144	+
chr1	142	147	+
chr2	200	210	-
chr2	210	220	-
chr2	220	230	-
chr1	400	408	+
chr1	408	418	+
chr1	600	610	+
chr1	610	720	+
chr1	720	730	+
BED
"$bin" classify -m clf.safetensors --bed -L 10 -S 10 reads.sam -o got.bed -@ 1 2>err && ok || { bad "classify --bed on SAM"; cat err; }
cut -f1-3,6 got.bed > got4.bed
same want.bed got4.bed "reference spans and strands"
grep -q "3 windows of unmapped reads and 1 windows without an aligned base left out" err && ok || { bad "says what was left out"; cat err; }
# the class and score of each window are those of the same window in read coordinates
"$bin" classify -m clf.safetensors --windows -L 10 -S 10 reads.sam -o win.tsv -@ 1 2>err && ok || { bad "classify --windows"; cat err; }
awk -F'\t' '!/^#|^record/ && !($1 == "r3") && !($1 == "r4" && $2 == 0) { print $4 }' win.tsv > want_cls
cut -f4 got.bed > got_cls
same want_cls got_cls "classes as in read coordinates"
# FASTA: read coordinates, strand '.'
printf '>q1\n%s\n' "$(seq 25 6)" > reads.fa
"$bin" classify -m clf.safetensors --bed -L 10 -S 10 reads.fa -o fa.bed -@ 1 2>err && ok || { bad "classify --bed on FASTA"; cat err; }
printf 'q1\t0\t10\t.\nq1\t10\t20\t.\nq1\t15\t25\t.\n' > want_fa.bed
cut -f1-3,6 fa.bed > got_fa.bed
same want_fa.bed got_fa.bed "FASTA keeps read coordinates"
finish test_dna_classify_bed
