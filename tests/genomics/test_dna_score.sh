#!/bin/bash
# test_dna_score.sh — `ssmkit dna score-variants` against an independent reference: on a random
# genome and a small DNA LM, the windows of each scored allele are rebuilt here (awk, from the
# documented rule) and written as FASTA; each score must equal the difference of the nll that
# `ssmkit eval --whole --per-record` gives the REF and the ALT windows (forward strand with
# --strand +; the mean with the reverse-complemented windows by default) to 1e-4. Records that
# cannot be scored (REF mismatch, either contig end, symbolic ALT, too long, chr/no-chr naming,
# missing contig, per ALT of multi-allelic records) keep their place with SSM_SKIP; --strict
# makes them errors; the VCF/BCF outputs pass bcftools and keep every record and field.
bin=${SSMKIT_BIN:?}
. "${SSMKIT_SRC:?}/tests/genomics/dna_lib.sh"
command -v bcftools >/dev/null || { echo "bcftools not installed (tools/deps.sh): skipped"; exit 77; }
L=64

# ---- a random genome, a small LM on it ----------------------------------------------------------
awk 'BEGIN { srand(3); split("chr1 2400 chr2 1800", a, " "); for (k = 1; k <= 3; k += 2) { print ">" a[k]; n = a[k+1];
  for (i = 0; i < n; i += 60) { s = ""; for (j = i; j < i + 60 && j < n; j++) s = s substr("ACGT", 1 + int(rand() * 4), 1); print s } } }' > genome.fa
"$bin" dna windows genome.fa -L 64 -o g.shard 2>/dev/null || bad "dna windows"
"$bin" train --data g.shard --preset dna-tiny -L 64 -b 2 -n 20 --eval-every 0 -o lm.safetensors -@ 1 -q 2>/dev/null || bad "train"

# ---- the VCF: SNVs, deletions and insertions of 1-6 bases on both contigs, then one record of each
# kind that cannot be (fully) scored. The reference bases come from genome.fa. --------------------
awk -v L=$L '
  /^>/ { name = substr($1, 2); order[++nc] = name; next } { seq[name] = seq[name] $0 }
  function rb(n,  s, i) { s = ""; for (i = 0; i < n; i++) s = s substr("ACGT", 1 + int(rand() * 4), 1); return s }
  function other(b) { return b == "A" ? "C" : b == "C" ? "G" : b == "G" ? "T" : "A" }
  function rec(c, pos, r, a) { printf "%s\t%d\tv%d\t%s\t%s\t50\tPASS\tDP=%d\tGT\t0/1\n", c, pos, ++nv, r, a, nv }
  END {
    print "##fileformat=VCFv4.2"
    print "##INFO=<ID=DP,Number=1,Type=Integer,Description=\"depth\">"
    print "##FORMAT=<ID=GT,Number=1,Type=String,Description=\"genotype\">"
    print "##contig=<ID=chr1,length=2400>"; print "##contig=<ID=chr2,length=1800>"
    print "##contig=<ID=2,length=1800>"; print "##contig=<ID=chrZ,length=100>"
    print "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\ts1"
    srand(11)
    for (k = 1; k <= nc; k++) { c = order[k]; s = seq[c]; n = length(s)
      for (p = 40; p < n - 80; p += 60 + int(rand() * 40)) { kind = i++ % 4; d = 1 + int(rand() * 6)
        if (kind < 2) rec(c, p + 1, substr(s, p + 1, 1), other(substr(s, p + 1, 1)))
        else if (kind == 2) rec(c, p + 1, substr(s, p + 1, d + 1), substr(s, p + 1, 1))
        else rec(c, p + 1, substr(s, p + 1, 1), substr(s, p + 1, 1) rb(d)) } }
    s = seq["chr1"]
    rec("chr1", 10, substr(s, 10, 1), other(substr(s, 10, 1)))                    # contig_end (start)
    rec("chr1", 2395, substr(s, 2395, 1), other(substr(s, 2395, 1)))              # contig_end (end)
    rec("chr1", 501, other(substr(s, 501, 1)), substr(s, 501, 1))                 # ref_mismatch
    rec("chr1", 601, substr(s, 601, 1), "<DEL>")                                  # symbolic
    r = substr(s, 701, 2)                                                         # multi-allelic: del, MNP, ins, symbolic
    rec("chr1", 701, r, substr(r, 1, 1) "," other(substr(r, 1, 1)) substr(r, 2) "," r "TT,<DUP>")
    rec("chr1", 801, substr(s, 801, 1), substr(s, 801, 1) rb(40))                 # too_long (ALT > L/2)
    rec("2", 301, substr(seq["chr2"], 301, 1), other(substr(seq["chr2"], 301, 1))) # chr_naming
    rec("chrZ", 50, "A", "C")                                                     # no_contig
    s = seq["chr2"]; r = substr(s, 1767, 6)                                       # ALT 1 (del 5) runs past the end; ALT 2 fits
    rec("chr2", 1767, r, substr(r, 1, 1) "," other(substr(r, 1, 1)) substr(r, 2))
    printf "chr2\t901\tv%d\t%s\t.\t50\tPASS\tDP=1\tGT\t0/0\n", ++nv, substr(s, 901, 1)   # no ALT
  }' genome.fa > in.vcf
