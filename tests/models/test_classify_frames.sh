#!/usr/bin/env bash
# test_classify_frames.sh — a classifier on frames at the command line: `ssmkit inspect` shows its
# frame_dim and checks its tensors as loading does; `ssmkit classify` (DNA records) refuses it with an
# error naming the file. The checkpoint is written by test_classifier_frames --write (ARG 1).
set -u
bin=${SSMKIT_BIN:?}
writer=${1:?usage: test_classify_frames.sh PATH-OF-test_classifier_frames}
. "${SSMKIT_SRC:?}/tests/cli/lib.sh"

expect 0 "write a frames classifier" -- "$writer" --write "$t/f.safetensors"
expect 0 "inspect a frames classifier" -- "$bin" inspect "$t/f.safetensors"
grep_in out '"frame_dim": *24' "inspect shows frame_dim"
grep_inF out "frontend.weight F32 [20, 24]" "inspect lists the frontend"
check "no token embedding in the file" '! grep -q "backbone.embedding.weight" "$t/out"'
printf '>r\nACGTACGTACGTA\n' > "$t/x.fa"
expect 1 "classify refuses a frames classifier" -- "$bin" classify -m "$t/f.safetensors" -L 13 "$t/x.fa"
grep_inF err "ssmkit: error: $t/f.safetensors: a classifier of audio frames (frame_dim 24): classify takes DNA records" \
  "classify names the file and why"
expect 1 "classify refuses it without --length too" -- "$bin" classify -m "$t/f.safetensors" "$t/x.fa"
grep_inF err "a classifier of audio frames" "the same reason without --length"
finish test_classify_frames
