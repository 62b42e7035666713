#!/usr/bin/env bash
# test_cuda_cli.sh (labels gpu cli) — the program end to end with --device cuda against --device cpu,
# same data, same seed:
#   - three training updates of a tiny Mamba LM, of the same LM trained in chunks of 48 positions
#     (L 200), of a tiny U-Net and of a DNA classifier (finetune) log the same loss and gradient
#     norm at every update (relative 1e-4), and the two checkpoints give the same eval loss on the
#     CPU (relative 1e-4: the parameters after three updates agree);
#   - streaming eval on cuda (LM in chunks of 7 tokens, U-Net in chunks of 16 samples) and
#     streamed classify (chunks of 7) equal the CPU's (relative 1e-4).
# With the emulator build (-DSSMKIT_CUDA_EMU=ON) --device cuda runs the CUDA kernels on the CPU
# emulator of tests/cuda_emu; with a CUDA build and a GPU, on the GPU. Exit 77 when this ssmkit
# has no CUDA backend or the machine no GPU. The classifier part needs the genomics front-end.
set -u
bin=${SSMKIT_BIN:?}
gen=${1:?usage: test_cuda_cli.sh PATH/markov_gen}
. "${SSMKIT_SRC:?}/tests/cli/lib.sh"
cd "$t" || exit 1
"$bin" --version | grep -q ' cuda' || { echo "test_cuda_cli: skipped: built without CUDA"; exit 77; }

# relative difference of two numbers <= tol (printed for the log)
close() { awk -v a="$1" -v b="$2" -v tol="$3" -v w="$4" 'BEGIN { d = a - b; if (d < 0) d = -d; s = b < 0 ? -b : b;
  r = s > 0 ? d / s : d; printf "  %-44s cuda %s cpu %s relative %.2g\n", w, a, b, r; exit !(a != "" && r <= tol) }'; }
val() { awk -F'\t' -v k="$1" '$1 == k { print $2 }' "$2"; }
# "loss grad_norm" of every logged update in a JSON-lines training log (finetune: "train_loss", per epoch)
lossnorm() { grep '"step"' "$1" | grep '"grad_norm"' | sed -n 's/.*"\(train_\)*loss":\([-0-9.e+]*\).*"grad_norm":\([-0-9.e+]*\).*/\2 \3/p'; }
# same_updates NAME COUNT: the cpu and cuda logs of NAME agree at every logged update, and there are COUNT
same_updates() {
  paste -d' ' <(lossnorm "$1-cuda.log.jsonl") <(lossnorm "$1-cpu.log.jsonl") | awk -v w="$1" '
    { n++; for (k = 1; k <= 2; k++) { d = $k - $(k + 2); if (d < 0) d = -d; s = $(k + 2) < 0 ? -$(k + 2) : $(k + 2);
      if (d / s > e) e = d / s } }
    END { printf "  %-44s %d logged updates, worst relative difference %.2g (loss, grad norm)\n", w, n, e;
      exit !(n == c && e <= 1e-4) }' c="$2"
}
# train_both NAME LOGGED COMMAND ARGS...: the same run on each device, NAME-cpu / NAME-cuda
train_both() {
  local name=$1 logged=$2; shift 2
  expect 0 "$name on cpu" -- "$bin" "$@" --device cpu -o "$name-cpu.safetensors"
  expect 0 "$name on cuda" -- "$bin" "$@" --device cuda -o "$name-cuda.safetensors"
  check "$name: cuda updates equal cpu updates" "same_updates $name $logged"
}
# eval_both WHAT ARGS...: `eval ARGS` on each device gives the same loss
eval_both() {
  local what=$1; shift
  expect 0 "eval $what on cpu" -- "$bin" eval "$@" --device cpu
  local a; a=$(val loss out)
  expect 0 "eval $what on cuda" -- "$bin" eval "$@" --device cuda
  check "eval $what: cuda loss equals cpu loss" "close '$(val loss out)' '$a' 1e-4 'eval $what'"
}

"$gen" data.txt 20000 7 >/dev/null || exit 1
cat >lm.json <<'JSON'
{"arch": "mamba-lm", "d_model": 16, "n_layer": 2, "vocab_size": 256, "d_state": 4}
JSON
# no GPU: skip (the message must still say why)
"$bin" eval -m /dev/null -d data.txt --device cuda >/dev/null 2>err.txt
if grep -q "no usable GPU" err.txt; then echo "test_cuda_cli: skipped: $(cat err.txt)"; exit 77; fi

