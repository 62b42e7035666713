#!/usr/bin/env bash
# test_train_init.sh — `ssmkit train --init M`: a run started from trained weights.
#   DNA LM (trained as the demo trains it: dna-tiny on a `dna windows` shard with sequence-length
#   warm-up), continued on new data with --valid FILE --eval-batches 0: the validation before the
#   first update (step 0 of the log) equals `ssmkit eval --length L` of the starting weights on the
#   same sequences (|difference| <= 1e-6 + eval's 6-decimal rounding), and 50 updates lower it.
#   The --valid shard holds the FASTA's tiles of exactly L bases, which are eval's windows of L
#   bases, so both average the same L-1 targets of each window; `eval -d` of the --valid shard
#   itself gives the same figure.
#   U-Net and Hugging Face folder (ssmkit export --hf): the step-0 validation equals the last
#   validation of the run that wrote the weights (same weights, same valid data, same length);
#   --init with --length-warmup; --resume of an --init run; the weights' config is used (a flag
#   that would change the shapes, --init with --resume, a classifier: refused). One model as an
#   ssmkit file, a mamba_ssm folder and a transformers folder: the same validations.
set -u
bin=${SSMKIT_BIN:?}
"$bin" --version | grep -q genomics || { echo "genomics front-end not built: skipped"; exit 77; }
. "${SSMKIT_SRC:?}/tests/cli/lib.sh"   # $t, pass/fail counters, expect, finish
cd "$t" || exit 1
# valid_at LOG STEP: the valid_loss logged at STEP (empty if none)
valid_at() { jq -r --argjson s "$2" 'select(.step == $s and .valid_loss != null) | .valid_loss' "$1" 2>/dev/null | tail -1; }
# close A B TOL: |A - B| <= TOL
close() { awk -v a="$1" -v b="$2" -v tol="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; printf "|%s - %s| = %.3g\n", a, b, d; exit !(a != "" && b != "" && d <= tol) }'; }

# ---- DNA: records of GC-rich (pretraining) and AT-rich (new data) sequence, multiples of 256 bases
dna() { # SEED PA PC PG NREC LEN > FASTA
  awk -v seed="$1" -v pa="$2" -v pc="$3" -v pg="$4" -v n="$5" -v len="$6" 'BEGIN { srand(seed);
    for (r = 0; r < n; r++) { print ">s" seed "_" r; s = "";
      for (j = 0; j < len; j++) { x = rand(); s = s (x < pa ? "A" : x < pa + pc ? "C" : x < pa + pc + pg ? "G" : "T") }
      print s } }'
}
dna 1 0.15 0.35 0.35 4 4096 >pre.fa
dna 2 0.40 0.10 0.10 4 4096 >new.fa
dna 3 0.40 0.10 0.10 3 1024 >newvalid.fa
for f in pre new newvalid; do
  expect 0 "dna windows $f" -- "$bin" dna windows "$f.fa" -L 256 -o "$f.shard"
done
# the demo's recipe, small: dna-tiny with sequence-length warm-up 64 -> 128 -> 256
expect 0 "pretrain the DNA LM" -- "$bin" train --data pre.shard --preset dna-tiny -L 256 -b 4 --warmup-from 64 \
  --length-warmup 4 --tokens-per-step 1024 -n 16 --lr 4e-3 --warmup 2 --eval-every 16 --eval-batches 2 -o lm.safetensors -@ 1 -q

# the gate: validation before the first update = eval --length L of the starting weights
expect 0 "train --init on new data" -- "$bin" train --init lm.safetensors --data new.shard --valid newvalid.shard \
  --eval-batches 0 -L 256 -b 4 -n 50 --eval-every 50 --lr 2e-3 -o ft.safetensors -@ 1
