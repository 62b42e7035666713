#!/usr/bin/env bash
# test_speech_learn.sh — the audio learning gate (label slow): spoken digits generated with
# espeak-ng (tools/fetch-speech-digits.sh: 24 voices x 10 digits x 1 take, split by voice),
# `audio prep` into a shard, a small Mamba U-Net (tests/audio/speech_learn.json: D 32, 2 blocks
# per stage, pools 4,4; 150 updates of 4 x 4000 samples) trained by `ssmkit train`; the
# validation bits/sample over the whole valid split (every sample a target) must be <= 0.8 x the
# unigram entropy of the validation tokens, computed here by shard_unigram (float64 counts).
# Skips (77) only for what is outside this repository: espeak-ng missing or unable to speak, or an
# ssmkit built without the audio front-end (no libsndfile). Any failure of ssmkit itself (in the
# data generation too) fails the test. About 2-3 minutes on 2 cores.
set -u
bin=${SSMKIT_BIN:?}
uni=${1:?usage: test_speech_learn.sh PATH/shard_unigram}
. "${SSMKIT_SRC:?}/tests/cli/lib.sh"
. "$SSMKIT_SRC/tests/audio/speech_lib.sh"
speech_digits 24 1
expect 0 "train" -- "$bin" train -d "$t/d.shard" -c "$SSMKIT_SRC/tests/audio/speech_learn.json" -o "$t/u.safetensors" -@ 2 -q
read -r H1 ntok < <("$uni" "$t/d.shard" 1) || { echo "FAIL: shard_unigram"; exit 1; }
bits=$(grep -o '"valid_bits":[0-9.e+-]*' "$t/u.log.jsonl" | tail -1 | cut -d: -f2)
vt=$(grep -o '"valid_targets":[0-9]*' "$t/u.log.jsonl" | tail -1 | cut -d: -f2)
secs=$(( $(date +%s) - start ))
echo "validation ${bits:-none} bits/sample over ${vt:-?} targets; unigram entropy of the $ntok validation tokens $H1 bits;" \
  "ratio $(awk -v b="${bits:-99}" -v h="$H1" 'BEGIN{printf "%.3f", b/h}') (gate 0.8); ${secs} s wall in all"
[ "${vt:-0}" = "$ntok" ] && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL: validation scored ${vt:-?} targets, not the $ntok valid tokens"; }
if awk -v b="${bits:-99}" -v h="$H1" 'BEGIN { exit !(b <= 0.8 * h) }'; then pass=$((pass+1)); else
  fail=$((fail+1)); echo "FAIL: validation ${bits:-none} bits/sample > 0.8 x $H1"; fi
finish test_speech_learn
