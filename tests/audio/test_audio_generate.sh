#!/bin/bash
# test_audio_generate.sh — `ssmkit train` on an audio shard with a tiny U-Net, then `ssmkit audio
# generate`: WAVs of exactly the requested length (frames read back by libsndfile through `audio
# info`), ranked by the TSV's log-likelihoods, same seed = identical files (also at another
# --batch and with 2 threads), another seed = other files; bad input: a Mamba LM checkpoint, a length that is not a
# multiple of the pool product, an unwritable folder, a prefix as long as the clip.
source "${SSMKIT_SRC:?}/tests/cli/lib.sh"
bin=${SSMKIT_BIN:?} gen=${SSMKIT_AUDIO_GEN:?}
"$gen" --gen "$t/d" >/dev/null || { echo "cannot generate audio"; exit 1; }
expect 0 "prep" -- "$bin" audio prep "$t/d/one" "$t/d/two" "$t/d/zero" -o "$t/a.shard" --split 0.6,0.4,0 --length 4000 -q
cat >"$t/u.json" <<'J'
{"arch":"unet","d_model":8,"n_layer":1,"pool":[4,4],"vocab_size":256,
 "outer":{"block":"mamba","ssm":"s6","d_state":4,"expand":2},"center":{"block":"mamba","ssm":"s6","d_state":4,"expand":2},
 "train":{"length":400,"batch":2,"lr":0.002,"clip":0.1}}
J
expect 0 "train U-Net" -- "$bin" train --config "$t/u.json" --data "$t/a.shard" -n 3 --eval-batches 1 -o "$t/u.safetensors" -@ 1
grep_in err "model: U-Net" "train says U-Net"
expect 1 "train: length not a multiple of 16" -- "$bin" train --config "$t/u.json" --data "$t/a.shard" -n 1 -L 401 -o "$t/x.safetensors"
grep_in err "not a multiple of the U-Net's pool product 16" "train length message"

g() { "$bin" audio generate -m "$t/u.safetensors" -S 0.032 -q -@ 1 "$@"; }
expect 0 "generate" -- g -n 3 -b 2 --seed 5 -o "$t/g1"
for k in 001 002 003; do
  expect 0 "info $k" -- "$bin" audio info "$t/g1/$k.wav"
  grep_in out "^frames *512 " "$k.wav has 512 frames"
  grep_in out "rate *16000 Hz" "$k.wav is 16 kHz"
done
[ -e "$t/g1/004.wav" ] && { fail=$((fail+1)); echo "FAIL: a 4th file"; } || pass=$((pass+1))
# TSV: header + 3 rows, ranks 1..3, log-likelihoods non-increasing, clips 0..2 once each
if awk -F'\t' 'NR==1{ok=($4=="loglik_nats")} NR>1{ if ($1!=NR-1 || $2!=sprintf("%03d.wav",NR-1)) ok=0; if (NR>2 && $4>prev) ok=0; prev=$4; seen[$3]++ }
     END{ if (NR!=4 || seen[0]!=1 || seen[1]!=1 || seen[2]!=1) ok=0; exit !ok }' "$t/g1/loglik.tsv"; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: loglik.tsv:"; cat "$t/g1/loglik.tsv"; fi
expect 0 "same seed" -- g -n 3 -b 2 --seed 5 -o "$t/g2"
expect 0 "same seed, batch 3" -- g -n 3 -b 3 --seed 5 -o "$t/g3"
expect 0 "other seed" -- g -n 3 -b 2 --seed 6 -o "$t/g4"
# 2 threads: the batch of 3 is split into groups stepped by separate threads (2 + 1 clips)
expect 0 "same seed, batch 3, 2 threads" -- "$bin" audio generate -m "$t/u.safetensors" -S 0.032 -q -@ 2 -n 3 -b 3 --seed 5 -o "$t/g7"
for k in 001.wav 002.wav 003.wav loglik.tsv; do
  cmp -s "$t/g1/$k" "$t/g2/$k" && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL: same seed, $k differs"; }
  cmp -s "$t/g1/$k" "$t/g3/$k" && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL: same seed at batch 3, $k differs"; }
  cmp -s "$t/g1/$k" "$t/g7/$k" && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL: same seed with 2 threads, $k differs"; }
done
cmp -s "$t/g1/001.wav" "$t/g4/001.wav" && { fail=$((fail+1)); echo "FAIL: another seed gave the same file"; } || pass=$((pass+1))
# a prefix (from the generated data) shorter than the clip
expect 0 "generate after a prefix" -- g -n 2 -S 1.2 --prefix "$t/d/one/b_0.wav" -o "$t/g5"
expect 0 "info prefix clip" -- "$bin" audio info "$t/g5/001.wav"
grep_in out "^frames *19200 " "clip after a prefix has 19200 frames"
expect 1 "prefix not shorter than the clip" -- g -n 1 -S 0.001 --prefix "$t/d/one/b_0.wav" -o "$t/g6"
grep_in err "not fewer than" "prefix message"

# bad input
printf 'hello world, a byte file for a tiny Mamba LM. %.0s' {1..20} >"$t/bytes.txt"
echo '{"d_model":8,"n_layer":1,"vocab_size":256,"d_state":4}' >"$t/lm.json"
expect 0 "train LM" -- "$bin" train --config "$t/lm.json" --data "$t/bytes.txt" -n 1 -L 32 -b 1 -q -o "$t/lm.safetensors"
expect 1 "Mamba LM checkpoint" -- g -n 1 -m "$t/lm.safetensors" -o "$t/gx"
grep_in err "not an audio model" "non-audio message"
expect 1 "length not a multiple of the pool product" -- g -n 1 -S 0.0305 -o "$t/gx"
grep_in err "488 samples is not a multiple of the model's pool product 16" "pool message"
touch "$t/file"
expect 1 "unwritable folder" -- g -n 1 -o "$t/file/sub"
grep_in err "cannot create the output folder" "folder message"
expect 2 "missing --seconds" -- "$bin" audio generate -m "$t/u.safetensors" -o "$t/gx"
# ssmkit bench on a U-Net config: a timed training row; a length off the pool product is refused
expect 0 "bench U-Net" -- "$bin" bench -c "$t/u.json" -L 64 -b 1 -i 1 -@ 1
grep_in out "^| .*u.json (d_model 8, n_layer 1) | 0.0[0-9]M | 64 | 1 | 1 | " "bench prints the U-Net row"
expect 1 "bench U-Net, length 100" -- "$bin" bench -c "$t/u.json" -L 100 -b 1 -i 1 -@ 1
grep_in err "length 100 is not a multiple of the U-Net's pool product 16" "bench length message"
expect 1 "bench U-Net --generate" -- "$bin" bench -c "$t/u.json" --generate 1000
grep_in err "is a U-Net: bench measures its training" "bench generate message"
finish test_audio_generate
