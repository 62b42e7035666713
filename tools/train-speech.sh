#!/usr/bin/env bash
# train-speech.sh [OUT] — a recipe: train a Mamba U-Net on spoken digits within a wall-clock
# budget, generate clips and score them with the built-in speech scorer (audio/README.md
# §Speech scores). Steps:
#   1. the digits: tools/fetch-speech-digits.sh with 84 voices, split by voice, into OUT/digits
#      (reused when present), and an audio shard OUT/digits.shard;
#   2. a digit classifier on that shard (`ssmkit audio classifier train`), reused when present;
#   3. the U-Net of tools/train-speech.json (D 64, 4 Mamba blocks per stage, pools 4,4): a timed
#      probe of CALIB updates gives the seconds per update on this machine, and the run gets the
#      updates that fit in MINUTES (default 120) less a reserve for validation and scoring;
#   4. COUNT clips of 1 s (default 64) by the recurrent step, and `ssmkit audio score` of the
#      generated clips and the real test clips against the train split: OUT/scores.tsv.
# Environment: SSMKIT (binary; default build/tools/ssmkit), MINUTES, COUNT, CALIB (default 4),
# THREADS (default: all cores). Outputs in OUT (default speech-out); a run starts its model
# files over (train --overwrite) but keeps the data and the classifier.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
case "${1:-}" in -h|--help) sed -n '2,16p' "$0"; exit 0 ;; esac
out=${1:-speech-out}
ssmkit=${SSMKIT:-$here/build/tools/ssmkit}
minutes=${MINUTES:-120} count=${COUNT:-64} calib=${CALIB:-4} threads=${THREADS:-$(nproc)}
cfg=$here/tools/train-speech.json
[ -x "$ssmkit" ] || { echo "train-speech: $ssmkit not found: build ssmkit first or set SSMKIT" >&2; exit 1; }
mkdir -p "$out"
start=$(date +%s)
say() { printf '[%s] train-speech: %s\n' "$(date +%H:%M:%S)" "$*"; }

if [ ! -s "$out/digits/testing_list.txt" ]; then
  say "rendering the digits (84 espeak-ng voices)"
  SSMKIT=$ssmkit VOICES=84 "$here/tools/fetch-speech-digits.sh" "$out/digits" 2 1
fi
if [ ! -s "$out/digits.shard" ]; then
  "$ssmkit" audio prep "$out"/digits/{zero,one,two,three,four,five,six,seven,eight,nine} \
    --split-lists "$out/digits" -o "$out/digits.shard"
fi
if [ ! -s "$out/clf.safetensors" ]; then
  say "training the digit classifier"
  "$ssmkit" audio classifier train "$out/digits.shard" -o "$out/clf.safetensors" -@ "$threads" -q
fi

# seconds per update from a short probe (its first update also pays the start-up: a slight
# overestimate, so the run stays inside the budget)
say "probing the speed: $calib updates"
t0=$(date +%s.%N)
"$ssmkit" train -d "$out/digits.shard" -c "$cfg" -n "$calib" --eval-every 0 --eval-batches 1 -@ "$threads" -q \
  -o "$out/probe.safetensors" --overwrite
t1=$(date +%s.%N)
used=$(( $(date +%s) - start ))
# reserve: 10% of the budget for validation, generation and scoring
steps=$(awk -v m="$minutes" -v u="$used" -v a="$t0" -v b="$t1" -v c="$calib" \
  'BEGIN { per = (b - a) / c; s = int((m * 60 * 0.9 - u) / per); if (s < 1) s = 1; print s }')
rm -f "$out"/probe.*
say "training the U-Net: $steps updates (budget $minutes min, $(( used / 60 )) min used so far)"
"$ssmkit" train -d "$out/digits.shard" -c "$cfg" -n "$steps" --eval-every $(( steps / 4 > 0 ? steps / 4 : 1 )) \
  --eval-batches 16 --ckpt-every 500 -@ "$threads" -o "$out/unet.safetensors" --overwrite
say "test-split bits/sample"
"$ssmkit" eval -m "$out/unet.best.safetensors" -d "$out/digits.shard" --split test -@ "$threads" | tee "$out/test-eval.tsv"
rm -rf "$out/clips"
say "generating $count clips of 1 s"
"$ssmkit" audio generate -m "$out/unet.best.safetensors" -n "$count" -S 1 -s 1 -@ "$threads" -o "$out/clips"
say "scoring: real test clips, then the generated clips"
"$ssmkit" audio score -c "$out/clf.safetensors" --reference "$out/digits.shard" "$out/digits.shard" "$out/clips" \
  -@ "$threads" -o "$out/scores.tsv"
say "done in $(( ($(date +%s) - start) / 60 )) min: $out/scores.tsv, $out/test-eval.tsv, $out/clips"
