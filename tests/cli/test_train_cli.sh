#!/usr/bin/env bash
# test_train_cli.sh — `ssmkit train/generate/export/bench` end to end on a tiny model:
#   resume after SIGKILL at a random step after the second checkpoint (and after SIGINT) gives
#   the loss lines, the final model and the final training state of an uninterrupted run
#   bitwise; a NaN injected into the gradients or the loss stops training with exit 1 and keeps
#   the last good checkpoint, which loads and resumes; generation is reproducible from its seed;
#   export then load gives the same greedy text and the same eval loss; each bad option fails
#   with the right exit code and a message.
set -u
bin=${SSMKIT_BIN:?}
. "${SSMKIT_SRC:?}/tests/cli/lib.sh"
gen=${1:?usage: test_train_cli.sh PATH/markov_gen}

"$gen" "$t/data.txt" 60000 2024 >/dev/null || exit 1
cat >"$t/tiny.json" <<'EOF'
{"description": "test", "arch": "mamba-lm", "d_model": 16, "n_layer": 2, "vocab_size": 256, "d_state": 4,
 "train": {"length": 48, "batch": 4, "lr": 5e-3, "warmup": 5, "eval_every": 20, "ckpt_every": 10,
           "log_every": 1, "steps": 120}}
EOF
T="-@ 2 -q"   # the same thread count for every run that is compared
# training lines without the timing fields
losses() { grep '"loss"' "$1" | sed 's/,"tokens_per_s".*//'; }

expect 0 "train --help" -- "$bin" train --help
grep_inF out "--resume" "help lists --resume"

# ---- the uninterrupted reference run
# Every compared run trains in $t/run (the stored options name the log path) and is then moved.
R="$t/run/m.safetensors"
mkdir -p "$t/run" "$t/d"
expect 0 "uninterrupted run" -- "$bin" train -d "$t/data.txt" -c "$t/tiny.json" -o "$R" $T
mv "$t/run" "$t/a"; mkdir "$t/run"
[ "$(losses "$t/a/m.log.jsonl" | wc -l)" -eq 120 ] && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL: 120 loss lines"; }
grep_in a/m.log.jsonl '"valid_bits":[0-9.]*' "validation lines"
[ -s "$t/a/m.best.safetensors" ] && [ -s "$t/a/m.train.safetensors" ] && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL: best/state files"; }
"$bin" inspect "$t/a/m.safetensors" >"$t/insp" 2>&1
grep_in insp '^  step: 120$' "the checkpoint records its step"
grep_inF insp '"lr":0.005' "resolved options stored in the checkpoint (from the config's train section)"
grep_inF insp '"threads":2' "thread count stored"

# ---- SIGKILL at a random step after the second checkpoint, then --resume
k=$((21 + RANDOM % 80))
"$bin" train -d "$t/data.txt" -c "$t/tiny.json" -o "$R" $T 2>/dev/null &
pid=$!
for _ in $(seq 1 3000); do
  grep -q "\"step\":$k,\"loss\"" "$t/run/m.log.jsonl" 2>/dev/null && break
  sleep 0.01
done
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
last=$(grep -o '"step":[0-9]*,"loss"' "$t/run/m.log.jsonl" | tail -1)
echo "SIGKILL at step >= $k (after the checkpoint of step 20): last logged $last"
grep -q '"step":120,"loss"' "$t/run/m.log.jsonl" && echo "note: the run finished before the kill"
expect 0 "--resume after SIGKILL" -- "$bin" train -o "$R" --resume $T
mv "$t/run" "$t/b"; mkdir "$t/run"
if cmp -s <(losses "$t/a/m.log.jsonl") <(losses "$t/b/m.log.jsonl"); then pass=$((pass+1)); else
  fail=$((fail+1)); echo "FAIL: loss lines after SIGKILL + resume differ"; diff <(losses "$t/a/m.log.jsonl") <(losses "$t/b/m.log.jsonl") | head; fi
expect 0 "final model equal" -- cmp "$t/a/m.safetensors" "$t/b/m.safetensors"
expect 0 "final training state equal" -- cmp "$t/a/m.train.safetensors" "$t/b/m.train.safetensors"
expect 0 "best checkpoint equal" -- cmp "$t/a/m.best.safetensors" "$t/b/m.best.safetensors"

# ---- SIGINT: checkpoint, exit 130, resume
"$bin" train -d "$t/data.txt" -c "$t/tiny.json" -o "$R" -@ 2 2>"$t/sigint.err" &
pid=$!
for _ in $(seq 1 3000); do grep -q '"step":15,"loss"' "$t/run/m.log.jsonl" 2>/dev/null && break; sleep 0.01; done
kill -INT $pid; wait $pid; rc=$?
[ $rc -eq 130 ] && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL: SIGINT exit $rc, want 130"; cat "$t/sigint.err"; }
grep_inF sigint.err "interrupted at step" "SIGINT message"
expect 0 "--resume after SIGINT" -- "$bin" train -o "$R" --resume $T
expect 0 "model after SIGINT + resume equal" -- cmp "$t/a/m.safetensors" "$R"
expect 0 "state after SIGINT + resume equal" -- cmp "$t/a/m.train.safetensors" "$t/run/m.train.safetensors"
rm -rf "$t/run"; mkdir "$t/run"

