#!/usr/bin/env bash
# test_dna_cli.sh — `ssmkit dna` against samtools on generated data:
#   fetch (plain and bgzip FASTA) byte-identical to `samtools faidx` for 300 random regions;
#   plain gzip streamed records equal the decompressed file;
#   SAM, BAM, CRAM (with reference) records and region queries equal `samtools view`, with filters;
#   windows shards: counts and tokens follow the Mamba rule and the tokenizer table;
#   bad inputs: exit 1 and a message naming the file (and record/line).
set -u
bin=${SSMKIT_BIN:?}
command -v samtools >/dev/null && command -v bgzip >/dev/null || { echo "samtools/bgzip not installed: skipped"; exit 77; }
"$bin" --version | grep -q genomics || { echo "genomics front-end not built: skipped"; exit 77; }
. "${SSMKIT_SRC:?}/tests/cli/lib.sh"   # $t, pass/fail counters, finish
cd "$t" || exit 1
unset REF_PATH REF_CACHE

# same FILE1 FILE2 WHAT
same() { if cmp -s "$1" "$2"; then ok; else bad "$3"; diff "$1" "$2" | head -5; fi; }
# expect_err CODE PATTERN WHAT -- command...  (stderr must contain PATTERN)
expect_err() {
  local code=$1 pat=$2 what=$3; shift 4
  "$@" >out.txt 2>err.txt; local rc=$?
  if [ "$rc" -eq "$code" ] && grep -q -- "$pat" err.txt && grep -q "^ssmkit: error: " err.txt; then ok
  else bad "$what: exit $rc (want $code), stderr:"; cat err.txt; fi
}

# ---- a genome: 6 records, 70-column lines, soft-masked stretches, N runs, IUPAC codes ------
awk 'BEGIN { srand(42); split("ACGT", b, ""); split("acgt", l, "");
  n = split("chr1 chr2 chrX contig_4 scaffold.5 m", names, " ");
  split("12345 4000 777 60 61 3", lens, " ");
  for (r = 1; r <= n; r++) {
    printf(">%s description %d\n", names[r], r); s = "";
    for (i = 0; i < lens[r]; i++) {
      x = rand(); c = b[1 + int(rand() * 4)];
      if (i % 1000 < 50) c = l[1 + int(rand() * 4)]; else if (i % 997 < 20) c = "N"; else if (x < 0.002) c = "R";
      s = s c }
    for (i = 1; i <= lens[r]; i += 70) print substr(s, i, 70) } }' > g.fa
cp g.fa g2.fa && bgzip -c g.fa > gb.fa.gz && gzip -c g.fa > gz.fa.gz
mkdir -p s && cp g.fa s/g.fa && cp gb.fa.gz s/gb.fa.gz   # samtools indexes its own copies

# ---- fetch vs samtools faidx ----------------------------------------------------------------
samtools faidx s/g.fa
awk 'BEGIN { srand(7) } { name[NR] = $1; len[NR] = $2 } END {
  for (q = 0; q < 300; q++) { r = 1 + int(rand() * NR); b = 1 + int(rand() * len[r]); e = b + int(rand() * (len[r] - b + 1));
    k = q % 10; if (k == 0) print name[r]; else if (k == 1) print name[r] ":" b; else print name[r] ":" b "-" e } }' s/g.fa.fai > regions.txt
