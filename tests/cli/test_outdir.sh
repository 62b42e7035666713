#!/usr/bin/env bash
# test_outdir.sh — `train -o DIR/.../m.safetensors` and `finetune -o DIR/.../x.safetensors` create the
# missing folders of the output (mkdir -p: parents that exist keep their mode), like export and
# audio generate; a folder that cannot be created is an error naming it.
set -u
bin=${SSMKIT_BIN:?}
. "${SSMKIT_SRC:?}/tests/cli/lib.sh"

tiny_lm_fixture
mkdir "$t/keep" && chmod 750 "$t/keep"
expect 0 "train into a new folder two levels deep" -- "$bin" train -d "$t/data.txt" -c "$t/tiny.json" -q -@ 1 \
  -o "$t/keep/run/sub/lm.safetensors"
for f in lm.safetensors lm.train.safetensors lm.log.jsonl; do
  if [ -s "$t/keep/run/sub/$f" ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: train did not write run/sub/$f"; fi
done
if [ "$(stat -c %a "$t/keep")" = 750 ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: an existing parent changed mode"; fi
expect 0 "train with --log in another new folder" -- "$bin" train -d "$t/data.txt" -c "$t/tiny.json" -q -@ 1 \
  -o "$t/m2/lm.safetensors" --log "$t/logs/a/lm.jsonl"
if [ -s "$t/logs/a/lm.jsonl" ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: --log folder not created"; fi
touch "$t/file"
expect 1 "output under a regular file" -- "$bin" train -d "$t/data.txt" -c "$t/tiny.json" -q -@ 1 \
  -o "$t/file/sub/lm.safetensors"
grep_inF err "$t/file: cannot create the output folder" "the error names the folder"

if "$bin" --version | grep -q genomics; then
  gc_at_fixture
  expect 0 "finetune into a new folder" -- "$bin" finetune --train "$t/train.tsv" --valid "$t/valid.tsv" -L 32 -b 4 \
    --epochs 1 --steps-per-epoch 3 -o "$t/ft/new/x.safetensors" -@ 1 -q
  for f in x.safetensors x.log.jsonl; do
    if [ -s "$t/ft/new/$f" ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: finetune did not write ft/new/$f"; fi
  done
else
  echo "genomics front-end not built: finetune part skipped"
fi
finish test_outdir
