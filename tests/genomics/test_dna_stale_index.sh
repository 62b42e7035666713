#!/usr/bin/env bash
# test_dna_stale_index.sh — a .fai/.gzi that no longer matches its FASTA is never used: each case
# rewrites a FASTA after its index was made, with a date that makes the index look current
# (the same mtime, `cp -p` of an older file, `touch -d`), then compares `dna fetch` and
# `dna windows` with the bases and window counts worked out by awk from the file itself:
#   a same-size rewrite that renames a record (the old name must be unknown, the new one right);
#   an older copy with other line widths and lengths (fetch, window count); a record appended;
#   a file cut short after its last record; a bgzip file with another layout; a bgzip file
#   recompressed (the .fai still right, the .gzi not);
#   a changed base with the layout kept (the index is still right: no rebuild, no warning);
#   a stale index in a folder that cannot be written (refused, naming the reason; not as root).
set -u
bin=${SSMKIT_BIN:?}
command -v bgzip >/dev/null || { echo "bgzip (tabix) not installed: skipped"; exit 77; }
. "${SSMKIT_SRC:?}/tests/genomics/dna_lib.sh"   # $t, ok/bad/same, finish

# genome NAME:LEN... WIDTH SEED: a FASTA on stdout, lines of WIDTH bases
genome() {
  local w=${*: -2:1} seed=${*: -1}
  printf '%s\n' "${@:1:$#-2}" | awk -v w="$w" -v seed="$seed" -F: 'BEGIN { srand(seed); split("ACGT", b, "") }
    { print ">" $1 " made by the test"; s = ""; for (i = 0; i < $2; i++) s = s b[1 + int(rand() * 4)]
      for (i = 1; i <= $2; i += w) print substr(s, i, w) }'
}
# ref FASTA REGION...: what `dna fetch` must print, from the text of the file (zcat for .gz)
ref() {
  local f=$1; shift
  case "$f" in *.gz) zcat "$f" ;; *) cat "$f" ;; esac | awk -v regs="$*" '
    /^>/ { n = substr($1, 2); next } { s[n] = s[n] $0 }
    END { k = split(regs, r, " "); for (q = 1; q <= k; q++) {
      split(r[q], a, "[:-]"); x = s[a[1]]; b = a[2] == "" ? 1 : a[2]; e = a[3] == "" ? length(x) : a[3]
      print ">" r[q]; y = substr(x, b, e - b + 1); for (i = 1; i <= length(y); i += 60) print substr(y, i, 60) } }'
}
# fetch_is WHAT FASTA REGION...: dna fetch exits 0 and prints what awk reads from the file
fetch_is() {
  local what=$1 f=$2; shift 2
  "$bin" dna fetch "$f" "$@" > got.txt 2> err.txt || { bad "$what: dna fetch exit $?: $(cat err.txt)"; return; }
  ref "$f" "$@" > want.txt
  same got.txt want.txt "$what: dna fetch differs from the file's bases"
}
# index_current FASTA: give the index files the FASTA's own date (they look up to date)
index_current() { touch -r "$1" "$1.fai"; [ -e "$1.gzi" ] && touch -r "$1" "$1.gzi"; return 0; }

# ---- 1. rewritten within the same second, same size, one record renamed --------------------
genome chr1:150 chr2:130 60 1 > a.fa
"$bin" dna fetch a.fa chr2:1-10 > /dev/null 2>&1 || bad "first fetch builds the index"
[ -s a.fa.fai ] && ok || bad "a.fa.fai built"
size=$(wc -c < a.fa)
genome chr1:150 chrZ:130 60 2 > b.fa
[ "$(wc -c < b.fa)" -eq "$size" ] && ok || bad "the rewrite has the same size"
cat b.fa > a.fa; index_current a.fa
"$bin" dna fetch a.fa chr2:1-10 > got.txt 2> err.txt; rc=$?
[ $rc -eq 1 ] && grep -q "a.fa: region 'chr2:1-10': unknown sequence name" err.txt && ok ||
  bad "fetch of a record that is no longer in the file: exit $rc, $(cat got.txt err.txt)"
grep -q "a.fa.fai does not match the file" err.txt && ok || bad "the rebuild of a stale index is said: $(cat err.txt)"
fetch_is "same-size rewrite" a.fa chrZ:1-130 chr1:55-125 chrZ:61

# ---- 2. a copy older than the index (cp -p), other line widths and lengths -----------------
genome c1:1000 c2:420 c3:77 70 3 > c.fa
"$bin" dna fetch c.fa c1:1-5 > /dev/null 2>&1
genome c1:990 c2:500 c3:77 c4:300 50 4 > new.fa
touch -d '2001-01-01 00:00' new.fa
cp -p new.fa c.fa
fetch_is "cp -p of an older file" c.fa c1:1-990 c2:400-500 c3 c4:7-300
# windows: the Mamba rule on every record whole, L = 100: floor(len/100) when len >= 100, else 2
"$bin" dna windows c.fa -L 100 -o c.shard 2> err.txt || bad "dna windows c.fa: $(cat err.txt)"
want=$(awk '/^>/ { if (n) print n; n = 0; next } { n += length($0) } END { print n }' c.fa |
  awk '{ w += ($1 >= 100 ? int($1 / 100) : 2) } END { print w }')
