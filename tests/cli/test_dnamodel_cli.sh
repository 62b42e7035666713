#!/usr/bin/env bash
# test_dnamodel_cli.sh — `ssmkit finetune` and `ssmkit classify` end to end on generated data:
#   probabilities of every row sum to 1 (+-1e-5); the same predicted class and probabilities
#   within 1e-6 with 1 and 2 threads and with batch 1 and 16; --rc-average gives a sequence and
#   its reverse complement the same probabilities; record = softmax(mean of window log-probs)
#   recomputed from the --windows rows; short records padded or skipped and said so;
#   bad inputs: unknown file type, empty FASTA, a BAM of only unmapped reads (classified, one row
#   per read), a labels file with an unknown class, an LM given to classify.
set -u
bin=${SSMKIT_BIN:?}
"$bin" --version | grep -q genomics || { echo "genomics front-end not built: skipped"; exit 77; }
. "${SSMKIT_SRC:?}/tests/cli/lib.sh"   # $t, pass/fail counters, finish
cd "$t" || exit 1
expect_err() { # CODE PATTERN WHAT -- command...  (stderr must contain PATTERN)
  local code=$1 pat=$2 what=$3; shift 4
  "$@" >out.txt 2>err.txt; local rc=$?
  if [ "$rc" -eq "$code" ] && grep -q -- "$pat" err.txt && grep -q "^ssmkit: error: " err.txt; then ok
  else bad "$what: exit $rc (want $code), stderr:"; cat err.txt; fi
}

# ---- labelled data: GC-rich "gc" vs AT-rich "at" sequences, 40-200 bases -------------------
awk 'BEGIN { srand(7); for (i = 0; i < 400; i++) { c = i % 2; n = 40 + int(rand() * 160); s = "";
  for (j = 0; j < n; j++) { r = rand(); if (c) s = s (r < 0.35 ? "G" : r < 0.7 ? "C" : r < 0.85 ? "A" : "T");
    else s = s (r < 0.35 ? "A" : r < 0.7 ? "T" : r < 0.85 ? "G" : "C") }
  print (c ? "gc" : "at") "\t" s > (i < 300 ? "train.tsv" : "valid.tsv") } }'
expect 0 "finetune from scratch" -- "$bin" finetune --train train.tsv --valid valid.tsv -L 64 -b 8 --epochs 2 \
  --steps-per-epoch 15 --lr 3e-3 -o clf.safetensors -@ 1 -q
[ -s clf.safetensors ] && [ -s clf.best.safetensors ] && [ -s clf.log.jsonl ] && ok || bad "finetune outputs"
grep -q '"valid_accuracy"' clf.log.jsonl && grep -q '"valid_confusion"' clf.log.jsonl && ok || bad "log has accuracy and confusion"

# ---- inputs: a FASTA with a long record, a short one, and one with IUPAC codes --------------
awk 'BEGIN { srand(3); split("ACGT", b, ""); s = ""; for (j = 0; j < 700; j++) s = s b[1 + int(rand() * 4)];
  print ">long"; print s; print ">short"; print "ACGTTGCA"; print ">iupac"; print "ACGTNNRYACGTACGGGCCCATATATGCGCGCAAATTTGGGCCCAAATTTACGTACGTAGCTAGCTAGCATCGATCG" }' > in.fa
expect 0 "classify batch 16, 1 thread" -- "$bin" classify -m clf.safetensors -b 16 -@ 1 -w in.fa -o b16t1.tsv
expect 0 "classify batch 1, 1 thread" -- "$bin" classify -m clf.safetensors -b 1 -@ 1 -w in.fa -o b1t1.tsv
expect 0 "classify batch 16, 2 threads" -- "$bin" classify -m clf.safetensors -b 16 -@ 2 -w in.fa -o b16t2.tsv
head -2 b16t1.tsv | tail -1 | grep -q $'^record\tstart\tend\tpredicted\tp_at\tp_gc$' && ok || bad "header line"
# rows: long 700 -> windows 0 64 ... 576 and the tail [636, 700) = 11; short padded = 1; iupac 78 -> 0 and 14 = 2
rows=$(grep -vc '^#\|^record' b16t1.tsv)
[ "$rows" -eq 14 ] && ok || bad "14 window rows, got $rows"
grep -q $'^long\t636\t700\t' b16t1.tsv && ok || bad "tail window [636, 700)"
grep -q $'^short\t0\t8\t' b16t1.tsv && ok || bad "short record padded into one window [0, 8)"
grep -q '^# .*left-padded' b16t1.tsv && grep -q '^# 3 records, 14 windows; 1 records shorter than 64 bases padded' b16t1.tsv \
  && ok || bad "comment lines say how short records were handled"
