#!/usr/bin/env bash
# bench-compare.sh OLD_BUILD NEW_BUILD [ROUNDS] — the CPU speed table of BENCHMARKS.md, before and
# after, measured in one run: each row runs the old and the new build alternately ROUNDS times
# (default 3) and prints the median of each, with the load average before every row.
#
# OLD_BUILD and NEW_BUILD are CMake build folders holding tools/ssmkit and kernels/bench_scan.
# Rows (all on 2 threads unless stated):
#   lm      `ssmkit bench -p dna-1.4m --n-layer 6 -L 2048 -b 2`: forward and fwd+bwd tok/s
#   scan    `bench_scan -b 2 -L 2048 -D 256 -N 16`, 2 threads and 1: forward / backward G updates/s,
#           the median of its 20 repetitions, then the best
#   mem     `eval --whole` peak RSS at -C 16384 and -C 65536 on 65,536 random bases, dna-1.4m after
#           one update: memory per position = RSS difference / 49,152 (an old build that cannot
#           allocate prints "fail")
#   rtf     `audio generate -n 1 -S 1 -b 1` and `-n 16 -S 1 -b 16` on sc09-mamba-small after one
#           update: the real-time factor the command prints
#   unet    `ssmkit bench -p sc09-mamba-small -L 16000 -b 1`: fwd+bwd tok/s
# ONLY="lm scan" picks rows. Work files go to a temporary folder (WORK= keeps them). Needs
# /usr/bin/time; the rtf row needs an audio shard (SHARD=, e.g. `audio prep` of the clips of
# tools/fetch-speech-digits.sh; SC09= a U-Net checkpoint to use instead) and the mem row the DNA
# front-end.
set -euo pipefail
old=${1:?usage: tools/bench-compare.sh OLD_BUILD NEW_BUILD [ROUNDS]} new=${2:?usage: tools/bench-compare.sh OLD_BUILD NEW_BUILD [ROUNDS]}
rounds=${3:-3}
rows=${ONLY:-lm scan mem rtf unet}
for b in "$old" "$new"; do
  [ -x "$b/tools/ssmkit" ] || { echo "bench-compare: $b/tools/ssmkit not found (build the ssmkit_cli target)" >&2; exit 1; }
done
[ -x /usr/bin/time ] || { echo "bench-compare: /usr/bin/time missing (apt-get install time)" >&2; exit 1; }
work=${WORK:-$(mktemp -d)}
mkdir -p "$work"
[ -n "${WORK:-}" ] || trap 'rm -rf "$work"' EXIT

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "fail"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
# run_pair NAME CMD...: CMD is run with $BUILD set to each build in turn; it prints one or more
# numbers on one line; the medians of each column are printed per build
run_pair() {
  local name=$1; shift
  local lo; lo=$(load)
  local fo="$work/pair.old" fn="$work/pair.new"
  : >"$fo"; : >"$fn"
  for ((r = 0; r < rounds; r++)); do
    BUILD=$old "$@" >>"$fo" || echo fail >>"$fo"
    BUILD=$new "$@" >>"$fn" || echo fail >>"$fn"
  done
  local cols; cols=$(awk '{ print NF }' "$fn" | sort -n | tail -1)
  local o="" n=""
  for ((c = 1; c <= cols; c++)); do
    o+="$(awk -v c=$c '$c != "fail" && $c != "" { print $c }' "$fo" | median) "
    n+="$(awk -v c=$c '$c != "fail" && $c != "" { print $c }' "$fn" | median) "
  done
  printf '| %s | %s | %s | load %s -> %s |\n' "$name" "$o" "$n" "$lo" "$(load)"
}

