#!/usr/bin/env bash
# test_config_limits.sh — untrusted config values (a checkpoint's metadata, a --config file): every
# field out of range (huge, negative, zero, not finite) is refused with a message naming the file
# and the field, by the command that loads it and by `ssmkit inspect` alike, before any size is
# computed from it (these reached signed overflow before); a checkpoint whose config does not match
# its tensors (d_state 65536 over tensors made for 16) fails on the shapes before the model is
# allocated, fast and within a small address space; a model too large for memory names the file
# and the arena. Checkpoints are a trained tiny LM with its header rewritten, or assembled byte by
# byte with no tensors (only the metadata is read before the error).
set -u
bin=${SSMKIT_BIN:?}
. "${SSMKIT_SRC:?}/tests/cli/lib.sh"

le() { local i; for ((i = 0; i < $1; i++)); do printf "\\$(printf %03o $(( ($2 >> (8 * i)) & 255 )))"; done; }
# st FILE HEADER: a safetensors file of no tensors; "format": "ssmkit" added to its metadata
st() { local h=${2/\{\"__metadata__\":\{/\{\"__metadata__\":\{\"format\":\"ssmkit\",}; { le 8 "${#h}"; printf '%s' "$h"; } >"$t/$1"; }
# rehead SRC DST SED: DST is SRC with its safetensors header edited by SED (the data unchanged)
rehead() {
  local n h; n=$(od -An -tu8 -N8 "$t/$1" | tr -d ' ')
  h=$(head -c $((8 + n)) "$t/$1" | tail -c "$n" | sed "$3")
  { le 8 "${#h}"; printf '%s' "$h"; tail -c +$((9 + n)) "$t/$1"; } >"$t/$2"
}
# address-space limit for the cases that must not allocate (not under AddressSanitizer, which cannot
# map its shadow memory under ulimit -v; room for a CUDA-linked binary's libraries)
lim='ulimit -v 4000000;'
ldd "$bin" 2>/dev/null | grep -q libasan && lim=
awk 'BEGIN { srand(5); for (i = 0; i < 3000; i++) printf "%c", 97 + int(rand() * 8) }' >"$t/data.txt"

# bad CASE FILE FIELD MESSAGE: eval (the loader) and inspect both refuse FILE naming it and FIELD
bad() {
  expect 1 "$1: eval" -- timeout 60 bash -c "$lim"' exec "$0" eval -m "$1" -d "$2" -@ 1' "$bin" "$t/$2" "$t/data.txt"
  grep_inF err "$2: __metadata__.config: \"$3\" must $4" "$1: eval names the file and the field"
  expect 1 "$1: inspect" -- timeout 60 bash -c "$lim"' exec "$0" inspect "$1"' "$bin" "$t/$2"
  grep_inF err "$2: __metadata__.config: \"$3\" must $4" "$1: inspect names the file and the field"
}
# LM checkpoints with one field out of range (the others: d_model 16, n_layer 1, vocab_size 256):
# FIELD VALUE and the end of the message after "FIELD" must
while read -r -u 3 field value want; do
  cfg=
  for kv in d_model:16 n_layer:1 vocab_size:256 "$field:$value"; do
    [ "${kv%%:*}" = "$field" ] && [ "$kv" != "$field:$value" ] && continue
    cfg+="${cfg:+,}\\\"${kv%%:*}\\\":${kv#*:}"
  done
  st "$field$value.st" "{\"__metadata__\":{\"config\":\"{\\\"arch\\\":\\\"mamba-lm\\\",$cfg}\"}}"
  bad "$field $value" "$field$value.st" "$field" "$want"
done 3<<'EOF'
n_layer 1000000000 be in [1, 4096] (got 1000000000)
n_layer 0 be in [1, 4096] (got 0)
d_model 2147483648 be in [1, 1048576] (got 2147483648)
d_model -16 be in [1, 1048576] (got -16)
d_state 0 be in [1, 1048576] (got 0)
d_state 1000000000000000 be in [1, 1048576] (got 1000000000000000)
d_conv -3 be in [1, 1024] (got -3)
expand 1e300 be a finite number in (0, 1024]
expand 0 be a finite number in (0, 1024]
dt_rank 1000000000000 be in [1, 1048576] (got 1000000000000)
dt_min -1 be a finite number in (0, 1e+06]
norm_epsilon 0 be a finite number in (0, 1]
pad_vocab_size_multiple 0 be in [1, 1048576] (got 0)
vocab_size 4294967296 be in [1, 2147483647] (got 4294967296)
EOF
lm() { st "$1" "{\"__metadata__\":{\"config\":\"{\\\"arch\\\":\\\"mamba-lm\\\",\\\"vocab_size\\\":256,$2}\"}}"; }
lm di.st '\"d_model\":1048576,\"n_layer\":1,\"expand\":1000'
expect 1 "d_inner too large: inspect" -- "$bin" inspect "$t/di.st"
grep_inF err "di.st: __metadata__.config: d_inner = expand * d_model = 1048576000 must be in [1, 4194304]" "d_inner named"

# U-Net and classifier configs
un() { st "$1" "{\"__metadata__\":{\"config\":\"{\\\"arch\\\":\\\"unet\\\",$2}\"}}"; }
un up.st '\"d_model\":16,\"n_layer\":1,\"pool\":[1000000]'
expect 1 "U-Net pool factor 1e6" -- "$bin" inspect "$t/up.st"
grep_inF err 'up.st: "pool[0]" must be in [1, 1024] (got 1000000)' "pool factor named"
un ue.st '\"d_model\":16,\"n_layer\":1,\"pool\":[4,4],\"pool_expand\":1000000000'
expect 1 "U-Net pool_expand 1e9" -- "$bin" inspect "$t/ue.st"
grep_inF err 'ue.st: "pool_expand" must be in [1, 1024] (got 1000000000)' "pool_expand named"
un uw.st '\"d_model\":65536,\"n_layer\":1,\"pool\":[4,4,4],\"pool_expand\":8'
expect 1 "U-Net width past the limit" -- "$bin" inspect "$t/uw.st"
grep_inF err "uw.st: level 2's width d_model * pool_expand^2 = 4194304 is above 1048576" "level width named"
un un.st '\"d_model\":16,\"n_layer\":1000000000,\"pool\":[4]'
expect 1 "U-Net n_layer 1e9: audio generate" -- "$bin" audio generate -m "$t/un.st" -n 1 -S 0.01 -o "$t/wav" -q
grep_inF err 'un.st: "n_layer" must be in [1, 256] (got 1000000000)' "U-Net n_layer named"
un upp.st '\"d_model\":16,\"n_layer\":1,\"pool\":[1024,1024,1024]'
expect 1 "U-Net pool product 2^30" -- "$bin" inspect "$t/upp.st"
grep_inF err "upp.st: the product of the pool factors 1073741824 is above 16777216" "pool product named"
st cl.st '{"__metadata__":{"config":"{\"arch\":\"mamba-classifier\",\"classes\":[\"a\",\"b\"],\"backbone\":{\"d_model\":16,\"n_layer\":1000000000,\"vocab_size\":12}}"}}'
expect 1 "classifier backbone n_layer 1e9" -- "$bin" inspect "$t/cl.st"
grep_inF err 'cl.st: "n_layer" must be in [1, 4096] (got 1000000000)' "classifier backbone field named"

# a Hugging Face folder's config.json: the message says which transformers name a field is
cp -r "$SSMKIT_SRC/tests/models/fixtures/mamba_ref/hf" "$t/hf"
sed -i 's/"num_hidden_layers": *[0-9]*/"num_hidden_layers": 1000000000/' "$t/hf/config.json"
expect 1 "HF num_hidden_layers 1e9" -- "$bin" eval -m "$t/hf" -d "$t/data.txt"
grep_inF err 'hf/config.json (read as: d_model = hidden_size, n_layer = num_hidden_layers,' "HF names given"
grep_inF err '"n_layer" must be in [1, 4096] (got 1000000000)' "HF: field and value named"

# --config files: train and train --dry-run refuse them the same way
cat >"$t/huge.json" <<'EOF'
{"arch": "mamba-lm", "d_model": 2147483648, "n_layer": 1, "vocab_size": 256,
 "train": {"length": 32, "batch": 2, "steps": 1}}
EOF
expect 1 "train -c with d_model 2^31" -- "$bin" train -d "$t/data.txt" -c "$t/huge.json" -o "$t/h.safetensors" -q
grep_inF err 'huge.json: "d_model" must be in [1, 1048576] (got 2147483648)' "train: file and field named"
expect 1 "train --dry-run -c with d_model 2^31" -- "$bin" train -d "$t/data.txt" -c "$t/huge.json" -o "$t/h.safetensors" --dry-run
grep_inF err 'huge.json: "d_model" must be in [1, 1048576] (got 2147483648)' "dry run: file and field named"

# a trained tiny LM (d_state 16) whose header claims d_state 65536: the shapes fail before any
# allocation (the model would need about 18 GB), fast, in 4 GB of address space
cat >"$t/tiny.json" <<'EOF'
{"arch": "mamba-lm", "d_model": 16, "n_layer": 1, "vocab_size": 256, "d_state": 16,
 "train": {"length": 32, "batch": 2, "steps": 1, "eval_every": 0, "log_every": 1}}
EOF
expect 0 "train a tiny LM" -- "$bin" train -d "$t/data.txt" -c "$t/tiny.json" -o "$t/lm.safetensors" -@ 1 -q
for n in 65536 1048576; do
  rehead lm.safetensors ds$n.safetensors "s/\\\\\"d_state\\\\\":16/\\\\\"d_state\\\\\":$n/"
  expect 1 "d_state $n over small tensors: eval" -- timeout 20 bash -c "$lim"' exec "$0" eval -m "$1" -d "$2" -@ 1' "$bin" "$t/ds$n.safetensors" "$t/data.txt"
  grep_inF err "ds$n.safetensors: tensor backbone.layers.0.mixer.x_proj.weight has shape [33, 32] but the config (d_model 16, n_layer 1, vocab 256, d_state $n," "d_state $n: shape error, file named"
  expect 1 "d_state $n over small tensors: inspect" -- timeout 20 bash -c "$lim"' exec "$0" inspect "$1"' "$bin" "$t/ds$n.safetensors"
  grep_inF err "ds$n.safetensors: tensor backbone.layers.0.mixer.x_proj.weight has shape [33, 32]" "d_state $n: inspect says the same"
done
expect 0 "inspect the tiny LM" -- "$bin" inspect "$t/lm.safetensors"

# a model too large for the address space: the allocation error names the file and the arena
if [ -n "$lim" ]; then
  expect 1 "a huge chunk" -- timeout 60 bash -c "$lim"' exec "$0" eval -m "$1" -d "$2" -C 100000000' "$bin" "$t/lm.safetensors" "$t/data.txt"
  grep_in err "lm.safetensors: [a-z]* ([0-9]* tensors, the largest [a-z_.0-9]* of [0-9]* elements): cannot allocate" "file, arena and tensor named"
fi
finish test_config_limits