# probabilities sum to 1
awk -F'\t' '!/^#|^record/ { s = $5 + $6; if (s < 1 - 1e-5 || s > 1 + 1e-5) { print "row " NR " sums to " s; bad = 1 } }
  END { exit bad }' b16t1.tsv && ok || bad "probabilities sum to 1 +- 1e-5"
# the same class and probabilities within 1e-6 across batch sizes and thread counts
cmp_runs() {
  paste "$1" "$2" | awk -F'\t' '!/^#|^record/ { if ($4 != $10) { print "class differs at row " NR; bad = 1 }
    for (k = 5; k <= 6; k++) { d = $k - $(k + 6); if (d < 0) d = -d; if (d > m) m = d } }
    END { printf "max |dp| %.3g\n", m; exit bad || m > 1e-6 }'
}
cmp_runs b16t1.tsv b1t1.tsv && ok || bad "batch 1 vs 16: same classes, probabilities within 1e-6"
cmp_runs b16t1.tsv b16t2.tsv && ok || bad "1 vs 2 threads: same classes, probabilities within 1e-6"
# record rows = softmax(mean of the window log-probabilities), recomputed here from the windows
expect 0 "classify per record" -- "$bin" classify -m clf.safetensors -@ 1 in.fa -o rec.tsv
awk -F'\t' 'NR == FNR { if ($0 !~ /^#|^record/) { n[$1]++; a[$1] += log($5); g[$1] += log($6) } next }
  !/^#|^record/ { la = a[$1] / n[$1]; lg = g[$1] / n[$1]; m = la > lg ? la : lg;
    pa = exp(la - m) / (exp(la - m) + exp(lg - m)); d = pa - $5; if (d < 0) d = -d; if (d > 1e-6) bad = 1;
    if ($3 == 0 || $2 != 0) bad = 1 } END { exit bad }' b16t1.tsv rec.tsv && ok || bad "record = softmax(mean window log-probs), span [0, len)"
[ "$(grep -vc '^#\|^record' rec.tsv)" -eq 3 ] && ok || bad "3 record rows"
# --short skip: no row for the short record, and said so
expect 0 "classify --short skip" -- "$bin" classify -m clf.safetensors --short skip -@ 1 in.fa -o skip.tsv
! grep -q $'^short\t' skip.tsv && grep -q '1 records shorter than 64 bases skipped' skip.tsv && ok || bad "--short skip"
# --rc-average: a sequence and its reverse complement get the same probabilities
awk '/^>/ { print; next } { n = split($0, c, ""); s = ""; for (i = n; i >= 1; i--) {
  x = c[i]; s = s (x == "A" ? "T" : x == "T" ? "A" : x == "C" ? "G" : x == "G" ? "C" : x) } print s }' in.fa > rc.fa
expect 0 "rc-average forward" -- "$bin" classify -m clf.safetensors --rc-average -S 64 -@ 1 in.fa -o f.tsv
expect 0 "rc-average reverse" -- "$bin" classify -m clf.safetensors --rc-average -S 64 -@ 1 rc.fa -o r.tsv
# with stride = L and a tail window the tilings of the two strands differ; compare the records whose
# length is a multiple of 64 or shorter than 64 (short: padded identically)
paste f.tsv r.tsv | awk -F'\t' '$1 == "short" { d = $5 - $11; if (d < 0) d = -d; exit d > 1e-6 ? 1 : 0 }' \
  && ok || bad "--rc-average: a record and its reverse complement agree"
grep -q "reverse-complement averaged" f.tsv && ok || bad "rc comment"
# --bed
expect 0 "classify --bed" -- "$bin" classify -m clf.safetensors --bed -@ 1 in.fa -o out.bed
awk -F'\t' 'NF != 6 || $6 != "." || $5 < 500 || $5 > 1000 { bad = 1 } END { exit bad || NR != 14 }' out.bed && ok || bad "BED6, 14 lines"

# ---- embed: record = mean of its windows; safetensors rows = TSV rows ------------------------
expect 0 "embed per window" -- "$bin" embed -m clf.safetensors --per window -@ 1 in.fa -o ew.tsv
expect 0 "embed per record" -- "$bin" embed -m clf.safetensors -@ 1 in.fa -o er.tsv
[ "$(tail -n +2 ew.tsv | wc -l)" -eq 14 ] && [ "$(tail -n +2 er.tsv | wc -l)" -eq 3 ] && ok || bad "embed row counts"
awk -F'\t' 'NR == FNR { if (FNR > 1) { n[$1]++; for (j = 4; j <= NF; j++) s[$1, j] += $j } next }
  FNR > 1 { for (j = 4; j <= NF; j++) { d = s[$1, j] / n[$1] - $j; if (d < 0) d = -d; if (d > 1e-5 * (1 + ($j < 0 ? -$j : $j))) bad = 1 } }
  END { exit bad }' ew.tsv er.tsv && ok || bad "record embedding = mean of window embeddings"
