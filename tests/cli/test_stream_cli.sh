#!/usr/bin/env bash
# test_stream_cli.sh — streaming inference end to end (models/README.md §Streaming) with a small random DNA LM
# and classifier:
#   - gate: `ssmkit eval` streamed in chunks of 7 and 64 tokens gives the total NLL of one pass
#     (--length = the file) within 1e-5 relative, on a token file and on FASTA records (--whole
#     vs one window per record);
#   - packed records: --whole packs records into chunks with resets; each record's NLL
#     (--per-record) equals the record evaluated alone (its own file) within 1e-5 relative;
#   - classify/embed --whole: chunk 7 vs one chunk, and vs one window covering the record;
#   - train --pack 1 runs on a shard of short examples (validation packed too);
#   - bad input: an empty record, options that do not mix.
set -u
bin=${SSMKIT_BIN:?}
"$bin" --version | grep -q genomics || { echo "genomics front-end not built: skipped"; exit 77; }
. "${SSMKIT_SRC:?}/tests/cli/lib.sh"
cd "$t" || exit 1
# relative difference of two numbers <= tol (awk prints it for the log)
close() { awk -v a="$1" -v b="$2" -v tol="$3" -v w="$4" 'BEGIN { d = a - b; if (d < 0) d = -d; s = b < 0 ? -b : b;
  r = s > 0 ? d / s : d; printf "%s: %s vs %s, relative %.2g\n", w, a, b, r; exit !(r <= tol) }'; }
val() { awk -F'\t' -v k="$1" '$1 == k { print $2 }' "$2"; }

# ---- a random DNA LM (one update) and a classifier (three updates) ----
tiny_dna_lm_fixture

# ---- gate: token file, streamed vs one pass ----
awk 'BEGIN { srand(5); for (i = 0; i < 600; i++) printf "%c", 7 + int(rand() * 5) }' > tok.bin
expect 0 "eval one pass" -- "$bin" eval -m m.safetensors -d tok.bin -L 600 -@ 1
one=$(awk -F'\t' '$1 == "loss" { l = $2 } $1 == "targets" { n = $2 } END { printf "%.9g", l * n }' "$t/out")
for C in 7 64; do
  expect 0 "eval streamed, chunk $C" -- "$bin" eval -m m.safetensors -d tok.bin -C "$C" -@ 1
  grep_inF out "chunks	$(( (600 + C - 1) / C ))" "chunk $C: chunk count"
  check "token file, chunk $C: total NLL within 1e-5 of one pass" "close $(val nll out) $one 1e-5 'tokens chunk $C'"
done
expect 2 "--chunk with --length" -- "$bin" eval -m m.safetensors -d tok.bin -C 7 -L 600

# ---- gate: FASTA records, --whole streamed vs one window per record ----
awk 'BEGIN { srand(9); split("ACGT", b, ""); s = ""; for (j = 0; j < 700; j++) s = s b[1 + int(rand() * 4)];
  print ">long"; for (i = 1; i <= 700; i += 60) print substr(s, i, 60);
  print ">short"; print "ACGTTGCA"; print ">allN"; print "NNNNNNNNNN"; print ">one"; print "A";
  s = ""; for (j = 0; j < 300; j++) s = s b[1 + int(rand() * 4)]; print ">mid"; print s }' > in.fa
expect 0 "eval FASTA, one window per record" -- "$bin" eval -m m.safetensors -d in.fa -L 1000 -b 1 -@ 1
one=$(awk -F'\t' '$1 == "loss" { l = $2 } $1 == "targets" { n = $2 } END { printf "%.9g", l * n }' "$t/out")
grep_inF out "targets	1014" "699 + 7 + 9 + 0 + 299 targets"
for C in 7 64; do
  expect 0 "eval --whole, chunk $C" -- "$bin" eval -m m.safetensors -d in.fa --whole -C "$C" --per-record "per$C.tsv" -@ 1
  grep_inF out "records	5" "chunk $C: five records"
  check "FASTA --whole chunk $C: total NLL within 1e-5 of one pass" "close $(val nll out) $one 1e-5 'FASTA chunk $C'"
