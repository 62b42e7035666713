#!/usr/bin/env bash
# test_dna_pipes.sh — sequence inputs that can be read only once: every sequential command gives,
# from a process substitution <(cat F), a FIFO, '-' on a piped stdin and /dev/stdin on a pipe,
# byte for byte what it gives from the regular file F (lines that name the input left out):
#   dna stats and dna view on FASTA, gzip FASTA, FASTQ, SAM, BAM and CRAM; dna windows without a
#   BED (the shard's tokens and index); classify, embed and eval --whole with tiny models.
# Commands that need random access (dna fetch, dna windows --bed / --species, a BAM region) say
# that the input needs an indexed regular file. An empty pipe is "empty".
set -u
bin=${SSMKIT_BIN:?}
. "${SSMKIT_SRC:?}/tests/genomics/dna_lib.sh"   # $t, ok/bad/same, finish

# with_input PATH CMD...: run CMD with every word IN replaced by PATH
with_input() { local in=$1 a=() x; shift; for x; do [ "$x" = IN ] && a+=("$in") || a+=("$x"); done; "${a[@]}"; }
# piped MODE FILE CMD...: CMD with IN = FILE given through MODE; stdout to stdout
piped() {
  local mode=$1 f=$2; shift 2
  case $mode in
    procsub) with_input <(cat "$f") "$@" ;;
    fifo) # the writer is stopped after the command (it blocks forever when nothing opens the FIFO)
      rm -f in.fifo; mkfifo in.fifo; cat "$f" > in.fifo & local pid=$!
      with_input in.fifo "$@"; local rc=$?; kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; return $rc ;;
    dash) cat "$f" | with_input - "$@" ;;
    devstdin) cat "$f" | with_input /dev/stdin "$@" ;;
  esac
}
MODES="procsub fifo dash devstdin"
# same_as_file WHAT FILTER FILE CMD...: CMD on FILE (regular) and through every pipe mode, both
# outputs passed through FILTER (a command reading stdin), must be equal
same_as_file() {
  local what=$1 filter=$2 f=$3; shift 3
  with_input "$f" "$@" 2> err.txt | $filter > want.txt
  [ "${PIPESTATUS[0]}" -eq 0 ] && [ -s want.txt ] || { bad "$what on the regular file failed: $(cat err.txt)"; return; }
  for m in $MODES; do
    piped "$m" "$f" "$@" 2> err.txt | $filter > got.txt
    if [ "${PIPESTATUS[0]}" -eq 0 ] && cmp -s got.txt want.txt; then ok
    else bad "$what through $m differs from the regular file: $(cat err.txt)"; diff got.txt want.txt | head -4; fi
  done
}
keep() { cat; }
no_path() { cut -f2-; }              # dna stats: column 1 is the path
no_comments() { grep -v '^#'; }      # classify/embed: '#' lines name the inputs
no_data_line() { grep -v '^data'; }  # eval: the "data PATH" line
tokens_and_index() {                 # a token shard from its data section on (the metadata names the input)
  cat > sh.bin; local d; d=$(od -An -t u8 -j 48 -N 8 sh.bin | tr -d ' '); tail -c +$((d + 1)) sh.bin; }
# refuses WHAT CMD...: exit 1 and "needs an indexed regular file" for IN through a pipe
refuses() {
  local what=$1; shift
  with_input <(cat g.fa) "$@" > out.txt 2> err.txt; local rc=$?
  [ $rc -eq 1 ] && grep -q "^ssmkit: error: /dev/fd/[0-9]*: .*needs an indexed regular file (a pipe cannot be indexed)" err.txt &&
    ok || bad "$what from a pipe: exit $rc (want 1), $(cat err.txt)"
}

# ---- inputs ------------------------------------------------------------------------------------
awk 'BEGIN { srand(11); split("ACGT", b, ""); split("r1 r2 r3 r4", n, " "); split("3000 1500 700 129", len, " ");
  for (r = 1; r <= 4; r++) { print ">" n[r] " piece " r; s = "";
    for (i = 0; i < len[r]; i++) s = s (i % 500 < 30 ? tolower(b[1 + int(rand() * 4)]) : b[1 + int(rand() * 4)])
    for (i = 1; i <= len[r]; i += 70) print substr(s, i, 70) } }' > g.fa
gzip -c g.fa > gz.fa.gz
awk 'BEGIN { srand(5); for (r = 0; r < 30; r++) { n = 20 + int(rand() * 80); s = ""; q = "";
  for (i = 0; i < n; i++) { s = s substr("ACGT", 1 + int(rand() * 4), 1); q = q sprintf("%c", 35 + int(rand() * 40)) }
  print "@read" r; print s; print "+"; print q } }' > r.fq

