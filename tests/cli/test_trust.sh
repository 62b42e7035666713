#!/usr/bin/env bash
# test_trust.sh — hostile but realistic inputs: checkpoints of the wrong kind (U-Net, classifier, LM)
# given to each command, unbounded config and prompt files (/dev/zero), config JSON with text after
# the value or a key twice, an empty prompt file, and eval of a checkpoint with NaN weights. The
# wrong-kind checkpoints are assembled here byte by byte (only their metadata is read).
set -u
bin=${SSMKIT_BIN:?}
. "${SSMKIT_SRC:?}/tests/cli/lib.sh"

le() { local i; for ((i = 0; i < $1; i++)); do printf "\\$(printf %03o $(( ($2 >> (8 * i)) & 255 )))"; done; }
st() { { le 8 "${#2}"; printf '%s' "$2"; } >"$t/$1"; }  # st FILE HEADER: a safetensors file of no tensors
st unet.safetensors '{"__metadata__":{"config":"{\"arch\":\"unet\",\"d_model\":16,\"pool\":[4,4]}"}}'
st clf.safetensors '{"__metadata__":{"config":"{\"arch\":\"mamba-classifier\",\"classes\":[\"a\",\"b\"],\"backbone\":{\"d_model\":16,\"n_layer\":1}}"}}'
st clf1.safetensors '{"__metadata__":{"config":"{\"arch\":\"mamba-classifier\",\"classes\":[\"a\"],\"pool\":5}"}}'
printf '>c\nACGTACGTACGTACGTACGT\n' >"$t/g.fa"
head -c 3000 /dev/urandom >"$t/data.txt"

# ---- a checkpoint of the wrong kind: no crash, and the message says what it is and who takes it
expect 1 "classify a U-Net" -- "$bin" classify -m "$t/unet.safetensors" "$t/g.fa"
grep_inF err "unet.safetensors is a U-Net checkpoint (ssmkit audio generate or eval takes it), not a classifier" "classify: U-Net named"
expect 1 "classify a classifier of 1 class with a non-string pool" -- "$bin" classify -m "$t/clf1.safetensors" -L 8 "$t/g.fa"
grep_inF err '"classes" must be an array of at least 2 names' "classify: classes of size 1"
for cmd in "generate -n 4 -o $t/g.out" "export --hf $t/e.out"; do
  expect 1 "$cmd a U-Net" -- "$bin" $cmd -m "$t/unet.safetensors"
  grep_inF err "is a U-Net checkpoint (ssmkit audio generate or eval takes it), not a Mamba LM" "$cmd: U-Net named"
  expect 1 "$cmd a classifier" -- "$bin" $cmd -m "$t/clf.safetensors"
  grep_inF err "is a classifier checkpoint (ssmkit classify or embed takes it), not a Mamba LM" "$cmd: classifier named"
done
expect 1 "eval a classifier" -- "$bin" eval -m "$t/clf.safetensors" -d "$t/data.txt"
grep_inF err "is a classifier checkpoint (ssmkit classify or embed takes it), not a Mamba LM" "eval: classifier named"
expect 1 "embed a U-Net" -- "$bin" embed -m "$t/unet.safetensors" -L 8 "$t/g.fa"
grep_inF err "is a U-Net checkpoint (ssmkit audio generate or eval takes it), not a model with a Mamba backbone" "embed: U-Net named"

# ---- a tiny LM
cat >"$t/tiny.json" <<'EOF'
{"arch": "mamba-lm", "d_model": 16, "n_layer": 1, "vocab_size": 256, "d_state": 4,
 "train": {"length": 32, "batch": 2, "steps": 2, "eval_every": 0, "log_every": 1}}
EOF
expect 0 "train a tiny LM" -- "$bin" train -d "$t/data.txt" -c "$t/tiny.json" -o "$t/lm.safetensors" -@ 1 -q
expect 1 "audio generate an LM" -- "$bin" audio generate -m "$t/lm.safetensors" -n 1 -S 0.01 -o "$t/wav" -q
grep_inF err "lm.safetensors is a Mamba LM checkpoint (ssmkit eval, generate, export, embed or finetune --init takes it), not an audio model (a U-Net)" "audio generate: LM named"
printf 'a\tACGTACGTAC\nb\tTTTTGGGGCC\n' >"$t/t.tsv"
expect 1 "finetune --init a U-Net" -- "$bin" finetune --init "$t/unet.safetensors" --train "$t/t.tsv" -L 8 -o "$t/f.safetensors" -q
grep_inF err "unet.safetensors is a U-Net checkpoint (ssmkit audio generate or eval takes it), not a model with a Mamba backbone" "finetune: U-Net named"

# ---- bounded reads (4 GB of address space, room for a CUDA-linked binary's libraries: an unbounded
# read fails fast instead of growing; under 1 GB a CUDA build spun in its allocator)
# (not under AddressSanitizer, which cannot start with its shadow memory under a ulimit -v)
lim='ulimit -v 4000000;'
ldd "$bin" 2>/dev/null | grep -q libasan && lim=
expect 1 "train -c /dev/zero" -- timeout 120 bash -c "$lim"' exec "$0" train -d "$1" -c /dev/zero -o "$2" -q' "$bin" "$t/data.txt" "$t/z.safetensors"
grep_inF err "/dev/zero: larger than 16 MiB" "config read bounded"
expect 1 "generate -P /dev/zero" -- timeout 120 bash -c "$lim"' exec "$0" generate -m "$1" -P /dev/zero -n 2 -o "$2"' "$bin" "$t/lm.safetensors" "$t/g.out"
grep_inF err "/dev/zero: larger than 64 MiB" "prompt read bounded"

# ---- config JSON: text after the value, a key twice; an empty prompt file
sed 's/"d_state": 4,/"d_state": 4, "d_state": 8,/' "$t/tiny.json" >"$t/dup.json"
expect 1 "config with a key twice" -- "$bin" train -d "$t/data.txt" -c "$t/dup.json" -o "$t/x.safetensors" -q
grep_inF err "dup.json: key \"d_state\" appears twice in one object" "duplicate key named"
{ cat "$t/tiny.json"; echo '}x'; } >"$t/trail.json"
expect 1 "config with text after it" -- "$bin" train -d "$t/data.txt" -c "$t/trail.json" -o "$t/x.safetensors" -q
grep_inF err "trail.json: text after the JSON value near line 3" "trailing text named"
: >"$t/empty.prompt"
expect 1 "generate -P empty file" -- "$bin" generate -m "$t/lm.safetensors" -P "$t/empty.prompt" -n 2 -o "$t/g.out"
grep_inF err "empty.prompt: empty prompt file" "empty prompt named"

# ---- eval on NaN weights: the last 64 bytes (the end of the last tensor) become NaN
sz=$(stat -c %s "$t/lm.safetensors")
cp "$t/lm.safetensors" "$t/nan.safetensors"
for ((i = 0; i < 16; i++)); do printf '\377\377\377\177'; done | dd of="$t/nan.safetensors" bs=1 seek=$((sz - 64)) conv=notrunc status=none
expect 1 "eval NaN weights" -- "$bin" eval -m "$t/nan.safetensors" -d "$t/data.txt"
grep_in err "nan.safetensors: the loss is -\?nan: tensor .* holds NaN or infinite values" "NaN weights named"

finish test_trust