done
# packed: each record's NLL as when it is evaluated alone
for r in long short allN mid; do
  awk -v r="$r" '/^>/ { keep = substr($1, 2) == r } keep' in.fa > "alone_$r.fa"
  expect 0 "eval $r alone" -- "$bin" eval -m m.safetensors -d "alone_$r.fa" --whole -C 1000 --per-record "alone_$r.tsv" -@ 1
  check "record $r: packed (chunk 7) NLL within 1e-5 of alone" \
    "close $(awk -F'\t' -v r="$r" '$1 == r { print $4 }' per7.tsv) $(awk -F'\t' -v r="$r" '$1 == r { print $4 }' "alone_$r.tsv") 1e-5 'record $r'"
done
check "per-record TSV: header + 5 rows" "[ \$(wc -l < per7.tsv) -eq 6 ]"
check "the 1-base record has no target" "awk -F'\t' '\$1 == \"one\" { exit !(\$3 == 0 && \$4 == 0) }' per7.tsv"

# ---- classify / embed --whole ----
awk 'BEGIN { srand(7); for (i = 0; i < 60; i++) { c = i % 2; n = 40 + int(rand() * 100); s = "";
  for (j = 0; j < n; j++) { r = rand(); s = s (c ? (r < 0.7 ? "G" : "A") : (r < 0.7 ? "A" : "G")) }
  print (c ? "gc" : "at") "\t" s > (i < 50 ? "train.tsv" : "valid.tsv") } }'
expect 0 "finetune a tiny classifier" -- "$bin" finetune --train train.tsv --valid valid.tsv -c tiny.json -L 64 -b 8 \
  --epochs 1 --steps-per-epoch 3 -o clf.safetensors -@ 1 -q
expect 0 "finetune a tiny mean-pool classifier" -- "$bin" finetune --train train.tsv --valid valid.tsv -c tiny.json -L 64 \
  -b 8 --epochs 1 --steps-per-epoch 3 --pool mean -o clfm.safetensors -@ 1 -q
cmpcol() { # FILE1 FILE2 RECORD FIRST_COL LAST_COL TOL: max relative difference of the columns
  paste "$1" "$2" | awk -F'\t' -v r="$3" -v a="$4" -v z="$5" -v tol="$6" -v n="$(grep -v '^#' "$1" | head -1 | awk -F'\t' '{print NF}')" '
    $1 == r { for (k = a; k <= z; k++) { d = $k - $(k + n); if (d < 0) d = -d; s = $(k + n) < 0 ? -$(k + n) : $(k + n);
      if (s > m) m = s; if (d > e) e = d } f = 1 }
    END { printf "%s: max |diff| %.2g (scale %.3g)\n", r, e, m; exit !(f && e <= tol * (m > 1 ? m : 1)) }'; }
for C in clf clfm; do # the last-position head and the mean-pool head (its mean taken over the whole record)
  expect 0 "classify $C --whole chunk 7" -- "$bin" classify -m $C.safetensors --whole -C 7 in.fa -o c7.tsv -@ 1
  expect 0 "classify $C --whole one chunk" -- "$bin" classify -m $C.safetensors --whole in.fa -o c1.tsv -@ 1
  expect 0 "classify $C one 700-base window" -- "$bin" classify -m $C.safetensors -L 700 in.fa -o cw.tsv -@ 1
  check "classify $C --whole: one row per record" "[ \$(grep -vc '^#\|^record' c7.tsv) -eq 5 ]"
  for r in long short allN one mid; do
    check "classify $C $r: chunk 7 vs one chunk within 1e-5" "cmpcol c7.tsv c1.tsv $r 5 6 1e-5"
  done
  grep -v '^#' c7.tsv > c7n.tsv; grep -v '^#' cw.tsv > cwn.tsv
  check "classify $C long: --whole equals the one window covering it" "cmpcol c7n.tsv cwn.tsv long 5 6 1e-5"
done
# classify --whole --rc-average: both strands, as --rc-average on the one window covering each record
awk 'BEGIN { srand(13); split("ACGTN", b, ""); for (r = 0; r < 3; r++) { print ">e" r; s = "";
  for (j = 0; j < 300; j++) s = s b[1 + int(rand() * (j < 280 ? 4 : 5))]; for (i = 1; i <= 300; i += 70) print substr(s, i, 70) } }' > eq.fa