grep_inF err "weights from lm.safetensors" "the run says where its weights come from"
expect 0 "eval --length 256 of the starting weights" -- "$bin" eval -m lm.safetensors --data newvalid.fa -L 256 -@ 1
e0=$(awk -F'\t' '$1 == "loss" { print $2 }' "$t/out")
v0=$(valid_at ft.log.jsonl 0) v50=$(valid_at ft.log.jsonl 50)
close "$v0" "$e0" 1.5e-6 && ok || bad "step-0 validation = eval --length 256 of the starting weights (1e-6)"
# and the same file itself: eval reads the --valid shard (its rows are all in its train split)
expect 0 "eval of the --valid shard" -- "$bin" eval -m lm.safetensors -d newvalid.shard --split train -@ 1
s0=$(awk -F'\t' '$1 == "loss" { print $2 }' "$t/out")
close "$v0" "$s0" 1.5e-6 && ok || bad "step-0 validation = eval of the --valid shard itself (1e-6)"
awk -v a="$v50" -v b="$v0" 'BEGIN { exit !(a != "" && a < b) }' && ok || bad "50 updates lower the validation ($v0 -> $v50)"
jq 'select(.event == "start") | .train.lr == 0.002 and .config.d_model == 64' ft.log.jsonl | grep -qx true && ok ||
  bad "a fresh schedule (the command line's lr) and the weights' config in the start line"
"$bin" inspect ft.safetensors >ins.txt 2>&1
grep -q 'init.*lm.safetensors' ins.txt && ok || bad "the checkpoint names the weights it started from"

# --init with --length-warmup
expect 0 "--init with --length-warmup" -- "$bin" train --init lm.safetensors --data new.shard --valid newvalid.shard \
  -L 256 -b 4 --warmup-from 64 --length-warmup 2 -n 8 --eval-every 8 -o slw.safetensors -@ 1
grep_inF err "length warm-up stage 2: length 256" "warm-up stages"
close "$(valid_at slw.log.jsonl 0)" "$v0" 0 && ok || bad "--length-warmup: the same step-0 validation"

# --resume keeps its meaning: an --init run continues from its own training state
expect 0 "--init run, 4 updates" -- "$bin" train --init lm.safetensors --data new.shard --valid newvalid.shard \
  -L 256 -b 4 -n 4 --eval-every 4 --warmup 1 -o rs.safetensors -@ 1 -q
expect 0 "--resume of the --init run" -- "$bin" train -o rs.safetensors --resume -n 6 -@ 1
grep_inF err "resumed at step 4" "resumed at step 4"
[ -z "$(valid_at rs.log.jsonl 0 | sed -n 2p)" ] && [ "$(jq -r 'select(.valid_loss != null) | .step' rs.log.jsonl | tr '\n' ' ')" = "0 4 6 " ] \
  && ok || bad "resume does not validate step 0 again"

# refused: shapes from a preset/config, --init with --resume, a classifier, a missing file
expect 2 "--init with --preset" -- "$bin" train --init lm.safetensors --preset dna-tiny --data new.shard -o x.safetensors
grep_inF err "--preset would change its shapes" "names --preset"
echo '{"arch": "mamba-lm", "d_model": 8, "n_layer": 1, "vocab_size": 12}' >c.json
expect 2 "--init with --config" -- "$bin" train --init lm.safetensors --config c.json --data new.shard -o x.safetensors
grep_inF err "--config would change its shapes" "names --config"
expect 2 "--init with --resume" -- "$bin" train --init lm.safetensors --resume -o rs.safetensors
grep_inF err "give one" "--init or --resume"
gc_at_fixture
expect 0 "a classifier" -- "$bin" finetune --init lm.safetensors --train train.tsv --valid valid.tsv -L 32 -b 4 \
  --epochs 1 --steps-per-epoch 2 -o clf.safetensors -@ 1 -q
expect 1 "--init from a classifier" -- "$bin" train --init clf.safetensors --data new.shard -o x.safetensors
grep_in err "^ssmkit: error: .*clf.safetensors is a classifier checkpoint" "names the classifier"
expect 1 "--init from a missing file" -- "$bin" train --init nope.safetensors --data new.shard -o x.safetensors
grep_in err "^ssmkit: error: .*nope.safetensors" "names the missing file"