# ---- dna stats / view ----------------------------------------------------------------------------
same_as_file "dna stats FASTA" no_path g.fa "$bin" dna stats IN
same_as_file "dna stats gzip FASTA" no_path gz.fa.gz "$bin" dna stats IN
same_as_file "dna view FASTA" keep g.fa "$bin" dna view IN
same_as_file "dna view gzip FASTA" keep gz.fa.gz "$bin" dna view IN
same_as_file "dna view FASTQ" keep r.fq "$bin" dna view IN
"$bin" dna view g.fa | head -1 | grep -q '^>r1 piece 1$' && ok || bad "dna view prints the records"
if command -v samtools >/dev/null; then
  awk 'BEGIN { srand(3) } /^>/ { nm = substr($1, 2); names[++n] = nm; next } { seq[nm] = seq[nm] $0 }
    END { print "@HD\tVN:1.6\tSO:unsorted"; for (i = 1; i <= n; i++) print "@SQ\tSN:" names[i] "\tLN:" length(seq[names[i]]);
      for (q = 0; q < 200; q++) { r = names[1 + int(rand() * 2)]; p = 1 + int(rand() * 600); f = q % 5 == 0 ? 16 : 0;
        print "q" q "\t" f "\t" r "\t" p "\t" int(rand() * 60) "\t40M\t*\t0\t0\t" toupper(substr(seq[r], p, 40)) "\t*" } }' g.fa > x.sam
  samtools sort -o x.bam x.sam 2>/dev/null && samtools index x.bam && samtools view -C -T g.fa -o x.cram x.bam ||
    bad "making BAM/CRAM with samtools"
  same_as_file "dna stats SAM" no_path x.sam "$bin" dna stats IN
  same_as_file "dna view SAM" keep x.sam "$bin" dna view IN
  same_as_file "dna view BAM" keep x.bam "$bin" dna view IN
  same_as_file "dna view CRAM" keep x.cram "$bin" dna view -T g.fa IN
  "$bin" dna view x.bam | wc -l | grep -qx 200 && ok || bad "dna view x.bam: 200 records"
  with_input <(cat x.bam) "$bin" dna view IN r1:1-100 > out.txt 2> err.txt
  [ $? -eq 1 ] && grep -q "region 'r1:1-100': needs an indexed regular file (a pipe cannot be indexed)" err.txt && ok ||
    bad "a region of a piped BAM: $(cat err.txt)"
else
  echo "samtools not installed: SAM/BAM/CRAM through pipes not tested"
fi

# ---- dna windows without a BED: every record whole, from memory --------------------------------
windows_tokens() { "$bin" dna windows "$1" -L 100 --shuffle --rc-aug -o ws.shard && tokens_and_index < ws.shard; }
same_as_file "dna windows (no BED)" keep g.fa windows_tokens IN
"$bin" dna windows g.fa -L 100 -o w.shard 2> /dev/null
[ "$(od -An -t u8 -j 16 -N 8 w.shard | tr -d ' ')" = $((30 + 15 + 7 + 1)) ] && ok || bad "dna windows count (Mamba rule)"

# ---- random access: refused with the reason ----------------------------------------------------
refuses "dna fetch" "$bin" dna fetch IN r1:1-10
printf 'r1\t0\t500\n' > b.bed
refuses "dna windows --bed" "$bin" dna windows IN --bed b.bed -L 100 -o bed.shard
refuses "dna windows --species" "$bin" dna windows --species g.fa IN -L 50 --train 4 --valid 1 --test 1 -o sp.shard
[ ! -e bed.shard ] && [ ! -e sp.shard ] && ok || bad "no shard left after a refusal"
: | "$bin" dna stats - > out.txt 2> err.txt
[ $? -eq 1 ] && grep -q "^ssmkit: error: -: empty file (no records)" err.txt && ok || bad "empty pipe: $(cat err.txt)"

# ---- classify / embed / eval --whole -----------------------------------------------------------
printf '{"arch":"mamba-lm","d_model":8,"n_layer":1,"vocab_size":12,"d_state":4,"dt_min":0.01,"dt_max":0.5}\n' > tiny.json
"$bin" train --data w.shard --config tiny.json -L 100 -b 2 --steps 1 -o m.safetensors -q -@ 1 2> err.txt || bad "train: $(cat err.txt)"
gc_at_fixture
"$bin" finetune --train train.tsv --valid valid.tsv -c tiny.json -L 48 -b 8 --epochs 1 --steps-per-epoch 2 \
  -o clf.safetensors -@ 1 -q 2> err.txt || bad "finetune: $(cat err.txt)"
same_as_file "classify" no_comments g.fa "$bin" classify -m clf.safetensors -@ 1 IN
same_as_file "classify --whole" no_comments g.fa "$bin" classify -m clf.safetensors --whole -C 500 -@ 1 IN
same_as_file "embed --whole" no_comments g.fa "$bin" embed -m m.safetensors --whole -C 500 -@ 1 IN
same_as_file "eval --whole" no_data_line g.fa "$bin" eval -m m.safetensors -d IN --whole -C 500 -@ 1
same_as_file "classify FASTQ" no_comments r.fq "$bin" classify -m clf.safetensors -@ 1 IN

finish test_dna_pipes
