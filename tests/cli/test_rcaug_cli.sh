#!/usr/bin/env bash
# test_rcaug_cli.sh — `ssmkit train --rc-aug 1` on a DNA token shard (reverse-complement
# augmentation, the coin of `dna windows --rc-aug` drawn from (seed, batch, row)):
#   - runs with and without it differ; two runs with it are bitwise equal;
#   - SIGKILL after a checkpoint + --resume equals the uninterrupted run (model, state, losses);
#   - refused on a byte file and with --pack 1.
# (The rows themselves are checked against the coin rule in tests/src/test_data_rcaug.c.)
set -u
bin=${SSMKIT_BIN:?}
"$bin" --version | grep -q genomics || { echo "genomics front-end not built: skipped"; exit 77; }
. "${SSMKIT_SRC:?}/tests/cli/lib.sh"
cd "$t" || exit 1
losses() { grep '"loss"' "$1" | sed 's/,"tokens_per_s".*//'; }

awk 'BEGIN { srand(3); split("ACGT", b, ""); for (r = 0; r < 2; r++) { print ">r" r; s = "";
  for (j = 0; j < 3000; j++) s = s b[1 + int(rand() * (j % 500 < 250 ? 2 : 4))]; print s } }' > g.fa
expect 0 "dna windows" -- "$bin" dna windows g.fa -L 64 -o g.shard
printf '{"arch":"mamba-lm","d_model":16,"n_layer":2,"vocab_size":12,"d_state":4,"dt_min":0.01,"dt_max":0.5}\n' > tiny.json
# every compared run trains in run/ (the stored options name its paths) and is then moved
T="--data g.shard --config tiny.json -L 64 -b 4 --steps 80 --ckpt-every 10 --eval-every 0 --log-every 1 -q -@ 1"
run() { # NAME ARGS...: a run into run/, moved to NAME/
  local name=$1; shift
  mkdir -p run
  expect 0 "train $name" -- "$bin" train -o run/m.safetensors "$@"
  rm -rf "$name"; mv run "$name"
}
run plain $T
run rc1 $T --rc-aug 1
run rc2 $T --rc-aug 1
check "with and without --rc-aug differ" "! cmp -s plain/m.safetensors rc1/m.safetensors"
check "with and without --rc-aug: different losses" "! cmp -s <(losses plain/m.log.jsonl) <(losses rc1/m.log.jsonl)"
check "two runs with --rc-aug are bitwise equal" "cmp rc1/m.safetensors rc2/m.safetensors"
check "two runs with --rc-aug: the same losses" "cmp -s <(losses rc1/m.log.jsonl) <(losses rc2/m.log.jsonl)"
"$bin" inspect rc1/m.safetensors > insp 2>&1
grep_inF insp '"rc_aug":1' "the option is stored in the checkpoint"

# ---- SIGKILL after a checkpoint, then --resume: bitwise the uninterrupted run ----
k=$((25 + RANDOM % 40))
mkdir -p run
"$bin" train -o run/m.safetensors $T --rc-aug 1 2>/dev/null &
pid=$!
for _ in $(seq 1 3000); do
  grep -q "\"step\":$k,\"loss\"" run/m.log.jsonl 2>/dev/null && break
  sleep 0.01
done
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
echo "SIGKILL at step >= $k: last logged $(grep -o '"step":[0-9]*,"loss"' run/m.log.jsonl | tail -1)"
grep -q '"step":80,"loss"' run/m.log.jsonl && echo "note: the run finished before the kill"
expect 0 "--resume after SIGKILL" -- "$bin" train -o run/m.safetensors --resume -q -@ 1
rm -rf killed; mv run killed
check "resumed model equals the uninterrupted one" "cmp rc1/m.safetensors killed/m.safetensors"
check "resumed training state equals the uninterrupted one" "cmp rc1/m.train.safetensors killed/m.train.safetensors"
check "resumed losses equal the uninterrupted ones" "cmp -s <(losses rc1/m.log.jsonl) <(losses killed/m.log.jsonl)"

# ---- refused where it has no meaning ----
awk 'BEGIN { for (i = 0; i < 3000; i++) printf "%c", 97 + i % 7 }' > bytes.txt
expect 1 "--rc-aug on a byte file" -- "$bin" train --data bytes.txt -L 32 -b 2 --steps 1 --rc-aug 1 -o x.safetensors -q
grep_inF err "reverse-complement augmentation takes random unpacked rows of a DNA token shard (this is a byte file)" "says why"
expect 1 "--rc-aug with --pack 1" -- "$bin" train --data g.shard --config tiny.json -L 64 -b 2 --steps 1 --pack 1 --rc-aug 1 -o x.safetensors -q
grep_inF err "not with packed rows" "says why"
finish test_rcaug_cli
