#!/usr/bin/env bash
# fetch-dna.sh OUT — development DNA data from Debian packages (no root needed; nothing committed).
#
#   OUT/species/{e_coli,h_pylori,s_aureus,v_cholerae}.fa.gz   one bgzip FASTA per bacterial species,
#       all strain references of that species from ragout-examples (16 genomes of 4 species,
#       about 1.5-5 Mbp each), indexed (.fai/.gzi): input for `ssmkit dna windows --species`.
#   OUT/human/human.fa.gz   human genome pieces from augustus-doc (hg19 chr3:42-44M, chr4:103-105M,
#       chr5:124-126M from the AUGUSTUS tutorial, and an hg38 chr16 piece), bgzip + index.
#   OUT/human/human.bed     the pieces cut into 2^17-bp segments with a split column like
#       HyenaDNA's sequences_human.bed (chr3, chr4 train; chr5 valid; chr16 test).
#   OUT/vertebrates/{bosTau8,canFam3,galGal4,hg38,mm10,monDom5,rheMac3,rn6}.fa.gz   the 8 vertebrate
#       pieces of the AUGUSTUS comparative tutorial (one 0.1-0.55 Mbp record each, orthologous
#       regions), bgzip + index: the hard species task of tests/models/test_species_hard.c.
#   OUT/fly/chr2R.fa.gz   fruit fly (D. melanogaster) chromosome arm 2R from augustus-doc, one record
#       of about 21 Mbp, bgzip + index: the streaming benchmark of BENCHMARKS.md (whole-chromosome eval).
#
# Needs apt-get (download only), dpkg-deb, bgzip and samtools (Debian: tabix, samtools).
set -euo pipefail
out=${1:?usage: tools/fetch-dna.sh OUT}
for tool in apt-get dpkg-deb bgzip samtools; do
  command -v "$tool" >/dev/null || { echo "fetch-dna.sh: $tool not found (apt-get install tabix samtools)" >&2; exit 1; }
done
mkdir -p "$out/species" "$out/human" "$out/vertebrates" "$out/fly"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download ragout-examples augustus-doc >/dev/null) || {
  echo "fetch-dna.sh: apt-get download failed (no Debian mirror reachable? run apt-get update)" >&2; exit 1; }
for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$work/x"; done

# Species: concatenate every reference genome of a species into one FASTA.
ex=$work/x/usr/share/doc/ragout/examples
for pair in E.Coli:e_coli H.Pylori:h_pylori S.Aureus:s_aureus V.Cholerae:v_cholerae; do
  dir=${pair%%:*} name=${pair#*:}
  # awk 1: a file without a final newline would glue its last line to the next header
  for f in "$ex/$dir"/references/*.fasta.gz; do zcat "$f" | awk 1; done | bgzip -c > "$out/species/$name.fa.gz"
  samtools faidx "$out/species/$name.fa.gz"
  echo "species $name: $(wc -l < "$out/species/$name.fa.gz.fai") records, $(awk '{s += $2} END {print s}' "$out/species/$name.fa.gz.fai") bp"
done

# Human: the tutorial pieces, headers reduced to the chromosome name.
doc=$work/x/usr/share/doc/augustus
awk '/^>/ { print $1; next } { print }' "$doc/tutorial/data/chr3.42M.fa" "$doc/tutorial/data/chr4.103M.fa" \
    "$doc/tutorial/data/chr5.124M.fa" "$doc/tutorial-cgp/data/genomes/hg38.fa" | bgzip -c > "$out/human/human.fa.gz"
samtools faidx "$out/human/human.fa.gz"
for f in "$doc"/tutorial-cgp/data/genomes/*.fa; do
  v=$(basename "$f" .fa)
  bgzip -c "$f" > "$out/vertebrates/$v.fa.gz" && samtools faidx "$out/vertebrates/$v.fa.gz"
done
echo "vertebrates: $(ls "$out"/vertebrates/*.fa.gz | wc -l) genomes"
awk '/^>/ { print $1; next } { print }' "$doc/tutorial/data/chr2R.fa" | bgzip -c > "$out/fly/chr2R.fa.gz"
samtools faidx "$out/fly/chr2R.fa.gz"
echo "fly: chr2R $(cut -f2 "$out/fly/chr2R.fa.gz.fai") bp"
if command -v ssmkit >/dev/null; then ssmkit dna stats "$out"/species/*.fa.gz "$out/human/human.fa.gz"; fi
awk 'BEGIN { OFS = "\t"; seg = 131072 }
     { split_ = ($1 == "chr5") ? "valid" : ($1 == "chr16") ? "test" : "train";
       for (b = 0; b + seg <= $2; b += seg) print $1, b, b + seg, split_ }' "$out/human/human.fa.gz.fai" > "$out/human/human.bed"
echo "human: $(awk '{s += $2} END {print s}' "$out/human/human.fa.gz.fai") bp in $(wc -l < "$out/human/human.fa.gz.fai") records, $(wc -l < "$out/human/human.bed") segments of 2^17 bp"
