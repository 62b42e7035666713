#!/usr/bin/env bash
# test_eval_shard.sh — `ssmkit eval` on a token shard scores one split as training scores its
# validation: the same loss as the trainer's last validation (valid split), and, on the test split,
# the loss of the same examples written as a raw token file with one window per example (an
# independent path: models/sk_eval.c's file windows); a 2-byte shard gives the same numbers; files
# that are neither tokens nor a shard are refused; a token outside a shard's vocabulary is refused
# when the shard is opened (inspect, train, eval), naming the example. The shards are assembled here byte by byte
# (layout: src/sk_shard.h).
set -u
bin=${SSMKIT_BIN:?}
. "${SSMKIT_SRC:?}/tests/cli/lib.sh"

le() { local i; for ((i = 0; i < $1; i++)); do printf "\\$(printf %03o $(( ($2 >> (8 * i)) & 255 )))"; done; }
# mkshard OUT WIDTH META SRC LEN:SPLIT...: a shard of WIDTH-byte tokens whose examples are cut in
# order from the bytes of SRC (one byte per token), label -1
mkshard() {
  local out=$1 w=$2 meta=$3 src=$4; shift 4
  local e ntok=0 off=0
  for e; do ntok=$((ntok + ${e%%:*})); done
  local dof=$(( (64 + ${#meta} + 7) / 8 * 8 )); local iof=$(( (dof + ntok * w + 7) / 8 * 8 ))
  { printf 'SKSHARD\0'; le 4 1; le 4 "$w"; le 8 $#; le 8 $ntok; le 8 64; le 8 ${#meta}; le 8 $dof; le 8 $iof
    printf '%s' "$meta"; head -c $((dof - 64 - ${#meta})) /dev/zero
    if [ "$w" = 1 ]; then head -c $ntok "$src"
    else printf "$(head -c $ntok "$src" | od -An -v -tx1 | tr -s ' \n' '  ' | sed 's/ \([0-9a-f][0-9a-f]\)/\\x\1\\x00/g; s/ //g')"; fi
    head -c $((iof - dof - ntok * w)) /dev/zero
    for e; do le 8 $off; le 8 ${e%%:*}; le 4 4294967295; le 1 ${e##*:}; le 3 0; off=$((off + ${e%%:*})); done
  } >"$t/$out"
}
num() { sed -n "s/^$1	//p" "$t/$2"; }
close() { awk -v a="$1" -v b="$2" -v tol="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && b != "" && d <= tol) }'; }
check_close() { # check_close A B TOL WHAT
  if close "$1" "$2" "$3"; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: $4: $1 vs $2 (tolerance $3)"; fi
}

awk 'BEGIN { srand(11); for (i = 0; i < 6000; i++) printf "%c", 97 + int(rand() * 8) }' >"$t/src.txt"
meta='{"vocab": {"size": 256}, "pad_token": 0, "pad_rule": "ignore"}'
# 24 train examples of 200 tokens, 4 valid and 5 test of 33 (one window of length 32 each)
ex=(); for i in $(seq 24); do ex+=(200:0); done; ex+=(33:1 33:1 33:1 33:1 33:2 33:2 33:2 33:2 33:2)
mkshard x.shard 1 "$meta" "$t/src.txt" "${ex[@]}"
mkshard x2.shard 2 "$meta" "$t/src.txt" "${ex[@]}"
# the test examples (tokens 4932 .. 5096 of src.txt) as a raw token file
tail -c +$((24 * 200 + 4 * 33 + 1)) "$t/src.txt" | head -c $((5 * 33)) >"$t/test.raw"

cat >"$t/tiny.json" <<'EOF'
{"arch": "mamba-lm", "d_model": 16, "n_layer": 1, "vocab_size": 256, "d_state": 4,
 "train": {"length": 32, "batch": 2, "steps": 6, "eval_every": 0, "log_every": 1}}
EOF
expect 0 "inspect the shard" -- "$bin" inspect "$t/x.shard"
expect 0 "train on the shard" -- "$bin" train -d "$t/x.shard" -c "$t/tiny.json" -o "$t/m.safetensors" -@ 1 -q
vl=$(sed -n 's/.*"valid_loss":\([^,}]*\).*/\1/p' "$t/m.log.jsonl" | tail -1)
vt=$(sed -n 's/.*"valid_targets":\([^,}]*\).*/\1/p' "$t/m.log.jsonl" | tail -1)

# the valid split: the trainer's last validation (same weights: the final checkpoint)
expect 0 "eval --split valid" -- "$bin" eval -m "$t/m.safetensors" -d "$t/x.shard" --split valid -@ 1
grep_inF out "split	valid" "names the split"
grep_inF out "length	32" "the checkpoint's training length"
grep_inF out "targets	$vt" "the trainer's target count ($vt)"
check_close "$(num loss out)" "$vl" 2e-6 "valid loss equals the trainer's"

# the test split (the default) against the raw file of its examples, one window of 33 each
expect 0 "eval the shard (test split)" -- "$bin" eval -m "$t/m.safetensors" -d "$t/x.shard" -@ 1
cp "$t/out" "$t/shard.out"
grep_inF shard.out "split	test" "default split is test"
grep_inF shard.out "targets	160" "5 examples x 32 targets"
expect 0 "eval the raw test tokens" -- "$bin" eval -m "$t/m.safetensors" -d "$t/test.raw" -L 33 -@ 1
cp "$t/out" "$t/raw.out"
grep_inF raw.out "targets	160" "raw: 5 windows x 32 targets"
check_close "$(num loss shard.out)" "$(num loss raw.out)" 2e-6 "test loss equals the raw windows' loss"
expect 0 "raw tokens streamed from a file" -- "$bin" eval -m "$t/m.safetensors" -d "$t/test.raw" -@ 1
cp "$t/out" "$t/stream.out"
expect 0 "raw tokens streamed from a pipe (not sniffed: read once)" -- "$bin" eval -m "$t/m.safetensors" -d <(cat "$t/test.raw") -@ 1
check_close "$(num loss out)" "$(num loss stream.out)" 1e-9 "pipe: the same loss as the file"
expect 0 "eval a 2-byte shard" -- "$bin" eval -m "$t/m.safetensors" -d "$t/x2.shard" -@ 1
check_close "$(num loss out)" "$(num loss shard.out)" 1e-9 "2-byte tokens: same loss"
expect 0 "eval --split all -L 16 -b 3" -- "$bin" eval -m "$t/m.safetensors" -d "$t/x.shard" --split all -L 16 -b 3 -@ 1
grep_inF out "split	all" "all examples"

# a U-Net on an audio-style shard (bos_token 128 before every example): the trainer's validation
mkshard au.shard 1 '{"vocab": {"size": 256}, "pad_token": 0, "pad_rule": "ignore", "bos_token": 128}' "$t/src.txt" "${ex[@]}"
cat >"$t/unet.json" <<'EOF'
{"arch": "unet", "d_model": 8, "n_layer": 1, "pool": [2, 2], "outer": {"d_state": 4}, "center": {"d_state": 4},
 "train": {"length": 32, "batch": 2, "steps": 4, "eval_every": 0, "log_every": 1}}
EOF
expect 0 "train a U-Net on the shard" -- "$bin" train -d "$t/au.shard" -c "$t/unet.json" -o "$t/u.safetensors" -@ 1 -q
ul=$(sed -n 's/.*"valid_loss":\([^,}]*\).*/\1/p' "$t/u.log.jsonl" | tail -1)
expect 0 "eval the U-Net --split valid" -- "$bin" eval -m "$t/u.safetensors" -d "$t/au.shard" --split valid -@ 1
grep_inF out "bits_per_sample" "per sample"
check_close "$(num loss out)" "$ul" 2e-6 "U-Net valid loss equals the trainer's"
expect 1 "U-Net: --length not a multiple of the pool product" -- "$bin" eval -m "$t/u.safetensors" -d "$t/au.shard" -L 30
grep_inF err "length 30 is not a multiple of the model's pool product 4" "says why"

# a token outside the shard's vocabulary is refused when the shard is opened (file and example named),
# not when a batch happens to hold it: vocabulary of 100, example 3 holds 'h' (104) at position 7
{ head -c 107 /dev/zero | tr '\0' a; printf h; } >"$t/oov.txt"
mkshard oov.shard 1 '{"vocab": {"size": 100}, "pad_token": 0, "pad_rule": "ignore"}' "$t/oov.txt" 40:0 40:0 20:1 8:2
oovmsg="oov.shard: example 3: token 104 at position 7 is outside the vocabulary (size 100)"
expect 1 "inspect a shard with a token outside its vocabulary" -- "$bin" inspect "$t/oov.shard"
grep_inF err "$oovmsg" "inspect: file, example, token and position named"
expect 1 "train on it" -- "$bin" train -d "$t/oov.shard" -c "$t/tiny.json" -o "$t/oov.safetensors" -@ 1 -q
grep_inF err "$oovmsg" "train: refused at open"
[ ! -e "$t/oov.safetensors" ] && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL: train wrote a checkpoint"; }
expect 1 "eval on it" -- "$bin" eval -m "$t/m.safetensors" -d "$t/oov.shard"
grep_inF err "$oovmsg" "eval: refused at open"

# refused: options that take files, a split with no examples, a wrong vocabulary, non-token files
expect 2 "--token-width on a shard" -- "$bin" eval -m "$t/m.safetensors" -d "$t/x.shard" -w 2
expect 2 "--split bogus" -- "$bin" eval -m "$t/m.safetensors" -d "$t/x.shard" --split bogus
expect 2 "--split on raw tokens" -- "$bin" eval -m "$t/m.safetensors" -d "$t/test.raw" --split valid
grep_inF err "--split takes a token shard" "says what --split takes"
expect 2 "--dump-logits on a shard" -- "$bin" eval -m "$t/m.safetensors" -d "$t/x.shard" --dump-logits "$t/l.st"
mkshard notest.shard 1 "$meta" "$t/src.txt" 200:0 33:1
expect 1 "a shard without a test split" -- "$bin" eval -m "$t/m.safetensors" -d "$t/notest.shard"
grep_inF err "notest.shard: the test split has no example" "names the file and the split"
mkshard big.shard 2 '{"vocab": {"size": 300}, "pad_token": 0, "pad_rule": "ignore"}' "$t/src.txt" 200:2
expect 1 "a shard with a larger vocabulary" -- "$bin" eval -m "$t/m.safetensors" -d "$t/big.shard"
grep_inF err "big.shard has a vocabulary of 300 tokens but the model's vocab_size is 256" "says why"
expect 1 "a checkpoint as data" -- "$bin" eval -m "$t/m.safetensors" -d "$t/m.safetensors"
grep_inF err "m.safetensors: a safetensors file (a checkpoint?), not data for eval" "checkpoint refused"
{ printf 'RIFF'; le 4 36; printf 'WAVEfmt '; head -c 200 /dev/zero; } >"$t/a.wav"
expect 1 "a WAV file as data" -- "$bin" eval -m "$t/m.safetensors" -d "$t/a.wav"
grep_inF err "a.wav: a RIFF (WAV) audio file, not data for eval" "WAV refused"
finish test_eval_shard