# ---- NaN injection: stop, exit 1, last good checkpoint kept, loadable, resumable
expect 1 "NaN in the gradients at step 37" -- env SSMKIT_INJECT_NAN=grad:37 "$bin" train -d "$t/data.txt" -c "$t/tiny.json" -o "$R" $T
grep_inF err "step 37: the gradient norm is NaN/Inf; training stopped (last good checkpoint: $R at step 30)" "NaN message"
"$bin" inspect "$R" >"$t/insp" 2>&1
grep_in insp '^  step: 30$' "the checkpoint kept is the one of step 30"
expect 0 "the kept checkpoint loads" -- "$bin" generate -m "$R" -n 5 -o "$t/d/g.txt"
expect 0 "and resumes to the same end" -- "$bin" train -o "$R" --resume $T
expect 0 "model after NaN stop + resume equal" -- cmp "$t/a/m.safetensors" "$R"
expect 1 "NaN loss before any checkpoint" -- env SSMKIT_INJECT_NAN=loss:3 "$bin" train -d "$t/data.txt" -c "$t/tiny.json" -o "$t/d/n.safetensors" $T
grep_inF err "step 3: the loss is NaN/Inf; training stopped (no checkpoint had been written yet)" "NaN loss message"
[ ! -e "$t/d/n.safetensors" ] && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL: no checkpoint expected"; }
expect 1 "bad SSMKIT_INJECT_NAN" -- env SSMKIT_INJECT_NAN=x "$bin" train -d "$t/data.txt" -c "$t/tiny.json" -o "$t/d/x.safetensors" $T

# ---- generation: reproducible from the seed; export then load gives the same model
m="$t/a/m.safetensors"
printf 'abcab' >"$t/prompt"
expect 0 "generate" -- "$bin" generate -m "$m" -P "$t/prompt" -n 300 -s 7 -k 10 -p 0.9 -t 0.8 -o "$t/g1" -@ 2
expect 0 "generate again" -- "$bin" generate -m "$m" -P "$t/prompt" -n 300 -s 7 -k 10 -p 0.9 -t 0.8 -o "$t/g2" -@ 2
expect 0 "same seed, same tokens" -- cmp "$t/g1" "$t/g2"
[ "$(stat -c %s "$t/g1")" -eq 300 ] && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL: 300 bytes"; }
expect 0 "generate, other seed" -- "$bin" generate -m "$m" -P "$t/prompt" -n 300 -s 8 -k 10 -p 0.9 -t 0.8 -o "$t/g3" -@ 2
expect 1 "another seed, other tokens" -- cmp -s "$t/g1" "$t/g3"
expect 0 "prefill in chunks of 2 = one chunk" -- "$bin" generate -m "$m" -P "$t/prompt" -n 300 -s 7 -k 10 -p 0.9 -t 0.8 -o "$t/g4" --chunk 2 -@ 2
expect 0 "chunked prefill, same tokens" -- cmp "$t/g1" "$t/g4"
expect 0 "--include-prompt" -- "$bin" generate -m "$m" -P "$t/prompt" -n 10 -t 0 --include-prompt -o "$t/g5"
[ "$(head -c 5 "$t/g5")" = abcab ] && [ "$(stat -c %s "$t/g5")" -eq 15 ] && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL: include-prompt"; }
expect 0 "export --hf" -- "$bin" export -m "$m" --hf "$t/hf"
grep_inF hf/config.json '"model_type":	"mamba"' "HF config"
expect 0 "greedy from the checkpoint" -- "$bin" generate -m "$m" -P "$t/prompt" -n 200 -t 0 -o "$t/e1"
expect 0 "greedy from the HF folder" -- "$bin" generate -m "$t/hf" -P "$t/prompt" -n 200 -t 0 -o "$t/e2"
expect 0 "export then load: same greedy text" -- cmp "$t/e1" "$t/e2"
head -c 3000 "$t/data.txt" >"$t/ev.txt"
"$bin" eval -m "$m" -d "$t/ev.txt" -L 100 >"$t/ev1" 2>&1
"$bin" eval -m "$t/hf" -d "$t/ev.txt" -L 100 >"$t/ev2" 2>&1
grep '^loss' "$t/ev1" >"$t/l1"; grep '^loss' "$t/ev2" >"$t/l2"
grep_in l1 '^loss	[0-9]' "eval printed a loss"
expect 0 "export then load: same eval loss" -- cmp "$t/l1" "$t/l2"