mapfile -t regs < regions.txt
"$bin" dna fetch g.fa "${regs[@]}" > mine.txt; rc1=$?
samtools faidx s/g.fa "${regs[@]}" > theirs.txt
[ $rc1 -eq 0 ] && ok || bad "dna fetch plain exit $rc1"
same mine.txt theirs.txt "dna fetch (plain FASTA) differs from samtools faidx over 300 regions"
[ -s g.fa.fai ] && ok || bad "dna fetch built g.fa.fai"
"$bin" dna fetch gb.fa.gz "${regs[@]}" > mine_b.txt
samtools faidx s/gb.fa.gz "${regs[@]}" > theirs_b.txt
same mine_b.txt theirs_b.txt "dna fetch (bgzip FASTA) differs from samtools faidx"
[ -s gb.fa.gz.gzi ] && ok || bad "dna fetch built gb.fa.gz.gzi"
"$bin" dna fetch -w 50 g.fa chr1:100-300 > w50.txt; samtools faidx -n 50 s/g.fa chr1:100-300 > w50s.txt
same w50.txt w50s.txt "dna fetch -w 50 vs samtools faidx -n 50"
[ "$(wc -l < mine.txt)" -gt 600 ] && ok || bad "fetch output too small"

# ---- plain gzip: streamed records equal the decompressed file (re-wrapped at 60 columns) ------
awk '/^>/ { if (s != "") { for (i = 1; i <= length(s); i += 60) print substr(s, i, 60) } print; s = ""; next } { s = s $0 }
     END { for (i = 1; i <= length(s); i += 60) print substr(s, i, 60) }' g.fa > g60.fa
gzip -c g60.fa > g60.fa.gz
"$bin" dna view g60.fa.gz > streamed.txt
same streamed.txt g60.fa "streamed plain-gzip records differ from the decompressed file"
"$bin" dna view gz.fa.gz > streamed70.txt
same streamed70.txt g60.fa "streamed gzip (70-column input) differs"
expect_err 1 "plain gzip cannot be read at random positions" "fetch from plain gzip" -- "$bin" dna fetch gz.fa.gz chr1:1-10

# ---- FASTQ: streamed records equal the file; indexed fetch equals samtools faidx -------------
awk 'BEGIN { srand(5); for (r = 0; r < 50; r++) { n = 20 + int(rand() * 150); s = ""; q = "";
  for (i = 0; i < n; i++) { s = s substr("ACGTN", 1 + int(rand() * 5), 1); q = q sprintf("%c", 35 + int(rand() * 40)) }
  print "@read" r " lane=" r % 3; print s; print "+"; print q } }' > r.fq
"$bin" dna view r.fq > mine.txt
same mine.txt r.fq "streamed FASTQ differs from the file"
cp r.fq s/r.fq
"$bin" dna fetch r.fq read3 read7:5-15 read49:2 > mine.txt && samtools fqidx s/r.fq read3 read7:5-15 read49:2 > theirs_fq.txt
# FASTQ -> FASTA: header, the (60-column) sequence lines, then skip as many quality lines
awk 'st == 0 { sub(/^@/, ">"); print; st = 1; n = 0; next } st == 1 && /^\+/ { st = 2; next }
     st == 1 { print; n++; next } st == 2 { if (--n == 0) st = 0 }' theirs_fq.txt > theirs.txt
same mine.txt theirs.txt "dna fetch on FASTQ differs from the bases of samtools fqidx"

# ---- stats: counts computed independently with awk --------------------------------------------
"$bin" dna stats g.fa > st.txt
want=$(awk '!/^>/ { s = s $0 } END { n = length(s); a = gsub(/[Aa]/, "", s); c = gsub(/[Cc]/, "", s); g = gsub(/[Gg]/, "", s);
  t = gsub(/[Tt]/, "", s); nn = gsub(/[Nn]/, "", s); print n "\t" a "\t" c "\t" g "\t" t "\t" nn }' g.fa)
got=$(cut -f3-8 st.txt)
[ "$got" = "$want" ] && ok || bad "dna stats counts '$got', want '$want'"
[ "$(cut -f2 st.txt)" = 6 ] && ok || bad "dna stats records"