head -1 er.tsv | grep -q $'^record\tstart\tend\te0\te1' && ok || bad "embed header"
expect 0 "embed safetensors" -- "$bin" embed -m clf.safetensors --pool last -f safetensors -@ 1 in.fa -o e.safetensors
"$bin" inspect e.safetensors > ei.txt 2>&1; grep -q 'embeddings' ei.txt && grep -q '\[3, 64\]' ei.txt && ok || { bad "embeddings (3, 64)"; cat ei.txt; }

# ---- pretraining on a DNA shard with the sequence-length warm-up, then fine-tuning from it --------
awk 'BEGIN { srand(9); print ">g1"; for (i = 0; i < 60; i++) { s = ""; for (j = 0; j < 60; j++) s = s substr("ACGT", 1 + int(rand() * 4), 1); print s } }' > genome.fa
expect 0 "dna windows" -- "$bin" dna windows genome.fa -L 64 -o g.shard
expect 0 "train with length warm-up" -- "$bin" train --data g.shard --preset dna-tiny -L 64 -b 2 --warmup-from 16 \
  --length-warmup 2 --tokens-per-step 256 -n 6 --eval-every 0 -o dlm.safetensors -@ 1
grep -q 'stage 0: length 16, 16 rows per update (8 micro-batches), updates 1-2' err && \
  grep -q 'stage 1: length 32, 8 rows per update (4 micro-batches), updates 3-4' err && \
  grep -q 'stage 2: length 64, 4 rows per update (2 micro-batches), updates 5-6' err && ok || { bad "warm-up stages"; cat err; }
# an interrupted warm-up run (stopped inside stage 1: NaN injected at update 4, last checkpoint at 3)
# resumes to the same losses and weights as the uninterrupted run (constant schedule)
W="--data g.shard --preset dna-tiny -L 64 -b 2 --warmup-from 16 --length-warmup 2 --tokens-per-step 256 -n 6 \
  --eval-every 0 --schedule constant --warmup 0 --log-every 1 -@ 1 -q"
mkdir -p wref wres
expect 0 "warm-up run, uninterrupted" -- "$bin" train $W --ckpt-every 0 -o wref/m.safetensors
expect 1 "warm-up run stopped at update 4" -- env SSMKIT_INJECT_NAN=grad:4 "$bin" train $W --ckpt-every 1 -o wres/m.safetensors
grep -q 'last good checkpoint: wres/m.safetensors at step 3' err && ok || { bad "stopped inside stage 1"; cat err; }
expect 0 "warm-up run resumed" -- "$bin" train -o wres/m.safetensors --resume -@ 1 -q
losses() { grep -o '"step":[0-9]*,"loss":[-0-9.e+]*' "$1"; }
[ "$(losses wref/m.log.jsonl | wc -l)" -eq 6 ] && cmp -s <(losses wref/m.log.jsonl) <(losses wres/m.log.jsonl) && ok || \
  { bad "resumed warm-up losses differ"; diff <(losses wref/m.log.jsonl) <(losses wres/m.log.jsonl); }
nb=$("$bin" inspect wref/m.safetensors | sed -n 's/.* \([0-9][0-9]*\) data bytes.*/\1/p')
[ -n "$nb" ] && cmp -s <(tail -c "$nb" wref/m.safetensors) <(tail -c "$nb" wres/m.safetensors) && ok || \
  bad "resumed warm-up weights differ ($nb bytes)"
expect_err 1 "3 steps leave none for the last stage" "warm-up longer than the run" -- "$bin" train $W -n 3 -o w3.safetensors
grep -q 'length warm-uplength' err && bad "doubled message prefix" || ok
"$bin" inspect dlm.safetensors > di.txt 2>&1
grep -q 'tokenizer' di.txt && grep -q 'dna-char' di.txt && grep -q 'provenance' di.txt && grep -q 'genome.fa' di.txt \
  && ok || { bad "LM checkpoint carries the tokenizer and provenance"; cat di.txt; }
