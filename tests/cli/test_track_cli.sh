#!/usr/bin/env bash
# test_track_cli.sh — `ssmkit eval --whole --per-base` (per-base log2-probability tracks) with a
# small random DNA LM:
#   - gate: the values of a record sum to -nll / ln 2 of `eval --whole --per-record` (1e-5 relative);
#   - gate: chunk 7, 13 and 16384 give the same value at every base (<= 1e-5);
#   - gate: --rc equals the forward track of the reverse-complemented FASTA, reversed (<= 1e-5);
#   - --strand both is the mean of the two strands; --region keeps exactly the bases asked for;
#     a pipe gives the file's track; bigWig output (when built with libBigWig: read back with
#     bw_dump, passed as $1, and compared with the bedGraph);
#   - bad input: a region naming no record or running past its end, --rc on a pipe, options
#     that do not mix.
set -u
bin=${SSMKIT_BIN:?}
"$bin" --version | grep -q genomics || { echo "genomics front-end not built: skipped"; exit 77; }
. "${SSMKIT_SRC:?}/tests/cli/lib.sh"
cd "$t" || exit 1
# the largest |difference| of column 4 between two bedGraphs over the same bases (every base of
# each must be in the other) <= tol
maxdiff() { awk -v tol="$3" -v w="$4" 'FNR == 1 { f++ } /^track/ { next }
  f == 1 { a[$1 ":" $2] = $4; n1++; next }
  { k = $1 ":" $2; if (!(k in a)) { miss++; next } d = a[k] - $4; if (d < 0) d = -d; if (d > m) m = d; n2++ }
  END { printf "%s: %d and %d bases, max difference %.2g, %d missing\n", w, n1, n2, m, miss;
        exit !(n1 == n2 && !miss && n1 > 0 && m <= tol) }' "$1" "$2"; }

# ---- a random DNA LM (one update) ----
awk 'BEGIN { srand(3); split("ACGT", b, ""); for (r = 0; r < 2; r++) { print ">r" r; s = "";
  for (j = 0; j < 2000; j++) s = s b[1 + int(rand() * 4)]; print s } }' > g.fa
expect 0 "dna windows" -- "$bin" dna windows g.fa -L 64 -o g.shard
printf '{"arch":"mamba-lm","d_model":16,"n_layer":2,"vocab_size":12,"d_state":4,"dt_min":0.01,"dt_max":0.5}\n' > tiny.json
expect 0 "train a tiny LM" -- "$bin" train --data g.shard --config tiny.json -L 64 -b 2 --steps 1 -o m.safetensors -q -@ 1

# records of 700 (lines of 60), 8, 1 (no value) and 300 bases, N and lowercase included
awk 'BEGIN { srand(9); split("ACGTNacgt", b, ""); s = ""; for (j = 0; j < 700; j++) s = s b[1 + int(rand() * (j < 600 ? 4 : 9))];
  print ">long"; for (i = 1; i <= 700; i += 60) print substr(s, i, 60);
  print ">short"; print "ACGTTGCA"; print ">one"; print "A";
  s = ""; for (j = 0; j < 300; j++) s = s b[1 + int(rand() * 4)]; print ">mid"; print s }' > in.fa
# its reverse complement, record by record (IUPAC N kept)
awk '/^>/ { if (n) print n "\n" r; n = $0; r = ""; next }
  { for (i = 1; i <= length($0); i++) { c = substr($0, i, 1);
      c = c == "A" ? "T" : c == "T" ? "A" : c == "C" ? "G" : c == "G" ? "C" : c == "a" ? "t" : c == "t" ? "a" : c == "c" ? "g" : c == "g" ? "c" : c;
      r = c r } }
  END { print n "\n" r }' in.fa > rc.fa
# record lengths
awk '/^>/ { n = substr($1, 2); next } { L[n] += length($0) } END { for (k in L) print k "\t" L[k] }' in.fa > len.tsv

# ---- gate: the sum over a record equals -nll / ln 2 of eval --whole ----
expect 0 "eval --whole --per-record" -- "$bin" eval -m m.safetensors -d in.fa --whole --per-record per.tsv -@ 1
for C in 7 13 16384; do
  expect 0 "per-base, chunk $C" -- "$bin" eval -m m.safetensors -d in.fa --whole --per-base -C "$C" -o "f$C.bedGraph" -@ 1
  grep_inF out "values	1005" "chunk $C: 699 + 7 + 0 + 299 values (no first base)"
