#!/usr/bin/env bash
# test_log_schema.sh — the JSON-lines logs of train and finetune (README.md, "Log lines") read
# with jq: every line is a JSON object and no value is JSON text inside a string; the
# start line's "train" (options) and "config" (model config) are objects; finetune's
# "<set>_confusion" is an array of rows (true class) of counts whose total is the number of
# records validated and whose diagonal gives "<set>_accuracy".
set -u
bin=${SSMKIT_BIN:?}
command -v jq >/dev/null || { echo "jq not installed (Debian jq, tools/deps.sh): skipped"; exit 77; }
. "${SSMKIT_SRC:?}/tests/cli/lib.sh"
# jq_ok FILE FILTER WHAT: jq -e FILTER holds for FILE (slurped: an array of the log lines)
jq_ok() {
  if jq -e -s "$2" "$t/$1" >/dev/null 2>"$t/jqerr"; then pass=$((pass+1))
  else fail=$((fail+1)); echo "FAIL: $3 ($2)"; cat "$t/jqerr"; head -c 600 "$t/$1"; echo; fi
}

tiny_lm_fixture
expect 0 "train" -- "$bin" train -d "$t/data.txt" -c "$t/tiny.json" -q -@ 1 -o "$t/lm.safetensors"
jq_ok lm.log.jsonl 'length >= 5 and all(.[]; type == "object")' "every train log line is a JSON object"
jq_ok lm.log.jsonl '.[0].event == "start" and (.[0].train | type) == "object" and (.[0].config | type) == "object"' \
  "start line: train and config are objects"
jq_ok lm.log.jsonl '.[0].config.d_model == 8 and .[0].config.n_layer == 1 and .[0].config.d_state == 4' "config values"
jq_ok lm.log.jsonl '.[0].train.steps == 4 and .[0].train.length == 32 and .[0].train.batch == 2' "train option values"
jq_ok lm.log.jsonl '[.[] | select(.valid_bits != null)] | length >= 1' "validation lines"
no_json_strings='all(.[]; all(.[]; type != "string" or (test("^[[{]") | not)))'
jq_ok lm.log.jsonl "$no_json_strings" "no train log value is JSON inside a string"

if "$bin" --version | grep -q genomics; then
  gc_at_fixture
  expect 0 "finetune" -- "$bin" finetune --train "$t/train.tsv" --valid "$t/valid.tsv" -L 32 -b 4 \
    --epochs 2 --steps-per-epoch 3 -o "$t/x.safetensors" -@ 1 -q
  jq_ok x.log.jsonl 'all(.[]; type == "object")' "every finetune log line is a JSON object"
  jq_ok x.log.jsonl "$no_json_strings" "no finetune log value is JSON inside a string"
  jq_ok x.log.jsonl '[.[] | select(has("valid_confusion"))] | length >= 1' "confusion lines"
  jq_ok x.log.jsonl '[.[] | select(has("valid_confusion")) | .valid_confusion] |
    all(.[]; type == "array" and length == 2 and all(.[]; type == "array" and length == 2 and all(.[]; type == "number")))' \
    "valid_confusion is a 2x2 array of numbers"
  jq_ok x.log.jsonl '[.[] | select(has("valid_confusion")) | .valid_confusion] |
    all(.[]; (map(add) | add) == 20 and (map(add) | sort) == [10, 10])' "confusion counts: 20 records, 10 per class"
  jq_ok x.log.jsonl '[.[] | select(has("valid_confusion"))] |
    all(.[]; ((.valid_confusion[0][0] + .valid_confusion[1][1]) / 20 - .valid_accuracy | fabs) < 1e-9)' \
    "the diagonal gives valid_accuracy"
else
  echo "genomics front-end not built: finetune part skipped"
fi
finish test_log_schema