# ---- bench prints table lines with the machine and the command
expect 0 "bench" -- "$bin" bench -c "$t/tiny.json" -L 32 -b 2 -i 1 -@ 2
grep_in out '^machine: .*cores online, 2 kernel threads$' "machine line"
grep_inF out 'command: ssmkit bench -c' "command line"
grep_in out '^| .*tiny.json (d_model 16, n_layer 2) | 0.0[0-9]M | 32 | 2 | 2 | [0-9]* | [0-9]* | [0-9]* | [0-9]*% / [0-9]*% / [0-9]*%' "result row"
expect 0 "bench --generate" -- "$bin" bench -c "$t/tiny.json" --generate 2000 -@ 1
grep_in out '^| | 2000 | [0-9.]* us | [0-9.]* us | [0-9.]* us | [0-9.]* MiB |$' "generation row"
grep_inF out "generation flatness from token 1,000 to 2000" "flatness line"

# ---- bad options and inputs
expect 2 "train: no -o" -- "$bin" train -d "$t/data.txt"
expect 2 "train: no --data" -- "$bin" train -o "$t/x.safetensors"
expect 2 "train: --lr abc" -- "$bin" train -d "$t/data.txt" -o "$t/x" --lr abc
grep_inF err "--lr: 'abc' is not a number" "names the option"
expect 2 "train: --steps 0" -- "$bin" train -d "$t/data.txt" -o "$t/x" --steps 0
expect 2 "train: --preset and --config" -- "$bin" train -d "$t/data.txt" -o "$t/x" -p byte-lm-small -c "$t/tiny.json"
expect 2 "train: unknown option" -- "$bin" train -d "$t/data.txt" -o "$t/x" --frobnicate 3
expect 2 "train: stray argument" -- "$bin" train -d "$t/data.txt" -o "$t/x" extra
expect 1 "train: missing data file" -- "$bin" train -d "$t/nope.txt" -o "$t/x" $T
grep_inF err "$t/nope.txt" "names the missing file"
expect 1 "train: unknown preset" -- "$bin" train -d "$t/data.txt" -o "$t/x" -p nope $T
grep_inF err "no preset named 'nope'" "names the preset"
printf '{"arch": "mamba-lm", "d_model": 8, "n_layer": 1, "vocab_size": 256, "train": {"lerning_rate": 1}}' >"$t/badkey.json"
expect 1 "train: unknown key in the train section" -- "$bin" train -d "$t/data.txt" -o "$t/x" -c "$t/badkey.json" $T
grep_inF err 'unknown training option "lerning_rate"' "names the key"
printf '{"arch": "mamba-lm", "d_model": 8, "n_layer": 1, "vocab_size": 256, "train": {"lr": "fast"}}' >"$t/badval.json"
expect 1 "train: string for a number" -- "$bin" train -d "$t/data.txt" -o "$t/x" -c "$t/badval.json" $T
grep_inF err 'training option "lr" must be a number' "names the key"
expect 1 "train: warm-up longer than the run" -- "$bin" train -d "$t/data.txt" -o "$t/x" -c "$t/tiny.json" --steps 5 --warmup 5 $T
expect 1 "train: data vocabulary larger than the model's" -- "$bin" train -d "$t/data.txt" -o "$t/x" -p dna-1.4m -L 16 -b 1 $T
grep_inF err "vocabulary of 256 tokens but the model's vocab_size is 12" "vocabulary mismatch message"
expect 1 "train: --resume without a state" -- "$bin" train -o "$t/none.safetensors" --resume $T
grep_inF err "none.train.safetensors" "names the state file"
expect 1 "train: --resume with --preset" -- "$bin" train -o "$t/a/m.safetensors" --resume -p byte-lm-small $T
expect 1 "train: --device cuda without CUDA" -- "$bin" train -d "$t/data.txt" -o "$t/x" -c "$t/tiny.json" --device nosuch $T
expect 2 "generate: no --model" -- "$bin" generate -n 3 -o "$t/x"
expect 2 "generate: no --tokens" -- "$bin" generate -m "$m" -o "$t/x"
expect 2 "generate: --top-p 2" -- "$bin" generate -m "$m" -n 3 -p 2 -o "$t/x"
expect 2 "generate: --temperature -1" -- "$bin" generate -m "$m" -n 3 -t -1 -o "$t/x"
expect 1 "generate: missing model" -- "$bin" generate -m "$t/nope" -n 3 -o "$t/x"
expect 1 "generate: missing prompt file" -- "$bin" generate -m "$m" -P "$t/nope" -n 3 -o "$t/x"
grep_inF err "$t/nope" "names the prompt file"
expect 1 "generate: unwritable output" -- "$bin" generate -m "$m" -n 3 -o "$t/nodir/x"
expect 2 "export: no --hf" -- "$bin" export -m "$m"
expect 1 "export: missing model" -- "$bin" export -m "$t/nope" --hf "$t/hf2"
expect 2 "bench: --generate 10" -- "$bin" bench --generate 10
finish test_train_cli