lm() {  # forward, fwd+bwd tok/s
  "$BUILD/tools/ssmkit" bench -p dna-1.4m --n-layer 6 -L 2048 -b 2 -i 3 -@ 2 2>/dev/null |
    awk -F'|' '/^\| dna-1.4m/ { gsub(/ /, "", $7); gsub(/ /, "", $8); print $7, $8 }'
}
scan() {  # threads in $1: forward, backward G updates/s, median of 20 then best of 20
  OMP_NUM_THREADS=$1 "$BUILD/kernels/bench_scan" -b 2 -L 2048 -D 256 -N 16 -@ "$1" 2>/dev/null |
    awk '/forward +\(optimized\)/ { f = $4; fb = $7 } /backward +\(optimized\)/ { b = $4; bb = $7 } END { print f, b, fb, bb }'
}
mem() {  # KiB per position
  local a b
  a=$( { /usr/bin/time -v "$BUILD/tools/ssmkit" eval -m "$work/m14.safetensors" -d "$work/r64k.fa" --whole -C 16384 -@ 2 >/dev/null; } 2>&1 |
       sed -n 's/.*Maximum resident set size (kbytes): //p')
  b=$( { /usr/bin/time -v "$BUILD/tools/ssmkit" eval -m "$work/m14.safetensors" -d "$work/r64k.fa" --whole -C 65536 -@ 2 >/dev/null; } 2>&1 |
       sed -n 's/.*Maximum resident set size (kbytes): //p')
  awk -v a="${a:-0}" -v b="${b:-0}" 'BEGIN { if (a > 0 && b > a) printf "%.2f\n", (b - a) / 49152; else print "fail" }'
}
rtf() {  # batch in $1
  rm -rf "$work/gen"
  "$BUILD/tools/ssmkit" audio generate -m "$work/sc09.safetensors" -n "$1" -S 1 -b "$1" -@ 2 -o "$work/gen" 2>&1 |
    sed -n 's/.*real-time factor \([0-9.]*\).*/\1/p'
}
unet() {
  "$BUILD/tools/ssmkit" bench -p sc09-mamba-small -L 16000 -b 1 -i 2 -@ 2 2>/dev/null |
    awk -F'|' '/^\| sc09-mamba-small/ { gsub(/ /, "", $8); print $8 }'
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "old: $old ($(git -C "$old/.." rev-parse --short HEAD 2>/dev/null || echo '?'))  new: $new ($(git -C "$new/.." rev-parse --short HEAD 2>/dev/null || echo '?'))  rounds: $rounds"
echo "| row | old (medians) | new (medians) | load before -> after |"
echo "|---|---|---|---|"
for row in $rows; do
  case $row in
    lm) run_pair "lm fwd, fwd+bwd tok/s" lm ;;
    scan) run_pair "scan 2 threads fwd, bwd G/s (median; best)" scan 2; run_pair "scan 1 thread fwd, bwd G/s (median; best)" scan 1 ;;
    mem)
      if [ ! -f "$work/m14.safetensors" ]; then
        awk 'BEGIN { srand(3); print ">r"; s = ""; for (j = 0; j < 4000; j++) s = s substr("ACGT", 1 + int(rand() * 4), 1); print s }' >"$work/g.fa"
        "$new/tools/ssmkit" dna windows "$work/g.fa" -L 1024 -o "$work/g.shard" >/dev/null 2>&1
        "$new/tools/ssmkit" train --data "$work/g.shard" -p dna-1.4m -L 1024 -b 2 --steps 1 -o "$work/m14.safetensors" -q -@ 2
        awk 'BEGIN { srand(7); print ">big"; for (i = 0; i < 1024; i++) { s = ""; for (j = 0; j < 64; j++) s = s substr("ACGT", 1 + int(rand() * 4), 1); print s } }' >"$work/r64k.fa"
      fi
      run_pair "eval memory KiB/position" mem ;;
    rtf)
      if [ -n "${SC09:-}" ]; then cp "$SC09" "$work/sc09.safetensors"; fi
      if [ ! -f "$work/sc09.safetensors" ]; then
        shard=${SHARD:-}
        [ -n "$shard" ] || { echo "bench-compare: the rtf row needs SHARD=an audio shard (audio prep of tools/fetch-speech-digits.sh's clips)" >&2; exit 2; }
        "$new/tools/ssmkit" train --data "$shard" -p sc09-mamba-small --steps 1 -b 1 -o "$work/sc09.safetensors" -q -@ 2
      fi
      run_pair "audio generate RTF b1" rtf 1; run_pair "audio generate RTF b16" rtf 16 ;;
    unet) run_pair "unet bench fwd+bwd tok/s" unet ;;
    *) echo "bench-compare: unknown row $row (lm scan mem rtf unet)" >&2; exit 2 ;;
  esac
done