# ---- SAM/BAM/CRAM vs samtools view ----------------------------------------------------------
awk 'BEGIN { srand(3) } /^>/ { split($1, a, ">"); nm = a[2]; names[++n] = nm; next } { seq[nm] = seq[nm] $0 }
  END {
    print "@HD\tVN:1.6\tSO:unsorted";
    for (i = 1; i <= n; i++) print "@SQ\tSN:" names[i] "\tLN:" length(seq[names[i]]);
    split("0 16 0 16 4 256 1024 2048 512 0", flags, " ");
    for (q = 0; q < 400; q++) {
      r = names[1 + int(rand() * 3)]; L = length(seq[r]); len = 20 + int(rand() * 60);
      pos = 1 + int(rand() * (L - len)); f = flags[1 + int(rand() * 10)]; mq = int(rand() * 61);
      s = substr(seq[r], pos, len); qs = "";
      for (j = 0; j < len; j++) qs = qs sprintf("%c", 35 + int(rand() * 40));
      if (f == 4) print "u" q "\t4\t*\t0\t0\t*\t*\t0\t0\t" toupper(s) "\t" qs;
      else print "r" q "\t" f "\t" r "\t" pos "\t" mq "\t" len "M\t*\t0\t0\t" toupper(s) "\t" qs } }' g.fa > raw.sam
samtools sort -o x.bam raw.sam 2>/dev/null && samtools index x.bam && samtools view -h -o x.sam x.bam &&
  samtools view -C -T s/g.fa -o x.cram x.bam && samtools index x.cram || bad "making BAM/CRAM with samtools"
for f in x.sam x.bam x.cram; do
  "$bin" dna view -T s/g.fa "$f" > mine.txt || bad "dna view $f failed: $(cat err.txt)"
  samtools view -T s/g.fa "$f" | cut -f1-5,10,11 > theirs.txt
  same mine.txt theirs.txt "dna view $f differs from samtools view"
  [ "$(wc -l < mine.txt)" -eq 400 ] && ok || bad "$f: $(wc -l < mine.txt) records, want 400"
done
regs2=(chr1:1000-2000 chr2 "chrX:100-300" "chr1:5,000-5,100" "*")
for f in x.bam x.cram; do
  "$bin" dna view -T s/g.fa "$f" "${regs2[@]}" > mine.txt
  samtools view -T s/g.fa "$f" "${regs2[@]}" | cut -f1-5,10,11 > theirs.txt
  same mine.txt theirs.txt "region queries on $f differ from samtools view"
  [ -s mine.txt ] && ok || bad "region query on $f returned nothing"
  "$bin" dna view -T s/g.fa -q 30 -F 0x904 -@ 2 "$f" chr1 > mine.txt
  samtools view -T s/g.fa -q 30 -F 0x904 "$f" chr1 | cut -f1-5,10,11 > theirs.txt
  same mine.txt theirs.txt "filters -q 30 -F 0x904 on $f differ from samtools view"
done
"$bin" dna view -f 16 x.bam > mine.txt; samtools view -f 16 x.bam | cut -f1-5,10,11 > theirs.txt
same mine.txt theirs.txt "filter -f 16"
"$bin" dna stats x.bam > bst.txt
[ "$(cut -f2 bst.txt)" = 400 ] && [ "$(cut -f5 bst.txt)" = "$(samtools view -c -f 4 x.bam)" ] && ok || bad "dna stats x.bam: $(cat bst.txt)"

# ---- windows: shard counts and tokens ---------------------------------------------------------
printf 'chr1\t0\t1000\ttrain\nchr1\t5000\t5250\tvalid\nchr2\t100\t400\ttest\nchrX\t700\t777\ttrain\n' > b.bed
"$bin" dna windows g.fa --bed b.bed -L 100 -o w.shard 2>/dev/null || bad "dna windows: $(cat err.txt)"
# u64 at byte offset OFF of FILE
u64() { od -An -t u8 -j "$2" -N 8 "$1" | tr -d ' '; }
[ "$(head -c 7 w.shard)" = SKSHARD ] && ok || bad "shard magic"
# Mamba rule: floor(S/L) tiles for S >= L, else 2: 10 + 2 + 3 + 2
[ "$(u64 w.shard 16)" = 17 ] && ok || bad "windows: $(u64 w.shard 16) examples, want 17"
# tokens of the first example = chr1:1-100 through the tokenizer table (case folded, IUPAC -> N)
doff=$(u64 w.shard 48)
od -An -t u1 -v -j "$doff" -N 100 w.shard | tr -s ' ' '\n' | grep -v '^$' > tok.txt
samtools faidx s/g.fa chr1:1-100 | tail -n +2 | tr -d '\n' | fold -w1 |
  awk '{ c = toupper($0); print (c == "A" ? 7 : c == "C" ? 8 : c == "G" ? 9 : c == "T" ? 10 : 11) }' > want.txt
