#!/usr/bin/env bash
# test_chunk_cli.sh — `ssmkit train --chunk` and `--dry-run` end to end:
#   three updates of a tiny LM at L 200 in chunks of 48 (200 = 4 x 48 + 8) log the losses and
#   gradient norms of the unchunked run (relative 1e-5; the chunked model's activations are a
#   quarter of the other's, so this is the path `ssmkit train` takes at long lengths); a U-Net
#   chunk that is not a multiple of the pool product and a bad --chunk value fail with exit 1/2;
#   --dry-run exits 0 without -o or --data and prints the plan: dna-1.4m at 2^16 chunks by 4096
#   (auto), at 2^10 it does not; an audio U-Net at 2^20 picks a multiple of its pool product;
#   the planned activations shrink with --chunk; `ssmkit eval` of a U-Net checkpoint streamed in
#   chunks of 16 and 496 samples gives the loss of one pass (relative 1e-5).
set -u
bin=${SSMKIT_BIN:?}
. "${SSMKIT_SRC:?}/tests/cli/lib.sh"
gen=${1:?usage: test_chunk_cli.sh PATH/markov_gen}

"$gen" "$t/data.txt" 40000 7 >/dev/null || exit 1
cat >"$t/tiny.json" <<'JSON'
{"arch": "mamba-lm", "d_model": 16, "n_layer": 2, "vocab_size": 256, "d_state": 4}
JSON
common=(-c "$t/tiny.json" -d "$t/data.txt" -L 200 -b 2 -n 3 --warmup 1 --log-every 1 --eval-every 0 --eval-batches 1 -@ 2 -q)
expect 0 "train unchunked" -- "$bin" train "${common[@]}" --chunk off -o "$t/a.safetensors"
expect 0 "train chunked" -- "$bin" train "${common[@]}" --chunk 48 -o "$t/b.safetensors"
# the loss and gradient norm of every update agree (the chunked forward/backward equals the unchunked)
# (awk: a fresh Debian has no python3) fields "loss" and "grad_norm" of the JSON-lines logs
lossnorm() { grep '"step"' "$1" | grep '"loss"' | sed -n 's/.*"loss":\([-0-9.e+]*\).*"grad_norm":\([-0-9.e+]*\).*/\1 \2/p'; }
paste -d' ' <(lossnorm "$t/a.log.jsonl") <(lossnorm "$t/b.log.jsonl") | awk '
  { n++; for (k = 1; k <= 2; k++) { d = $k - $(k + 2); if (d < 0) d = -d; s = $k < 0 ? -$k : $k; if (d / s > w) w = d / s } }
  END { printf "worst relative difference %.3g over %d updates\n", w, n; exit !(n == 3 && w <= 1e-5) }' >"$t/cmp" 2>&1
if [ $? -eq 0 ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: chunked losses differ:"; cat "$t/cmp"; fi
cat "$t/cmp"

# bad chunks
expect 2 "--chunk abc" -- "$bin" train "${common[@]}" --chunk abc -o "$t/c.safetensors"
grep_inF err "--chunk" "the message names --chunk"
expect 1 "U-Net chunk 100" -- "$bin" train --preset sc09-mamba-small -L 4096 --chunk 100 --dry-run
grep_inF err "pool product" "the message names the pool product"

# dry runs
expect 0 "dry-run dna-1.4m 2^16" -- "$bin" train --preset dna-1.4m -L 65536 -b 1 --dry-run
grep_in out "^  chunk  *4096 positions, 16 chunks" "auto chunk 4096 at 2^16"
grep_in out "^  predicted peak  *[0-9.]* MiB" "prints the predicted peak"
grep_in out "^  per token" "prints bytes per token"
grep_in out "^  per block" "prints bytes per block"
act16=$(sed -n 's/^  activations  *\([0-9.]*\) MiB.*/\1/p' "$t/out")
expect 0 "dry-run dna-1.4m 2^10" -- "$bin" train --preset dna-1.4m -L 1024 -b 1 --dry-run
grep_inF out "not chunked" "no chunking at 2^10"
expect 0 "dry-run --chunk 1024" -- "$bin" train --preset dna-1.4m -L 65536 -b 1 --chunk 1024 --dry-run
act10=$(sed -n 's/^  activations  *\([0-9.]*\) MiB.*/\1/p' "$t/out")
if awk -v a="$act16" -v b="$act10" 'BEGIN { r = a / b - 4; exit !(b > 0 && r < 0.05 && r > -0.05) }'; then
  pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: activations of chunk 4096 ($act16 MiB) are not 4x those of 1024 ($act10 MiB)"; fi
expect 0 "dry-run U-Net 2^20" -- "$bin" train --preset sc09-mamba-small -L 1048576 -b 1 --dry-run
chunk=$(sed -n 's/^  chunk  *\([0-9]*\) positions.*/\1/p' "$t/out")
grep_in out "^  chunk" "the U-Net at 2^20 is chunked"
if [ -n "$chunk" ] && [ $((chunk % 16)) -eq 0 ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: U-Net chunk '$chunk' not a multiple of 16"; fi
# U-Net eval streams the file in chunks with the state carried: chunks of 16 and 496 samples give
# the loss of one pass over the whole file (3000 samples, one chunk of 3008)
cat >"$t/unet.json" <<'JSON'
{"arch": "unet", "d_model": 8, "n_layer": 1, "pool": [4, 4], "outer": {"d_state": 4},
 "center": {"ssm": "s4d-lin", "d_state": 4}}
JSON
expect 0 "train a tiny U-Net" -- "$bin" train -c "$t/unet.json" -d "$t/data.txt" -L 64 -b 2 -n 2 --eval-every 0 --eval-batches 1 -@ 2 -q -o "$t/u.safetensors"
head -c 3000 "$t/data.txt" >"$t/clip.mulaw"
expect 0 "eval U-Net one pass" -- "$bin" eval -m "$t/u.safetensors" -d "$t/clip.mulaw" -L 3008
grep_in out "^targets	3000$" "every sample is a target"
one=$(sed -n 's/^loss	//p' "$t/out")
for C in 16 496; do
  expect 0 "eval U-Net chunks of $C" -- "$bin" eval -m "$t/u.safetensors" -d "$t/clip.mulaw" -L $C
  got=$(sed -n 's/^loss	//p' "$t/out")
  if awk -v a="$got" -v b="$one" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && d <= 1e-5 * (b < 0 ? -b : b)) }'; then
    pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: U-Net eval in chunks of $C: loss $got, one pass $one"; fi
done
expect 0 "eval U-Net --chunk 16" -- "$bin" eval -m "$t/u.safetensors" -d "$t/clip.mulaw" -C 16
got=$(sed -n 's/^loss	//p' "$t/out")
if awk -v a="$got" -v b="$one" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && d <= 1e-5 * (b < 0 ? -b : b)) }'; then
  pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: U-Net eval --chunk 16: loss $got, one pass $one"; fi
expect 2 "eval U-Net --chunk and --length" -- "$bin" eval -m "$t/u.safetensors" -d "$t/clip.mulaw" -C 16 -L 32
expect 1 "eval U-Net chunk 20" -- "$bin" eval -m "$t/u.safetensors" -d "$t/clip.mulaw" -L 20
grep_inF err "pool product" "names the pool product"
finish test_chunk_cli
