#!/usr/bin/env bash
# test_dryrun_valid.sh — `ssmkit train --dry-run` counts the model that validation runs on: an
# unchunked run validates on an inference copy of the model (models/README.md §Inference), whose
# memory the plan prints as "validation model" = the parameters plus the inference line's
# activations and buffers (both printed by the same plan, to rounding), and adds to the predicted
# peak (the sum of the other terms plus it); a chunked run validates on the training model (0).
set -u
bin=${SSMKIT_BIN:?}
. "${SSMKIT_SRC:?}/tests/cli/lib.sh"
mib() { sed -n "s/^  $1  *\([0-9.]*\) MiB.*/\1/p" "$t/out"; }
expect 0 "dry-run dna-1.4m 8 x 1024" -- "$bin" train --preset dna-1.4m -L 1024 -b 8 --dry-run
grep_in out "^  validation model  *[0-9.]* MiB" "prints the validation model"
v=$(mib "validation model") p=$(mib parameters) i=$(mib inference)
check "validation model $v MiB = parameters $p + inference $i MiB" \
    "awk -v v='$v' -v p='$p' -v i='$i' 'BEGIN { d = v - p - i; exit !(v > 0 && d < 0.03 && d > -0.03) }'"
# the peak is the sum of its terms (each printed to 0.01 MiB)
sum=$(sed -n '/^  parameters/,/^  runtime/s/^  [a-z ]*  *\([0-9.]*\) MiB.*/\1/p' "$t/out" | awk '{ s += $1 } END { print s }')
peak=$(mib "predicted peak")
check "predicted peak $peak MiB = sum of the terms $sum MiB" \
    "awk -v a='$peak' -v b='$sum' 'BEGIN { d = a - b; exit !(d < 0.1 && d > -0.1) }'"
expect 0 "dry-run dna-1.4m 2^16 (chunked)" -- "$bin" train --preset dna-1.4m -L 65536 -b 1 --dry-run
grep_in out "^  validation model  *0.00 MiB" "a chunked run has no validation copy"
finish test_dryrun_valid