nin=$(grep -vc '^#' in.vcf)

# ---- forward strand, TSV: each score against two eval runs --------------------------------------
expect 0 "score-variants --strand + -o tsv" -- "$bin" dna score-variants -m lm.safetensors --ref genome.fa --vcf in.vcf \
  -L $L --strand + -b 7 -@ 1 -o plus.tsv
cp "$t/err" summary.txt
# the windows of each scored row, rebuilt from the rule: REF window [p - L/2, p - L/2 + L); ALT
# window: the same left flank, ALT, the reference after REF up to L bases
awk -v L=$L -v dir="$t" '
  function rc(x,  y, i, b) { y = ""; for (i = length(x); i > 0; i--) { b = substr(x, i, 1)
    y = y (b == "A" ? "T" : b == "C" ? "G" : b == "G" ? "C" : b == "T" ? "A" : b) } return y }
  FNR == NR { if (/^>/) name = substr($1, 2); else seq[name] = seq[name] $0; next }
  /^#/ || $7 != "." || $6 == "." { next }
  { p = $2 - 1; h = int(L / 2); s = seq[$1]; w0 = p - h; n++
    rw = substr(s, w0 + 1, L); aw = substr(s, w0 + 1, h) $5 substr(s, p + length($4) + 1, L - h - length($5))
    if (length(rw) != L || length(aw) != L) print "window length", n > "/dev/stderr"
    print ">w" n "\n" rw > (dir "/ref.fa"); print ">w" n "\n" aw > (dir "/alt.fa")
    print ">w" n "\n" rc(rw) > (dir "/refrc.fa"); print ">w" n "\n" rc(aw) > (dir "/altrc.fa")
    print $6 > (dir "/plus.llr") }' genome.fa plus.tsv
nscored=$(wc -l < plus.llr)
[ "$nscored" -ge 30 ] && ok || bad "at least 30 scored alleles ($nscored)"
grep -qE '^chr[12]	[0-9]+	v[0-9]+	[ACGT]{2,}	[ACGT]	' plus.tsv && grep -qE '^chr[12]	[0-9]+	v[0-9]+	[ACGT]	[ACGT]{2,}	-?[0-9]' plus.tsv \
  && ok || bad "deletions and insertions among the scored variants"
for w in ref alt refrc altrc; do
  expect 0 "eval $w windows" -- "$bin" eval -m lm.safetensors -d $w.fa --whole --per-record $w.nll -@ 1
done
# nll of record w_i from eval: LLR = nll(REF) - nll(ALT)
paste <(tail -n +2 ref.nll | cut -f4) <(tail -n +2 alt.nll | cut -f4) <(tail -n +2 refrc.nll | cut -f4) \
  <(tail -n +2 altrc.nll | cut -f4) plus.llr > cmp.tsv