for C in clf clfm; do
  expect 0 "classify $C --whole --rc-average chunk 7" -- "$bin" classify -m $C.safetensors --whole --rc-average -C 7 eq.fa -o rw.tsv -@ 1
  grep_inF rw.tsv "averaged with the reverse complement" "$C: the header says both strands"
  expect 0 "classify $C --rc-average, one window" -- "$bin" classify -m $C.safetensors --rc-average -L 300 eq.fa -o rl.tsv -@ 1
  grep -v '^#' rw.tsv > rwn.tsv; grep -v '^#' rl.tsv > rln.tsv
  for r in e0 e1 e2; do
    check "classify $C $r: --whole --rc-average equals --rc-average on one window" "cmpcol rwn.tsv rln.tsv $r 5 6 1e-5"
  done
done
expect 1 "classify --whole --rc-average from a pipe" -- sh -c "cat eq.fa | '$bin' classify -m clf.safetensors --whole --rc-average -"
grep_inF err "reads the reverse strand from an indexed FASTA" "says why"
for P in mean last; do
  expect 0 "embed --whole $P chunk 7" -- "$bin" embed -m m.safetensors --whole -C 7 --pool "$P" in.fa -o e7.tsv -@ 1
  expect 0 "embed one window $P" -- "$bin" embed -m m.safetensors -L 700 --pool "$P" in.fa -o ew.tsv -@ 1
  check "embed $P: long record streamed equals one window" "cmpcol e7.tsv ew.tsv long 4 19 1e-5"
done
expect 2 "classify --whole --windows" -- "$bin" classify -m clf.safetensors --whole -w in.fa
expect 2 "embed --whole --per window" -- "$bin" embed -m m.safetensors --whole --per window in.fa
expect 2 "classify --chunk without --whole" -- "$bin" classify -m clf.safetensors -C 7 in.fa

# ---- bad input ----
printf '>ok\nACGT\n>empty\n>after\nACGT\n' > empty.fa
for cmd in "eval -d" "classify" "embed"; do
  m=m.safetensors; [ "$cmd" = classify ] && m=clf.safetensors
  # shellcheck disable=SC2086
  expect 1 "$cmd --whole: empty record" -- "$bin" $cmd empty.fa -m "$m" --whole -C 3
  grep_in err "empty.fa: record 'empty'.*has a header but no sequence" "$cmd: names the file and record"
done

# ---- training on packed rows ----
awk 'BEGIN { srand(11); split("ACGT", b, ""); for (r = 0; r < 40; r++) { print ">s" r; s = "";
  n = 5 + int(rand() * 40); for (j = 0; j < n; j++) s = s b[1 + int(rand() * 4)]; print s } }' > short.fa
expect 0 "dna windows of short records" -- "$bin" dna windows short.fa -L 64 -o short.shard
expect 0 "train --pack 1" -- "$bin" train --data short.shard --valid short.shard --config tiny.json -L 64 -b 2 \
  --steps 3 --eval-every 3 --pack 1 -o p.safetensors -q -@ 1
check "packed training wrote a checkpoint and a validation line" "[ -s p.safetensors ] && grep -q valid p.log.jsonl"
finish test_stream_cli
