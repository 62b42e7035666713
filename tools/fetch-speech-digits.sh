#!/usr/bin/env bash
# fetch-speech-digits.sh OUT [REPS] [SEED] — make an SC09-like development set with espeak-ng:
# the ten digit words spoken by many synthetic voices (English accents x voice variants), REPS
# takes per voice and digit (default 2) with rate and pitch jitter, each a 1-second 16 kHz mono
# 16-bit WAV with the word at a random offset (espeak-ng writes 22,050 Hz: ssmkit resamples).
# Layout as Speech Commands: OUT/<digit>/<voice>_nohash_<k>.wav, plus OUT/validation_list.txt and
# OUT/testing_list.txt that split by voice (80/10/10), so `ssmkit audio prep OUT/* --split-lists OUT`.
# Everything is generated locally (no download); nothing here is committed. Deterministic for a SEED.
# Environment: SSMKIT (the ssmkit binary; default build/tools/ssmkit), VOICES (max voices, default 84).
set -euo pipefail
out=${1:?usage: tools/fetch-speech-digits.sh OUT [REPS] [SEED]}
reps=${2:-2}
seed=${3:-1}
here=$(cd "$(dirname "$0")/.." && pwd)
ssmkit=${SSMKIT:-$here/build/tools/ssmkit}
max_voices=${VOICES:-84}
command -v espeak-ng >/dev/null || { echo "fetch-speech-digits: espeak-ng not found (apt-get install espeak-ng)" >&2; exit 1; }
[ -x "$ssmkit" ] || { echo "fetch-speech-digits: $ssmkit not found: build ssmkit first or set SSMKIT" >&2; exit 1; }
"$ssmkit" audio --help >/dev/null 2>&1 || { echo "fetch-speech-digits: $ssmkit has no audio front-end" >&2; exit 1; }

digits=(zero one two three four five six seven eight nine)
accents=(en-us en-gb en-gb-scotland en-gb-x-rp en-gb-x-gbclan en-gb-x-gbcwmd en-029)
variants=(m1 m2 m3 m4 m5 m6 m7 f1 f2 f3 f4 f5)
voices=()
for v in "${variants[@]}"; do for a in "${accents[@]}"; do voices+=("$a+$v"); done; done
voices=("${voices[@]:0:$max_voices}")

RANDOM=$seed
mkdir -p "$out"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# split by voice: a seeded shuffle of the voices, then 80% train / 10% valid / 10% test
keys=""   # drawn in this shell: subshells reseed $RANDOM
for i in "${!voices[@]}"; do keys+="$RANDOM $i"$'\n'; done
mapfile -t order < <(printf '%s' "$keys" | sort -n -k1,1 -k2,2 | awk '{print $2}')
n=${#voices[@]} nv=$(( (n + 5) / 10 )) nt=$(( (n + 5) / 10 ))
declare -A split
for j in "${!order[@]}"; do
  i=${order[$j]}
  if [ "$j" -lt "$nv" ]; then split[$i]=valid; elif [ "$j" -lt $((nv + nt)) ]; then split[$i]=test; else split[$i]=train; fi
done
: >"$tmp/validation_list.txt"; : >"$tmp/testing_list.txt"

total=$(( n * 10 * reps )) done_=0
for i in "${!voices[@]}"; do
  voice=${voices[$i]}
  spk=$(echo "$voice" | tr -d '+-' )
  for d in "${digits[@]}"; do
    mkdir -p "$out/$d"
    for ((k = 0; k < reps; k++)); do
      speed=$(( 120 + RANDOM % 90 ))     # words per minute, 120..209
      pitch=$(( 20 + RANDOM % 60 ))      # 20..79
      espeak-ng -v "$voice" -s "$speed" -p "$pitch" -w "$tmp/u.wav" "$d"
      frames=$("$ssmkit" audio info "$tmp/u.wav" | awk '$1 == "frames" {print $2}')
      rate=$("$ssmkit" audio info "$tmp/u.wav" | awk '$1 == "rate" {print $2}')
      len=$(( frames * 16000 / rate ))
      room=$(( 16000 - len )); [ "$room" -lt 1 ] && room=1
      offset=$(( (RANDOM * 32768 + RANDOM) % room ))
      name="${spk}_nohash_$k.wav"
      "$ssmkit" audio convert "$tmp/u.wav" --rate 16000 --length 16000 --offset "$offset" -o "$out/$d/$name"
      case ${split[$i]} in
        valid) echo "$d/$name" >>"$tmp/validation_list.txt" ;;
        test) echo "$d/$name" >>"$tmp/testing_list.txt" ;;
      esac
      done_=$((done_ + 1))
      [ -t 2 ] && printf '\rfetch-speech-digits: %d/%d' "$done_" "$total" >&2
    done
  done
done
[ -t 2 ] && echo >&2
cp "$tmp/validation_list.txt" "$tmp/testing_list.txt" "$out/"
echo "fetch-speech-digits: $total clips from $n voices in $out (valid $(wc -l <"$out/validation_list.txt"), test $(wc -l <"$out/testing_list.txt") by voice)" >&2