expect 0 "a byte LM" -- "$bin" train --data train.tsv --preset byte-lm-small -L 16 -b 2 -n 1 -o lm.safetensors -q
# eval on FASTA through the stored tokenizer = eval on the same tokens written as a raw token file
awk 'NR > 1 && NR <= 61' genome.fa | tr -d '\n' | head -c 3584 > g2.seq
{ echo ">g2"; cat g2.seq; echo; } > g2.fa
LC_ALL=C awk '{ n = split($0, c, ""); for (i = 1; i <= n; i++) printf "%c", (c[i] == "A" ? 7 : c[i] == "C" ? 8 : c[i] == "G" ? 9 : 10) }' g2.seq > g2.tok
expect 0 "eval FASTA" -- "$bin" eval -m dlm.safetensors --data g2.fa -L 64 -b 16 -@ 1
cp out evf.txt
expect 0 "eval tokens" -- "$bin" eval -m dlm.safetensors --data g2.tok -L 64 -@ 1
cp out evt.txt
grep -q $'^targets\t3528$' evf.txt && grep -q $'^targets\t3528$' evt.txt && grep -q $'^bits_per_base\t' evf.txt && ok || bad "eval targets"
lf=$(awk '$1 == "loss" { print $2 }' evf.txt); lt=$(awk '$1 == "loss" { print $2 }' evt.txt)
awk -v a="$lf" -v b="$lt" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 2e-6 * b && a > 0) }' && ok || bad "FASTA loss $lf != token-file loss $lt"
expect_err 1 "no DNA tokenizer" "eval FASTA with a byte LM" -- "$bin" eval -m lm.safetensors --data g2.fa
expect 0 "finetune from the pretrained LM" -- "$bin" finetune --init dlm.safetensors --train train.tsv -L 64 -b 4 \
  --epochs 1 --steps-per-epoch 2 -o ft2.safetensors -@ 1
grep -q 'backbone from the pretrained LM' err && ok || bad "finetune says it loaded the backbone"
"$bin" inspect ft2.safetensors > fi.txt 2>&1
grep -q 'classifier.weight' fi.txt && grep -q '"seed":"1"' fi.txt && grep -q 'train.tsv' fi.txt && ok || { bad "classifier provenance"; cat fi.txt; }

# ---- BAM of only unmapped reads: each read classified ------------------------------------------
if command -v samtools >/dev/null; then
  awk 'BEGIN { srand(5); for (i = 0; i < 30; i++) { s = ""; for (j = 0; j < 50; j++) s = s substr("ACGT", 1 + int(rand() * 4), 1);
    q = s; gsub(/./, "I", q); print "@read" i; print s; print "+"; print q } }' > reads.fq
  samtools import -0 reads.fq -o unmapped.bam 2>/dev/null
  expect 0 "classify a BAM of unmapped reads" -- "$bin" classify -m clf.safetensors -@ 1 unmapped.bam -o bam.tsv
  [ "$(grep -vc '^#\|^record' bam.tsv)" -eq 30 ] && grep -q $'^read0\t0\t50\t' bam.tsv && ok || bad "one row per unmapped read"
fi

# ---- bad inputs ---------------------------------------------------------------------------------
printf 'ACGT\n' > x.txt
expect_err 1 "x.txt: unknown file type" "unknown file type" -- "$bin" classify -m clf.safetensors x.txt
: > empty.fa
expect_err 1 "empty.fa" "empty FASTA" -- "$bin" classify -m clf.safetensors empty.fa
printf 'gc\tACGT\nmaybe\tACGT\n' > unknown.tsv
expect_err 1 "unknown.tsv: line 2: unknown class \"maybe\"" "labels file with an unknown class" -- \
  "$bin" finetune --train train.tsv --valid unknown.tsv -L 64 -b 4 --epochs 1 --steps-per-epoch 1 -o u.safetensors
[ ! -e u.safetensors ] && ok || bad "no checkpoint after a bad labels file"
expect_err 1 "no label=CLASS" "FASTA labels without label=" -- "$bin" finetune --train in.fa -o u.safetensors
expect_err 1 "language-model checkpoint" "an LM given to classify" -- "$bin" classify -m lm.safetensors in.fa
expect_err 1 "vocabulary has 256 tokens but the DNA tokenizer has 12" "fine-tuning a byte LM on DNA" -- \
  "$bin" finetune --init lm.safetensors --train train.tsv -L 64 -o u.safetensors
expect_err 1 "is a classifier checkpoint" "fine-tuning from a classifier" -- \
  "$bin" finetune --init clf.safetensors --train train.tsv -L 64 -o u.safetensors
expect 2 "no model" -- "$bin" classify in.fa
finish test_dnamodel_cli
