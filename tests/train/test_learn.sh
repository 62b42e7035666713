#!/usr/bin/env bash
# test_learn.sh — the learning gate (a model must learn a source of known entropy): an order-2
# Markov byte source (markov_gen, seed 2024) with entropy rate H and unigram entropy >= H + 1.5
# bits (markov_gen refuses a seed without that gap); `ssmkit train` with tests/train/learn.json (450 updates of 16 x 64 bytes,
# ~20 s on 2 idle cores) must reach validation bits/byte <= H + 0.2 on the held-out last 4%.
# A unigram model cannot get below H_1 >= H + 1.5, so a model that does not use the context fails.
set -u
bin=${SSMKIT_BIN:?}
gen=${1:?usage: test_learn.sh PATH/markov_gen}
. "${SSMKIT_SRC:?}/tests/cli/lib.sh"

"$gen" "$t/markov.txt" 500000 2024 >"$t/h.json" || exit 1
H=$(grep -o '"entropy_rate": [0-9.]*' "$t/h.json" | grep -o '[0-9.]*$')
H1=$(grep -o '"unigram_entropy": [0-9.]*' "$t/h.json" | grep -o '[0-9.]*$')
expect 0 "train on the Markov source" -- "$bin" train -d "$t/markov.txt" -c "$SSMKIT_SRC/tests/train/learn.json" \
  -o "$t/m.safetensors" -@ 2 -q
bits=$(grep -o '"valid_bits":[0-9.e+-]*' "$t/m.log.jsonl" | tail -1 | cut -d: -f2)
secs=$(grep -o '"elapsed_s":[0-9.e+-]*' "$t/m.log.jsonl" | tail -1 | cut -d: -f2)
echo "H = $H bits/byte, unigram H_1 = $H1, validation = ${bits:-none} bits/byte after ${secs:-?} s of training"
if awk -v b="${bits:-99}" -v h="$H" 'BEGIN { exit !(b <= h + 0.2) }'; then pass=$((pass+1)); else
  fail=$((fail+1)); echo "FAIL: validation ${bits:-none} bits/byte > H + 0.2 = $(awk -v h="$H" 'BEGIN{print h+0.2}')"; fi
finish test_learn