[ "$(wc -l < cmp.tsv)" -eq "$nscored" ] && ok || bad "eval gave one nll per window"
awk '{ d = ($1 - $2) - $5; if (d < 0) d = -d; if (d > m) m = d; if ($1 != $2) nz++ }
     END { printf "forward strand: %d scores, max |score - eval difference| = %.3g, %d nonzero\n", NR, m, nz; exit !(m <= 1e-4 && nz > NR / 2) }' cmp.tsv \
  && ok || bad "forward-strand scores equal the eval differences"

# the batch size changes no score; a plain-gzip reference (read whole) gives the same scores
expect 0 "-b 1" -- "$bin" dna score-variants -m lm.safetensors --ref genome.fa --vcf in.vcf -L $L --strand + -b 1 -@ 1 -q -o b1.tsv
gzip -c genome.fa > plain.fa.gz
expect 0 "plain gzip reference" -- "$bin" dna score-variants -m lm.safetensors --ref plain.fa.gz --vcf in.vcf -L $L --strand + -@ 1 -q -o gz.tsv
for f in b1.tsv gz.tsv; do
  paste plus.tsv $f | awk -F'\t' '!/^#/ { if ($1 != $8 || $2 != $9 || $7 != $14) b++; else if ($6 != ".") { d = $6 - $13; if (d < 0) d = -d; if (d > 1e-5) b++ } }
    END { exit b > 0 }' && ok || bad "$f: the same rows and scores as -b 7"
done

# the skipped ones, each with its reason, and the summary
for want in "chr1	10	.*	contig_end" "chr1	2395	.*	contig_end" "chr1	501	.*	ref_mismatch" "chr1	601	.*<DEL>	.	symbolic" \
            "chr1	801	.*	too_long" "^2	301	.*	chr_naming" "chrZ	50	.*	no_contig" "chr1	701	.*<DUP>	.	symbolic" \
            "chr2	1767	.*	contig_end" "chr2	901	v[0-9]*	[ACGT]	.	.	.$"; do
  grep -q "$want" plus.tsv && ok || bad "TSV row '$want'"
done
[ "$(grep -c '^chr1	701	.*	-\?[0-9.]*	\.$' plus.tsv)" -eq 3 ] && ok || bad "multi-allelic: three of four ALTs scored"
[ "$(grep -c '^chr2	1767	.*	-\?[0-9.]*	\.$' plus.tsv)" -eq 1 ] && ok || bad "multi-allelic at the end: the SNV-like ALT scored"
[ "$(grep -vc '^#' plus.tsv)" -eq $((nin + 3 + 1)) ] && ok || bad "one TSV row per ALT (and per record without one)"
grep -q "score-variants: $nin records, .* (ref_mismatch 1, contig_end 3, symbolic 2, too_long 1, no_contig 1, chr_naming 1); 9 records flagged" summary.txt \
  && ok || { bad "summary counts"; cat summary.txt; }
grep -q "chr/no-chr" summary.txt && grep -q "contig 2 is not in genome.fa, which has chr2" summary.txt && ok || bad "chr/no-chr message"

# ---- both strands: the mean with the reverse-complemented windows ---------------------------------
expect 0 "score-variants both strands" -- "$bin" dna score-variants -m lm.safetensors --ref genome.fa --vcf in.vcf -L $L -b 5 -@ 1 -o both.tsv
awk -F'\t' '!/^#/ && $7 == "." && $6 != "." { print $6 }' both.tsv | paste cmp.tsv - | \
  awk '{ d = (($1 - $2) + ($3 - $4)) / 2 - $6; if (d < 0) d = -d; if (d > m) m = d; if ($5 != $6) nd++ }
       END { printf "both strands: %d scores, max |score - eval mean| = %.3g\n", NR, m; exit !(m <= 1e-4 && nd > 0) }' \
  && ok || bad "both-strand scores equal the mean of the eval differences on both strands"