# ---- Hugging Face folder: the exported LM, continued; the same step-0 loss as the source's last
awk 'BEGIN { srand(4); for (i = 0; i < 6000; i++) printf "%c", 97 + int(rand() * 6) }' >bytes.txt
head -c 5000 bytes.txt >btrain.txt; tail -c 1000 bytes.txt >bvalid.txt
echo '{"arch": "mamba-lm", "d_model": 16, "n_layer": 2, "vocab_size": 256, "d_state": 4}' >byte.json
expect 0 "a byte LM" -- "$bin" train --config byte.json --data btrain.txt --valid bvalid.txt -L 64 -b 2 -n 6 \
  --eval-every 6 -o blm.safetensors -@ 1 -q
expect 0 "export --hf" -- "$bin" export -m blm.safetensors --hf hf
expect 0 "train --init HF folder" -- "$bin" train --init hf --data btrain.txt --valid bvalid.txt -L 64 -b 2 -n 4 \
  --eval-every 4 -o hft.safetensors -@ 1 -q
close "$(valid_at hft.log.jsonl 0)" "$(valid_at blm.log.jsonl 6)" 0 && ok || bad "HF folder: step-0 validation = the source's last"
awk -v a="$(valid_at hft.log.jsonl 4)" -v b="$(valid_at hft.log.jsonl 0)" 'BEGIN { exit !(a != "" && a < b) }' && ok ||
  bad "HF folder: updates lower the validation"

# ---- the same weights as an ssmkit file, a mamba_ssm folder and a transformers folder (the fixtures
# of tests/models): the same validations before and after 2 updates
fx=$SSMKIT_SRC/tests/models/fixtures/mamba_ref
for s in ssmkit.safetensors mamba_ssm hf; do
  expect 0 "train --init fixture $s" -- "$bin" train --init "$fx/$s" --data new.shard --valid newvalid.shard -L 256 -b 4 \
    -n 2 --eval-every 2 -o "fx_${s%%.*}.safetensors" -@ 1 -q
  jq -c 'select(.valid_loss != null) | [.step, .valid_loss]' "fx_${s%%.*}.log.jsonl" >"fx_${s%%.*}.v" 2>/dev/null
done
[ "$(wc -l <fx_ssmkit.v)" -eq 2 ] && cmp -s fx_ssmkit.v fx_mamba_ssm.v && cmp -s fx_ssmkit.v fx_hf.v && ok ||
  bad "ssmkit file, mamba_ssm and HF folders: the same validations at steps 0 and 2"

# ---- U-Net: the same step-0 loss as the source's last (up to rounding: the continued run is chunked,
# which sums the same terms in another order)
cat >unet.json <<'JSON'
{"arch": "unet", "d_model": 8, "n_layer": 1, "pool": [4, 4], "vocab_size": 256, "outer": {"d_state": 4},
 "center": {"d_state": 4}}
JSON
expect 0 "a U-Net" -- "$bin" train --config unet.json --data btrain.txt --valid bvalid.txt -L 64 -b 2 -n 4 \
  --eval-every 4 -o u.safetensors -@ 1 -q
expect 0 "train --init U-Net" -- "$bin" train --init u.safetensors --data btrain.txt --valid bvalid.txt -L 64 -b 2 -n 4 \
  --eval-every 4 --chunk 32 -o ut.safetensors -@ 1 -q
close "$(valid_at ut.log.jsonl 0)" "$(valid_at u.log.jsonl 4)" 1e-6 && ok || bad "U-Net: step-0 validation = the source's last"
jq 'select(.event == "start") | .config.arch == "unet"' ut.log.jsonl | grep -qx true && ok || bad "U-Net config kept"

finish test_train_init
