#!/usr/bin/env bash
# test_eval.sh — `ssmkit eval` end to end on the PyTorch fixtures (tests/models/fixtures/mamba_ref):
# the printed loss equals PyTorch's, the logits/gradient dumps match it (checked by
# test_mamba_ref --dumps, passed as $1), and each bad input exits with a clear message.
set -u
bin=${SSMKIT_BIN:?}
ref=${1:?usage: test_eval.sh PATH/test_mamba_ref}
fx=${SSMKIT_SRC:?}/tests/models/fixtures/mamba_ref
. "${SSMKIT_SRC}/tests/cli/lib.sh"

expect 0 "eval --help" -- "$bin" eval --help
grep_inF out "--dump-grads" "help lists the options"

# windows of 13 from 26 uint16 tokens: batch 2; loss as PyTorch's 8.9021252067 (6 decimals)
for m in ssmkit.safetensors mamba_ssm hf; do
  expect 0 "eval $m" -- "$bin" eval --model "$fx/$m" --data "$fx/tokens.u16" --token-width 2 --length 13 \
    --dump-logits "$t/logits.$m" --dump-grads "$t/grads.$m" -@ 2
  grep_in out "^loss	8\.90212[45]$" "$m: loss equals PyTorch's"
  grep_inF out "sequences	2" "$m: two windows"
  grep_inF out "targets	24" "$m: L-1 targets per window"
  expect 0 "$m: dumps match PyTorch" -- "$ref" --dumps "$t/logits.$m" "$t/grads.$m"
done

# the whole file as one sequence of 26 tokens (25 targets)
expect 0 "eval without --length" -- "$bin" eval -m "$fx/ssmkit.safetensors" -d "$fx/tokens.u16" -w 2
grep_inF out "length	26" "one sequence"
grep_inF out "targets	25" "25 targets"

# bad input
printf '\1\2\3' >"$t/odd.bin"
expect 1 "odd byte count for width 2" -- "$bin" eval -m "$fx/ssmkit.safetensors" -d "$t/odd.bin" -w 2
grep_inF err "odd.bin: 3 bytes is not a whole number of 2-byte tokens" "names the file"
printf '\1\2\30\4' >"$t/oov.bin"
expect 1 "token outside the vocabulary" -- "$bin" eval -m "$fx/ssmkit.safetensors" -d "$t/oov.bin"
grep_inF err "oov.bin: token 24 at position 2 is outside the model's vocabulary (vocab_size 23)" "names token and position"
expect 1 "--length longer than the file" -- "$bin" eval -m "$fx/ssmkit.safetensors" -d "$fx/tokens.u16" -w 2 -L 100
grep_inF err "26 tokens, fewer than --length 100" "says why"
expect 2 "--token-width 3" -- "$bin" eval -m "$fx/ssmkit.safetensors" -d "$fx/tokens.u16" -w 3
expect 2 "missing --model" -- "$bin" eval -d "$fx/tokens.u16"
mkdir "$t/bin" && cp "$fx/mamba_ssm/config.json" "$t/bin/" && printf 'x' >"$t/bin/pytorch_model.bin"
expect 1 "pytorch_model.bin" -- "$bin" eval -m "$t/bin" -d "$fx/tokens.u16" -w 2
grep_inF err "convert it to safetensors" "convert hint"
expect 1 "missing model file" -- "$bin" eval -m "$t/nope.safetensors" -d "$fx/tokens.u16" -w 2
grep_inF err "nope.safetensors" "names the file"
expect 1 "unwritable dump" -- "$bin" eval -m "$fx/ssmkit.safetensors" -d "$fx/tokens.u16" -w 2 --dump-logits "$t/no/dir/x"
grep_inF err "$t/no/dir" "names the folder"
finish test_eval