common=(-c lm.json -d data.txt -b 2 -n 3 --warmup 1 --log-every 1 --eval-every 0 --eval-batches 1 -@ 1 -q --seed 5)
train_both lm 3 train "${common[@]}" -L 64
train_both lmchunk 3 train "${common[@]}" -L 200 --chunk 48
head -c 600 data.txt >tok.bin
for m in lm lmchunk; do
  expect 0 "eval $m-cuda checkpoint on cpu" -- "$bin" eval -m "$m-cuda.safetensors" -d tok.bin -L 600 --device cpu -@ 1
  a=$(val loss out)
  expect 0 "eval $m-cpu checkpoint on cpu" -- "$bin" eval -m "$m-cpu.safetensors" -d tok.bin -L 600 --device cpu -@ 1
  check "$m: the checkpoints trained on cuda and cpu agree" "close '$a' '$(val loss out)' 1e-4 '$m checkpoints (eval on cpu)'"
done
eval_both "LM streamed in chunks of 7" -m lm-cpu.safetensors -d tok.bin -C 7 -@ 1

cat >unet.json <<'JSON'
{"arch": "unet", "d_model": 8, "n_layer": 1, "pool": [4, 4], "outer": {"d_state": 4},
 "center": {"ssm": "s4d-lin", "d_state": 4}}
JSON
train_both unet 3 train -c unet.json -d data.txt -L 64 -b 2 -n 3 --warmup 1 --log-every 1 --eval-every 0 --eval-batches 1 \
  -@ 1 -q --seed 5
head -c 3000 data.txt >clip.mulaw
expect 0 "eval unet-cuda checkpoint on cpu" -- "$bin" eval -m unet-cuda.safetensors -d clip.mulaw -L 3008 --device cpu -@ 1
a=$(val loss out)
expect 0 "eval unet-cpu checkpoint on cpu" -- "$bin" eval -m unet-cpu.safetensors -d clip.mulaw -L 3008 --device cpu -@ 1
check "unet: the checkpoints trained on cuda and cpu agree" "close '$a' '$(val loss out)' 1e-4 'unet checkpoints (eval on cpu)'"
eval_both "U-Net streamed in chunks of 16" -m unet-cpu.safetensors -d clip.mulaw -C 16 -@ 1

if "$bin" --version | grep -q genomics; then
  awk 'BEGIN { srand(7); for (i = 0; i < 60; i++) { c = i % 2; n = 40 + int(rand() * 100); s = "";
    for (j = 0; j < n; j++) { r = rand(); s = s (c ? (r < 0.7 ? "G" : "A") : (r < 0.7 ? "A" : "G")) }
    print (c ? "gc" : "at") "\t" s > (i < 50 ? "train.tsv" : "valid.tsv") } }'
  printf '{"arch":"mamba-lm","d_model":16,"n_layer":2,"vocab_size":12,"d_state":4,"dt_min":0.01,"dt_max":0.5}\n' >dna.json
  train_both clf 1 finetune --train train.tsv --valid valid.tsv -c dna.json -L 64 -b 8 --epochs 1 --steps-per-epoch 3 \
    -@ 1 -q --seed 5
  awk 'BEGIN { srand(9); split("ACGT", b, ""); s = ""; for (j = 0; j < 300; j++) s = s b[1 + int(rand() * 4)];
    print ">r1"; print s; print ">r2"; print "ACGTTGCAGGCA" }' >in.fa
  # cmp_probs A B WHAT: the class probabilities of two classify outputs agree (1e-4)
  cmp_probs() { paste "$1" "$2" | awk -F'\t' -v w="$3" '/^#|^record/ { next }
    { h = NF / 2; for (k = 5; k <= h; k++) { d = $k - $(k + h); if (d < 0) d = -d; if (d > e) e = d } n++ }
    END { printf "  %-44s %d records, max |difference| %.2g\n", w, n, e; exit !(n == 2 && e <= 1e-4) }'; }
  expect 0 "classify with clf-cuda on cpu" -- "$bin" classify -m clf-cuda.safetensors -L 300 in.fa -o c1.tsv -@ 1 --device cpu
  expect 0 "classify with clf-cpu on cpu" -- "$bin" classify -m clf-cpu.safetensors -L 300 in.fa -o c2.tsv -@ 1 --device cpu
  check "clf: the checkpoints trained on cuda and cpu agree" "cmp_probs c1.tsv c2.tsv 'clf checkpoints (classify on cpu)'"
  expect 0 "classify streamed on cpu" -- "$bin" classify -m clf-cpu.safetensors --whole -C 7 in.fa -o ccpu.tsv -@ 1 --device cpu
  expect 0 "classify streamed on cuda" -- "$bin" classify -m clf-cpu.safetensors --whole -C 7 in.fa -o ccuda.tsv -@ 1 --device cuda
  check "classify streamed: cuda probabilities equal cpu (1e-4)" "cmp_probs ccuda.tsv ccpu.tsv 'classify streamed in chunks of 7'"
else
  echo "test_cuda_cli: genomics front-end not built: the classifier part is not run"
fi
finish test_cuda_cli