got=$(od -An -t u8 -j 16 -N 8 c.shard | tr -d ' ')
[ "$got" = "$want" ] && ok || bad "dna windows on the copied file: $got windows, want $want"

# ---- 2b. a record appended, the rest unchanged: only the tail tells ---------------------------
genome k1:300 k2:200 60 12 > k.fa
"$bin" dna fetch k.fa k1:1-5 > /dev/null 2>&1
{ cat k.fa; genome k3:90 60 13; } > new.fa
touch -d '2001-01-01 00:00' new.fa; cp -p new.fa k.fa
fetch_is "record appended" k.fa k3 k2:150-200
grep -q "goes on after the last indexed record 'k2'" err.txt && ok || bad "the appended record is the reason: $(cat err.txt)"

# ---- 3. cut short: the last record lost its last lines --------------------------------------
genome d1:300 d2:600 60 5 > d.fa
"$bin" dna fetch d.fa d2:1-5 > /dev/null 2>&1
head -n 9 d.fa > short.fa; touch -d '2001-01-01 00:00' short.fa; cp -p short.fa d.fa
fetch_is "file cut short" d.fa d1 d2
"$bin" dna fetch d.fa d2:500-600 > got.txt 2> err.txt
[ $? -eq 1 ] && grep -q "outside the sequence 'd2'" err.txt && ok || bad "fetch past the new end: $(cat got.txt err.txt)"

# ---- 4. bgzip: another layout under an index that looks current ------------------------------
genome e1:5000 e2:3000 60 6 | bgzip -c > e.fa.gz
"$bin" dna fetch e.fa.gz e2:1-5 > /dev/null 2>&1
[ -s e.fa.gz.gzi ] && ok || bad "e.fa.gz.gzi built"
genome e1:4000 e2:3500 e3:100 80 7 | bgzip -c > new.fa.gz
touch -d '2001-01-01 00:00' new.fa.gz; cp -p new.fa.gz e.fa.gz
fetch_is "bgzip rewritten" e.fa.gz e1:1-4000 e2:3001-3500 e3

# ---- 5. bgzip recompressed (same text): the .fai still holds, the .gzi does not -------------
genome f1:40000 f2:30000 60 8 > f.fa
bgzip -c f.fa > f.fa.gz
"$bin" dna fetch f.fa.gz f1:1-5 > /dev/null 2>&1
bgzip -c -l 1 f.fa > new.fa.gz
cmp -s new.fa.gz f.fa.gz && bad "level 1 gives other blocks"
touch -d '2001-01-01 00:00' new.fa.gz; cp -p new.fa.gz f.fa.gz
fetch_is "bgzip recompressed" f.fa.gz f1:1-40000 f2:29000-30000

# ---- 6. a base changed, layout kept: the index still describes the file ---------------------
genome g1:200 60 9 > g.fa
"$bin" dna fetch g.fa g1:1-5 > /dev/null 2>&1
awk 'NR == 2 { $0 = (substr($0, 1, 1) == "A" ? "C" : "A") substr($0, 2) } { print }' g.fa > new.fa
cat new.fa > g.fa; index_current g.fa
cp g.fa.fai kept.fai
fetch_is "changed base, same layout" g.fa g1:1-10
same g.fa.fai kept.fai "an index that still matches is kept"
[ ! -s err.txt ] && ok || bad "no warning for an index that still matches: $(cat err.txt)"

# ---- 7. stale index, folder not writable: refused with the reason ---------------------------
if [ "$(id -u)" -ne 0 ]; then
  mkdir ro && genome h1:100 h2:100 60 10 > ro/h.fa && "$bin" dna fetch ro/h.fa h1:1-5 > /dev/null 2>&1
  genome h1:100 hX:100 60 11 > ro/new.fa && cat ro/new.fa > ro/h.fa && rm ro/new.fa && index_current ro/h.fa
  chmod a-w ro
  "$bin" dna fetch ro/h.fa hX:1-10 > got.txt 2> err.txt; rc=$?
  chmod u+w ro
  [ $rc -eq 1 ] && grep -q "^ssmkit: error: ro/h.fa: its index ro/h.fa.fai does not match the file (record 'h2'" err.txt &&
    grep -q "not writable" err.txt && ok || bad "stale index in a read-only folder: exit $rc, $(cat got.txt err.txt)"
fi

finish test_dna_stale_index