same tok.txt want.txt "first window tokens differ from the tokenized samtools faidx output"
moff=$(u64 w.shard 32); mlen=$(u64 w.shard 40)
meta=$(od -An -c -v -j "$moff" -N "$mlen" w.shard | tr -d ' \n')
case "$meta" in *'"vocab":["[CLS]","[SEP]","[BOS]","[MASK]","[PAD]","[RESERVED]","[UNK]","A","C","G","T","N"]'*'"pad_token":4'*'"pad_rule":"ignore"'*'"domain":"dna"'*) ok ;;
  *) bad "shard metadata: $meta" ;; esac
# --keep-case: chr1:1-50 is soft-masked in g.fa (lowercase ids 12..15), the rest upper case (7..11)
"$bin" dna windows g.fa --bed b.bed -L 100 --keep-case -o k.shard 2>/dev/null
doff=$(u64 k.shard 48)
od -An -t u1 -v -j "$doff" -N 100 k.shard | tr -s ' ' '\n' | grep -v '^$' > tok.txt
samtools faidx s/g.fa chr1:1-100 | tail -n +2 | tr -d '\n' | fold -w1 |
  awk '{ i = index("ACGTNacgtn", $0); print (i ? 6 + i : (/[a-z]/ ? 16 : 11)) }' > want.txt
same tok.txt want.txt "--keep-case tokens differ from the table"
grep -q 12 tok.txt && ok || bad "--keep-case: no lowercase token in chr1:1-100"
"$bin" inspect k.shard 2>&1 | grep -q "vocabulary size: 17" && ok || bad "--keep-case shard vocabulary is not 17"
"$bin" dna windows g.fa --bed b.bed -L 100 --window-mode hyena --split train -o h.shard 2>/dev/null
[ "$(u64 h.shard 16)" = 2 ] && ok || bad "hyena train windows: $(u64 h.shard 16), want 2"
# species: 3 files -> 200 train + 10 valid + 10 test examples, labels in the metadata
awk '/^>chr1/,/^>chr2/' g.fa | sed '$d' > sp1.fa; awk '/^>chr2/,/^>chrX/' g.fa | sed '$d' > sp2.fa; awk '/^>chrX/,/^>contig_4/' g.fa | sed '$d' > sp3.fa
"$bin" dna windows --species sp1.fa sp2.fa sp3.fa --labels one,two,three -L 50 --train 200 --valid 10 --test 10 --max-n 0.5 -o sp.shard 2>err.txt || bad "species windows: $(cat err.txt)"
[ "$(u64 sp.shard 16)" = 220 ] && ok || bad "species examples: $(u64 sp.shard 16)"
grep -q '"labels":\["one","two","three"\]' sp.shard && ok || bad "species labels in metadata"
# the shard reader (ssmkit inspect) accepts both shards and counts splits and labels
"$bin" inspect sp.shard > insp.txt 2>&1 && grep -q "examples: 220 (train 200, valid 10, test 10)" insp.txt &&
  grep -q "labels: 0 (one)" insp.txt && ok || bad "inspect sp.shard: $(cat insp.txt)"
"$bin" inspect w.shard > insp.txt 2>&1 && grep -q "examples: 17 (train 12, valid 2, test 3)" insp.txt && ok || bad "inspect w.shard: $(cat insp.txt)"