done
grep_in f7.bedGraph '^track type=bedGraph .*the first base of each record has no context and is omitted' "the track line says the first base is omitted"
check "no value for a record's first base" "! grep -q '^long	0	' f7.bedGraph && ! grep -q '^one	' f7.bedGraph"
check "the last base of long has a value" "grep -q '^long	699	700	' f7.bedGraph"
for r in long short mid; do
  check "record $r: the values sum to -nll/ln 2 (1e-5 relative)" "awk -F'\t' -v r=$r 'FNR == 1 { f++ }
    f == 1 && \$1 == r { want = -\$4 / log(2) } f == 2 && \$1 == r { s += \$4 }
    END { d = s - want; if (d < 0) d = -d; printf \"%s: %.9g vs %.9g\\n\", r, s, want; exit !(d <= 1e-5 * -want) }' per.tsv f7.bedGraph"
done
# ---- gate: chunk size changes no value ----
check "chunk 7 vs 16384" "maxdiff f7.bedGraph f16384.bedGraph 1e-5 'chunk 7 vs 16384'"
check "chunk 13 vs 16384" "maxdiff f13.bedGraph f16384.bedGraph 1e-5 'chunk 13 vs 16384'"

# ---- gate: --rc is the forward track of the reverse complement, reversed ----
expect 0 "forward track of the reverse complement" -- "$bin" eval -m m.safetensors -d rc.fa --whole --per-base -o rcf.bedGraph -@ 1
awk -F'\t' 'NR == FNR { L[$1] = $2; next } /^track/ { next } { p = L[$1] - 1 - $2; print $1 "\t" p "\t" p + 1 "\t" $4 }' \
  len.tsv rcf.bedGraph > rcf_rev.bedGraph
expect 0 "--rc, chunk 13" -- "$bin" eval -m m.safetensors -d in.fa --whole --per-base --rc -C 13 -o rev.bedGraph -@ 1
grep_inF out "strand	-" "--rc is strand -"
grep_in rev.bedGraph '^track type=bedGraph .*the last base of each record .* is omitted' "--rc: the track line says the last base is omitted"
check "--rc equals the reversed forward track of the reverse complement" "maxdiff rcf_rev.bedGraph rev.bedGraph 1e-5 '--rc'"
check "--rc: positions in increasing order per record" "awk -F'\t' '/^track/ { next } \$1 == c && \$2 <= p { bad = 1 } { c = \$1; p = \$2 } END { exit bad }' rev.bedGraph"
expect 0 "--strand - is --rc" -- "$bin" eval -m m.safetensors -d in.fa --whole --per-base --strand - -o rev2.bedGraph -@ 1
check "--strand - equals --rc" "maxdiff rev.bedGraph rev2.bedGraph 1e-5 'strand -'"

# ---- --strand both: the mean where both strands have a value ----
expect 0 "--strand both" -- "$bin" eval -m m.safetensors -d in.fa --whole --per-base --strand both -C 7 -o both.bedGraph -@ 1
grep_inF out "values	1002" "both: the first and last bases of each record are omitted"
awk -F'\t' 'FNR == 1 { f++ } /^track/ { next } f == 1 { a[$1 ":" $2] = $4; next } ($1 ":" $2) in a { print $1 "\t" $2 "\t" $3 "\t" (a[$1 ":" $2] + $4) / 2 }' \
  f16384.bedGraph rev.bedGraph > mean.bedGraph
check "--strand both is the mean of the two tracks" "maxdiff mean.bedGraph both.bedGraph 2e-5 'both'"

# ---- --region: exactly the bases asked for, values as in the full track ----
expect 0 "--region x3" -- "$bin" eval -m m.safetensors -d in.fa --whole --per-base --region long:11-20 --region 'long:15-2,5' \
  --region mid:1-3 -C 5 -o reg.bedGraph -@ 1
awk -F'\t' '($1 == "long" && $2 >= 10 && $2 < 25) || ($1 == "mid" && $2 >= 1 && $2 < 3)' f16384.bedGraph > reg_want.bedGraph
check "regions: the bases of long 11-25 and mid 2-3" "[ \$(grep -vc '^track' reg.bedGraph) -eq 17 ]"
check "regions: the values of the full track" "maxdiff reg_want.bedGraph reg.bedGraph 1e-5 'regions'"
expect 0 "--region with --strand both" -- "$bin" eval -m m.safetensors -d in.fa --whole --per-base --strand both --region mid:100-120 -o regb.bedGraph -@ 1
awk -F'\t' '$1 == "mid" && $2 >= 99 && $2 < 120' both.bedGraph > regb_want.bedGraph
check "region on both strands: the values of the full track" "maxdiff regb_want.bedGraph regb.bedGraph 1e-5 'region both'"

# ---- a pipe gives the track of the file ----
expect 0 "per-base from a pipe" -- sh -c "cat in.fa | '$bin' eval -m m.safetensors -d - --whole --per-base -C 7 -o pipe.bedGraph -@ 1"
check "pipe equals file" "maxdiff f7.bedGraph pipe.bedGraph 0 'pipe'"

# ---- bigWig (built with libBigWig) or a message saying what it needs ----
bw_dump=${1:-}
if "$bin" eval -m m.safetensors -d in.fa --whole --per-base -o t.bw -@ 1 > out 2> err; then
  check "bigWig: magic number 0x888FFC26" "[ \"\$(od -An -tx4 -N4 t.bw | tr -d ' ')\" = 888ffc26 ]"
  grep_inF out "values	1005" "bigWig: every value"
  if [ -n "$bw_dump" ]; then # read back with libBigWig: the values of the bedGraph (float32)
    check "bigWig read back" "'$bw_dump' t.bw > bw.bedGraph"
    check "bigWig holds the bedGraph's values" "maxdiff f16384.bedGraph bw.bedGraph 1e-5 'bigWig'"
    expect 0 "bigWig, --strand both --region" -- "$bin" eval -m m.safetensors -d in.fa --whole --per-base --strand both \
      --region mid:100-120 --region long:5-9 -o tb.bw -@ 1
    "$bw_dump" tb.bw > bwb.bedGraph
    cat regb.bedGraph > bwb_want.bedGraph; awk -F'\t' '$1 == "long" && $2 >= 4 && $2 < 9' both.bedGraph >> bwb_want.bedGraph
    check "bigWig with regions on both strands" "maxdiff bwb_want.bedGraph bwb.bedGraph 2e-5 'bigWig regions'"
  fi
else
  grep_inF err "libBigWig" "without libBigWig: says what it needs"
  check "no partial bigWig" "[ ! -e t.bw ]"
fi

# ---- bad input ----
expect 1 "--region of a missing record" -- "$bin" eval -m m.safetensors -d in.fa --whole --per-base --region chrX:1-10 -o x.bedGraph
grep_inF err "--region chrX:1-10: no record 'chrX'" "names the region and the record"
check "no output on error" "[ ! -e x.bedGraph ]"
expect 1 "--region past the record's end" -- "$bin" eval -m m.safetensors -d in.fa --whole --per-base --region short:5-9 -o x.bedGraph
grep_inF err "in.fa: --region short:5-9 runs past the end of record 'short' (8 bases)" "says how long the record is"
expect 2 "--region bad syntax" -- "$bin" eval -m m.safetensors -d in.fa --whole --per-base --region long:9-3 -o x.bedGraph
expect 2 "--region bad number" -- "$bin" eval -m m.safetensors -d in.fa --whole --per-base --region long:abc -o x.bedGraph
expect 1 "--rc on a pipe" -- sh -c "cat in.fa | '$bin' eval -m m.safetensors -d - --whole --per-base --rc -o x.bedGraph"
grep_inF err "a pipe cannot be indexed" "says why"
expect 2 "--per-base without -o" -- "$bin" eval -m m.safetensors -d in.fa --whole --per-base
expect 2 "--per-base without --whole" -- "$bin" eval -m m.safetensors -d in.fa --per-base -o x.bedGraph
expect 2 "--rc without --per-base" -- "$bin" eval -m m.safetensors -d in.fa --whole --rc
expect 2 "--rc with --strand both" -- "$bin" eval -m m.safetensors -d in.fa --whole --per-base --rc --strand both -o x.bedGraph
finish test_track_cli
