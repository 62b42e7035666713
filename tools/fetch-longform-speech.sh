#!/usr/bin/env bash
# fetch-longform-speech.sh OUT [VOICES] — a long-form audio set rendered locally with espeak-ng:
# the prose of this repository's documentation (its Markdown files down to one folder deep; markup,
# code blocks and tables removed) read aloud as long passages, one 16 kHz mono WAV of about a minute
# per (voice, passage), OUT/<voice>/<passage>.wav, and OUT/validation_list.txt and
# OUT/testing_list.txt that split by voice (one voice each, the rest train), as Speech Commands
# does. Nothing is downloaded or committed; the same tree and espeak-ng give the same files. Feed it to `ssmkit audio prep OUT --mode chunks`.
# Environment: SSMKIT (the ssmkit binary; default build/tools/ssmkit).
set -euo pipefail
out=${1:?usage: tools/fetch-longform-speech.sh OUT [VOICES]}
nvoices=${2:-6}
here=$(cd "$(dirname "$0")/.." && pwd)
ssmkit=${SSMKIT:-$here/build/tools/ssmkit}
command -v espeak-ng >/dev/null || { echo "fetch-longform-speech: espeak-ng not found (apt-get install espeak-ng)" >&2; exit 1; }
[ -x "$ssmkit" ] || { echo "fetch-longform-speech: $ssmkit not found: build ssmkit first or set SSMKIT" >&2; exit 1; }
"$ssmkit" audio --help >/dev/null 2>&1 || { echo "fetch-longform-speech: $ssmkit has no audio front-end" >&2; exit 1; }
voices=(en-us+m1 en-gb+f2 en-gb-scotland+m3 en-029+f1 en-gb-x-rp+m5 en-us+f4 en-gb+m7 en-gb-x-gbclan+f3)
voices=("${voices[@]:0:$nvoices}")
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# prose only: drop code blocks, tables, headings' marks, links' targets and inline code marks,
# then cut into 6 passages of about 200 words (a minute or more of speech)
find "$here" -maxdepth 2 -name '*.md' -not -path '*/build*' | LC_ALL=C sort | while read -r f; do cat "$f"; echo; done |
  awk '/^```/ { code = !code; next } code || /^\|/ || /^ {4}/ { next } { print }' |
  sed -e 's/^#* *//' -e 's/\[\([^]]*\)\]([^)]*)/\1/g' -e 's/[`*_]//g' |
  tr -s ' \n' ' ' | fold -s -w 1200 >"$tmp/all"
head -n 6 "$tmp/all" >"$tmp/passages"
[ "$(wc -l <"$tmp/passages")" -ge 2 ] || { echo "fetch-longform-speech: found too little text in $here" >&2; exit 1; }
: >"$tmp/valid"; : >"$tmp/test"
n=0 i=0
for v in "${voices[@]}"; do
  name=$(echo "$v" | tr -d '+-'); d="$out/$name"; mkdir -p "$d"
  k=0
  while IFS= read -r p; do
    espeak-ng -v "$v" -s 160 -w "$tmp/u.wav" "$p"
    "$ssmkit" audio convert "$tmp/u.wav" --rate 16000 -o "$d/p$k.wav"
    case $i in 0) echo "$name/p$k.wav" >>"$tmp/valid" ;; 1) echo "$name/p$k.wav" >>"$tmp/test" ;; esac
    k=$((k + 1)) n=$((n + 1))
  done <"$tmp/passages"
  i=$((i + 1))
done
cp "$tmp/valid" "$out/validation_list.txt"; cp "$tmp/test" "$out/testing_list.txt"
echo "long-form speech: $n passages in $out ($nvoices voices)"