# ---- --help on every command ------------------------------------------------------------------
for c in stats fetch view windows bench; do
  "$bin" dna "$c" --help > h.txt && grep -q "Usage: ssmkit dna $c" h.txt && ok || bad "dna $c --help"
done
"$bin" --help | grep -q " dna " && ok || bad "dna listed in ssmkit --help"

# ---- bad inputs: exit 1, message naming the file and the record/line ------------------------
printf 'ACGT\n' > nohdr.fa;              expect_err 1 "nohdr.fa: line 1: no header line" "no header" -- "$bin" dna stats nohdr.fa
: > empty.fa;                             expect_err 1 "empty.fa: empty file" "empty" -- "$bin" dna fetch empty.fa x
printf '\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00' > garbage.fa;          expect_err 1 "garbage.fa: line 1: binary data" "binary garbage" -- "$bin" dna stats garbage.fa
printf '>a\nACGT\n>b\nACJT\n' > iupac.fa; expect_err 1 "record 'b' (#2), line 4, column 3: 'J'" "non-IUPAC" -- "$bin" dna fetch iupac.fa a
printf '>a\n>b\nAC\n' > ho.fa;            expect_err 1 "record 'a' (#1, line 1) has a header but no sequence" "header-only" -- "$bin" dna stats ho.fa
printf '>a\nAC\n>a\nAC\n' > dup.fa;       expect_err 1 "line 3: duplicate record name 'a'" "duplicate names" -- "$bin" dna fetch dup.fa a
printf '>a\r\nAC\nGT\r\n' > crlf.fa;      expect_err 1 "crlf.fa: line 2, record 'a' ends with LF but line 1 with CRLF" "mixed CRLF" -- "$bin" dna stats crlf.fa
printf '>a\r\nACGT\r\nAC\r\n' > allcrlf.fa
"$bin" dna fetch allcrlf.fa a:2-5 > mine.txt && cp allcrlf.fa s/ && samtools faidx s/allcrlf.fa a:2-5 > theirs.txt
same mine.txt theirs.txt "all-CRLF FASTA is accepted and fetches like samtools"
head -c 2000 gb.fa.gz > trunc.fa.gz;      expect_err 1 "trunc.fa.gz: truncated bgzip" "truncated bgzip" -- "$bin" dna stats trunc.fa.gz
expect_err 1 "region 'chr2:3990-4100' is outside the sequence 'chr2' (length 4000)" "region outside" -- "$bin" dna fetch g.fa chr2:3990-4100
for c in "chr2	3000	4001|interval chr2:3000-4001 goes beyond the end of the chromosome (length 4000)" "chr2	-1	10|negative start -1" \
         "chr2	30	10|start 30 is after end 10" "chrQ	1	10|unknown chromosome 'chrQ'"; do
  printf '%s\n' "chr1	0	100" "${c%%|*}" > bad.bed
  expect_err 1 "bad.bed: line 2: ${c#*|}" "BED: ${c#*|}" -- "$bin" dna windows g.fa --bed bad.bed -L 10 -o bad.shard
  [ ! -e bad.shard ] && ok || bad "no shard left behind after a bad BED"
done
cp x.bam noidx.bam;                       expect_err 1 "noidx.bam: region 'chr1:1-100': no index" "BAM region without index" -- "$bin" dna view noidx.bam chr1:1-100
cp g.fa tmpref.fa && samtools view -C -T tmpref.fa -o noref.cram x.bam && rm -f tmpref.fa tmpref.fa.fai
expect_err 1 "noref.cram: record 1: cannot decode the CRAM: its reference sequence is not available locally" "CRAM without reference" -- "$bin" dna view noref.cram
"$bin" dna frobnicate 2>err.txt; [ $? -eq 2 ] && grep -q "unknown dna command 'frobnicate'" err.txt && ok || bad "unknown dna command"

finish test_dna_cli
