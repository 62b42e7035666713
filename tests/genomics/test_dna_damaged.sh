#!/usr/bin/env bash
# test_dna_damaged.sh — damaged BAM/CRAM files get a message that says what is wrong with the
# file (never a bare C library string such as "Success" or "Exec format error"), and
# `dna windows --species --labels` takes one distinct, non-empty label per FASTA:
#   a CRAM cut to 100 bytes: truncated or corrupt CRAM, its size;
#   a BAM whose first bytes are changed: not a SAM/BAM/CRAM file; bytes changed inside the
#   compressed header or records: a corrupt BGZF block (inflate or checksum), naming the header
#   or the record; a BGZF block with a damaged deflate header: corrupt BGZF block at the start;
#   --labels with too few or too many names, a name twice, an empty name, or without --species:
#   usage errors (exit 2) that say which.
set -u
bin=${SSMKIT_BIN:?}
command -v samtools >/dev/null || { echo "samtools not installed: skipped"; exit 77; }
. "${SSMKIT_SRC:?}/tests/genomics/dna_lib.sh"   # $t, ok/bad/same, finish
# damaged CODE PATTERN WHAT -- command...: exit CODE, stderr has PATTERN and no C library string
damaged() {
  local code=$1 pat=$2 what=$3; shift 4
  "$@" > out.txt 2> err.txt; local rc=$?
  if [ $rc -eq "$code" ] && grep -q -- "$pat" err.txt && ! grep -q "Success\|Exec format error" err.txt; then ok
  else bad "$what: exit $rc (want $code), stderr: $(cat err.txt)"; fi
}
# poke OFFSET: a copy x_OFFSET.bam of x.bam with two bytes changed at OFFSET
poke() { cp x.bam "x_$1.bam"; printf '\x5a\xa5' | dd of="x_$1.bam" bs=1 seek="$1" conv=notrunc 2>/dev/null; }

# ---- a reference and 300 reads: SAM -> BAM (several BGZF blocks) and CRAM --------------------
awk 'BEGIN { srand(9); print ">chr1"; s = ""; for (i = 0; i < 3000; i++) s = s substr("ACGT", 1 + int(rand() * 4), 1);
  for (i = 1; i <= 3000; i += 60) print substr(s, i, 60) }' > ref.fa
awk 'NR > 1 { s = s $0 } END { print "@HD\tVN:1.6\tSO:coordinate"; print "@SQ\tSN:chr1\tLN:" length(s);
  for (q = 0; q < 300; q++) { p = 1 + q * 9; q2 = ""; for (j = 0; j < 60; j++) q2 = q2 sprintf("%c", 40 + (q * j) % 30)
    print "r" q "\t0\tchr1\t" p "\t60\t60M\t*\t0\t0\t" substr(s, p, 60) "\t" q2 } }' ref.fa > x.sam
samtools view -b -o x.bam x.sam && samtools view -C -T ref.fa -o x.cram x.sam || bad "samtools made the BAM/CRAM"
"$bin" dna view x.bam | wc -l | grep -qx 300 && ok || bad "the undamaged BAM reads"
"$bin" dna view -T ref.fa x.cram | wc -l | grep -qx 300 && ok || bad "the undamaged CRAM reads"

# ---- CRAM cut to 100 bytes ---------------------------------------------------------------------
head -c 100 x.cram > cut.cram
damaged 1 "cut.cram: truncated or corrupt CRAM file (100 bytes)" "CRAM cut to 100 bytes" -- "$bin" dna view -T ref.fa cut.cram
damaged 1 "cut.cram: truncated or corrupt CRAM file" "dna stats on the cut CRAM" -- "$bin" dna stats cut.cram

# ---- BAM with changed bytes ---------------------------------------------------------------------
poke 0
damaged 1 "x_0.bam: not a SAM, BAM or CRAM file" "BAM magic changed" -- "$bin" dna view x_0.bam
poke 20    # the deflate stream's first bytes of block 1
damaged 1 "x_20.bam: corrupt BGZF block at the start of the file" "BAM block 1 deflate header changed" -- "$bin" dna view x_20.bam
poke 30    # inside block 1: the BAM header
damaged 1 "x_30.bam: cannot read the BAM header: .*corrupt BGZF block" "BAM header block changed" -- "$bin" dna view x_30.bam
# block 2 (the first records) starts after block 1: its size is BSIZE + 1, a uint16 at byte 16
b2=$(( $(od -An -t u2 -j 16 -N 2 x.bam | tr -d ' ') + 1 ))
poke $((b2 + 200))
damaged 1 "x_$((b2 + 200)).bam: record 1: .*corrupt BGZF block" "BAM record block changed" -- "$bin" dna view x_$((b2 + 200)).bam
size=$(wc -c < x.bam)
poke $((size - 60))   # inside the last data block
damaged 1 "corrupt BGZF block" "BAM last block changed" -- "$bin" dna stats x_$((size - 60)).bam
gzip -c ref.fa > fasta.bam
damaged 1 "fasta.bam: not a SAM, BAM or CRAM file (htslib sees FASTA" "gzip FASTA named .bam" -- "$bin" dna view fasta.bam

# ---- --labels -------------------------------------------------------------------------------------
awk '/^>/ || NR <= 40' ref.fa > a.fa; awk 'NR == 1 || NR > 10' ref.fa > b.fa
W=("$bin" dna windows --species a.fa b.fa -L 20 --train 4 --valid 1 --test 1 -o sp.shard)
for c in "a|names 1 class for 2 FASTA files" "a,b,c|names 3 classes for 2 FASTA files" "a,a|label 'a' is given twice" \
         ",|label 1 is empty" "a,|label 2 is empty" ",b|label 1 is empty"; do
  rm -f sp.shard; "${W[@]}" --labels "${c%%|*}" > out.txt 2> err.txt; rc=$?
  [ $rc -eq 2 ] && grep -q -- "${c#*|}" err.txt && ok || bad "--labels '${c%%|*}': exit $rc (want 2), $(cat err.txt)"
  [ ! -e sp.shard ] && ok || bad "--labels '${c%%|*}': no shard written"
done
"${W[@]}" --labels x,y > out.txt 2> err.txt && grep -q '"labels":\["x","y"\]' sp.shard && ok || bad "--labels x,y: $(cat err.txt)"
"$bin" dna windows a.fa -L 20 --labels x -o w.shard > out.txt 2> err.txt
[ $? -eq 2 ] && grep -q "labels names the classes of --species" err.txt && ok || bad "--labels without --species: $(cat err.txt)"

finish test_dna_damaged