# ---- VCF and BCF: bcftools reads them; every record and field kept; SSM_LLR = the TSV --------------
expect 0 "score-variants -o vcf.gz" -- "$bin" dna score-variants -m lm.safetensors --ref genome.fa --vcf in.vcf -L $L --strand + -@ 1 -q -o out.vcf.gz
bgzip -c in.vcf > in.vcf.gz
expect 0 "bcf input, bcf output" -- "$bin" dna score-variants -m lm.safetensors --ref genome.fa --vcf in.vcf.gz -L $L --strand + -@ 1 -q -o out.bcf
bcftools view -Ob -o in.bcf in.vcf.gz 2>/dev/null
expect 0 "BCF input" -- "$bin" dna score-variants -m lm.safetensors --ref genome.fa --vcf in.bcf -L $L --strand + -@ 1 -q -o frombcf.vcf
for f in out.vcf.gz out.bcf frombcf.vcf; do
  bcftools view "$f" > view.vcf 2>view.err && ok || { bad "bcftools view $f"; cat view.err; }
  [ "$(grep -vc '^#' view.vcf)" -eq "$nin" ] && ok || bad "$f keeps all $nin records"
  bcftools annotate -x INFO/SSM_LLR,INFO/SSM_SKIP "$f" 2>/dev/null | grep -v '^#' > stripped.txt
  grep -v '^#' in.vcf > body.txt
  same body.txt stripped.txt "$f: every other field kept"
done
grep -q '^##INFO=<ID=SSM_LLR,Number=A,Type=Float' view.vcf && grep -q '^##INFO=<ID=SSM_SKIP,Number=A,Type=String' view.vcf && ok || bad "header lines"
bcftools query -f '%SSM_LLR\n' out.vcf.gz | tr ',' '\n' | grep -v '^\.$' > vcf.llr
awk -F'\t' '!/^#/ && $7 == "." && $6 != "." { print $6 }' plus.tsv | paste - vcf.llr | \
  awk '{ d = $1 - $2; if (d < 0) d = -d; if (d > 1e-4 * (1 + ($1 < 0 ? -$1 : $1))) b++ } END { exit !(NR > 30 && !b) }' \
  && ok || bad "VCF SSM_LLR values equal the TSV"
bcftools query -i 'ID="v'"$(awk -F'\t' '$2 == 701 { sub("v", "", $3); print $3 }' in.vcf)"'"' -f '%SSM_SKIP\n' out.vcf.gz > m.txt
grep -qx '\.,\.,\.,symbolic' m.txt && ok || { bad "SSM_SKIP per ALT"; cat m.txt; }

# ---- --strict, usage, inputs that are not there ----------------------------------------------------
expect_err() { local code=$1 msg=$2 what=$3; shift 4; expect "$code" "$what" -- "$@"; grep -qF -- "$msg" "$t/err" || bad "$what: '$msg' not in: $(cat "$t/err")"; }
expect_err 1 "in.vcf: record" "--strict: an unscorable record is an error" -- \
  "$bin" dna score-variants -m lm.safetensors --ref genome.fa --vcf in.vcf -L $L --strict -@ 1 -o strict.vcf
[ ! -e strict.vcf ] && ok || bad "--strict leaves no output"
grep -v 'chr1	10	\|chr1	2395	\|chr1	501	\|<DEL>\|<DUP>\|chr1	801	\|^2	\|^chrZ\|chr2	1767	' in.vcf > clean.vcf
expect 0 "--strict on scorable records" -- "$bin" dna score-variants -m lm.safetensors --ref genome.fa --vcf clean.vcf -L $L --strict -@ 1 -o clean.tsv
# (a contig not declared in the header is read as htslib adds it)
expect_err 1 "contig 2 is not in genome.fa, which has chr2" "--strict chr/no-chr" -- \
  "$bin" dna score-variants -m lm.safetensors --ref genome.fa --vcf <(grep -v '^##contig' in.vcf | grep '^#\|^2	') -L $L --strict -@ 1
expect_err 2 "required" "missing --vcf" -- "$bin" dna score-variants -m lm.safetensors --ref genome.fa -L $L
expect_err 1 "nothere.vcf" "missing VCF" -- "$bin" dna score-variants -m lm.safetensors --ref genome.fa --vcf nothere.vcf -L $L
expect_err 1 "not a VCF" "a FASTA as the VCF" -- "$bin" dna score-variants -m lm.safetensors --ref genome.fa --vcf genome.fa -L $L

finish test_dna_score
