#!/usr/bin/env bash
# test_same_file.sh — no output may be the same file as an input of the command (src/sk_guard.h):
# for every command that writes, an output named as one of its inputs (by the same name, another
# name of the same folder, a symbolic or a hard link, or the index beside a FASTA) fails with
# "OUT: is also an input (IN); refusing to overwrite it", exit 1, and the input keeps its bytes
# (its checksum before and after) with no temporary file left beside it. Then the ordinary runs
# still work, twice over the same outputs.
set -u
bin=${SSMKIT_BIN:?}
. "${SSMKIT_SRC:?}/tests/cli/lib.sh"
cd "$t" || exit 1
features=$("$bin" --version | sed -n 's/^features://p')
has() { [[ " $features " == *" $1 "* ]]; }

# refuse DESCRIPTION INPUT -- command...: exit 1, the message, INPUT unchanged, no temporary files
# (a changed input is put back, so that each case stands alone)
refuse() {
  local what=$1 in=$2; shift 3
  local before; before=$(cksum <"$in")
  cp "$in" saved.bak
  expect 1 "$what" -- "$@"
  grep_in err "is also an input (.*); refusing to overwrite it" "$what: says why"
  if [ "$(cksum <"$in")" = "$before" ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: $what: $in changed"; cp saved.bak "$in"; fi
  if ls -a | grep -q '\.tmp\.'; then fail=$((fail+1)); echo "FAIL: $what: temporary files left:"; ls -a | grep '\.tmp\.'
  else pass=$((pass+1)); fi
  rm -f saved.bak
}

# ---- an LM on bytes: generate, train, eval, export
awk 'BEGIN { srand(5); for (i = 0; i < 4000; i++) printf "%c", 97 + int(rand() * 8); print "" }' >data.txt
cat >tiny.json <<'JSON'
{"arch": "mamba-lm", "d_model": 8, "n_layer": 1, "vocab_size": 256, "d_state": 4,
 "train": {"length": 32, "batch": 2, "steps": 2, "eval_every": 0, "log_every": 1}}
JSON
expect 0 "train a tiny LM" -- "$bin" train -d data.txt -c tiny.json -o lm.safetensors -q -@ 1
printf 'abc' >prompt.txt
refuse "generate -o the model" lm.safetensors -- "$bin" generate -m lm.safetensors -n 4 -o lm.safetensors
refuse "generate -o the prompt" prompt.txt -- "$bin" generate -m lm.safetensors -P prompt.txt -n 4 -o prompt.txt
refuse "generate -o the model by another name" lm.safetensors -- "$bin" generate -m lm.safetensors -n 4 -o ./../"$(basename "$t")"/lm.safetensors
refuse "train -o the data" data.txt -- "$bin" train -d data.txt -c tiny.json -o data.txt -q -@ 1
refuse "train -o the config" tiny.json -- "$bin" train -d data.txt -c tiny.json -o tiny.json -q -@ 1
refuse "train --log the data" data.txt -- "$bin" train -d data.txt -c tiny.json -o new.safetensors --log data.txt -q -@ 1
refuse "train --valid, -o the valid data" data.txt -- "$bin" train -d tiny.json --valid data.txt -c tiny.json -o data.txt -q -@ 1
refuse "eval --dump-logits the model" lm.safetensors -- "$bin" eval -m lm.safetensors -d data.txt -L 32 --dump-logits lm.safetensors
refuse "eval --dump-grads the data" data.txt -- "$bin" eval -m lm.safetensors -d data.txt -L 32 --dump-grads data.txt
ln -s data.txt sym.txt
ln data.txt hard.txt
refuse "eval --dump-grads a symbolic link to the data" data.txt -- "$bin" eval -m lm.safetensors -d sym.txt -L 32 --dump-grads data.txt
refuse "eval --dump-grads a hard link of the data" data.txt -- "$bin" eval -m lm.safetensors -d data.txt -L 32 --dump-grads hard.txt
expect 0 "export" -- "$bin" export -m lm.safetensors --hf hf
refuse "export into the folder it reads" hf/model.safetensors -- "$bin" export -m hf --hf hf
mkdir hf2 && cp lm.safetensors hf2/model.safetensors
refuse "export over the checkpoint it reads" hf2/model.safetensors -- "$bin" export -m hf2/model.safetensors --hf hf2

# ---- audio
if has audio; then
  awk 'BEGIN { srand(2); for (i = 0; i < 8000; i++) printf "%c", 1 + int(rand() * 250) }' >tok.mulaw
  expect 0 "audio decode" -- "$bin" audio decode tok.mulaw -o a.wav
  refuse "audio decode -o its input" tok.mulaw -- "$bin" audio decode tok.mulaw -o tok.mulaw
  refuse "audio encode -o its input" a.wav -- "$bin" audio encode a.wav -o a.wav
  refuse "audio convert -o its input" a.wav -- "$bin" audio convert a.wav -o a.wav
  refuse "audio prep -o its input" a.wav -- "$bin" audio prep a.wav -o a.wav --split 1,0,0 -q
  mkdir ad && cp a.wav ad/b.wav
  refuse "audio prep -o a file of the folder it reads" ad/b.wav -- "$bin" audio prep ad -o ad/b.wav --split 1,0,0 -q
fi

# ---- DNA: windows, classify, embed, eval --per-record, finetune
if has genomics; then
  awk 'BEGIN { srand(3); split("ACGT", b, ""); for (r = 0; r < 2; r++) { print ">r" r; s = "";
    for (j = 0; j < 600; j++) s = s b[1 + int(rand() * 4)]; print s } }' >g.fa
  expect 0 "dna windows" -- "$bin" dna windows g.fa -L 64 -o g.shard
  refuse "dna windows -o its FASTA" g.fa -- "$bin" dna windows g.fa -L 64 -o g.fa
  refuse "dna windows -o the index beside its FASTA" g.fa.fai -- "$bin" dna windows g.fa -L 64 -o g.fa.fai
  printf '{"arch":"mamba-lm","d_model":16,"n_layer":1,"vocab_size":12,"d_state":4}\n' >dna.json
  expect 0 "train a DNA LM" -- "$bin" train --data g.shard --config dna.json -L 64 -b 2 --steps 1 -o dlm.safetensors -q -@ 1
  refuse "eval --per-record the FASTA" g.fa -- "$bin" eval -m dlm.safetensors -d g.fa --whole --per-record g.fa
  gc_at_fixture
  expect 0 "finetune a classifier" -- "$bin" finetune --train train.tsv --valid valid.tsv -L 32 -b 4 --epochs 1 \
    --steps-per-epoch 2 -o clf.safetensors -@ 1 -q
  refuse "finetune -o the TSV" train.tsv -- "$bin" finetune --train train.tsv -L 32 -b 4 --epochs 1 --steps-per-epoch 1 \
    -o train.tsv -@ 1 -q
  refuse "finetune --log the valid TSV" valid.tsv -- "$bin" finetune --train train.tsv --valid valid.tsv -L 32 -b 4 \
    --epochs 1 --steps-per-epoch 1 -o clf2.safetensors --log valid.tsv -@ 1 -q
  for c in classify embed; do
    refuse "$c -o the FASTA" g.fa -- "$bin" $c -m clf.safetensors -L 32 -o g.fa g.fa
    refuse "$c -o the model" clf.safetensors -- "$bin" $c -m clf.safetensors -L 32 -o clf.safetensors g.fa
  done
  # the index built beside a FASTA would replace another input of the command: a BED named so
  cp g.fa h.fa && printf 'r0\t0\t300\n' >h.fa.fai && touch -d '+1 hour' h.fa
  refuse "dna windows: the index of the FASTA would replace the BED" h.fa.fai -- "$bin" dna windows h.fa -L 64 \
    --bed h.fa.fai -o h.shard

  # the ordinary runs, twice over the same outputs
  for i in 1 2; do
    expect 0 "classify -o, run $i" -- "$bin" classify -m clf.safetensors -L 32 -o c.tsv g.fa
    expect 0 "dna windows -o, run $i" -- "$bin" dna windows g.fa -L 64 -o g.shard
  done
fi
for i in 1 2; do
  expect 0 "generate -o, run $i" -- "$bin" generate -m lm.safetensors -P prompt.txt -n 4 -o gen.txt
  expect 0 "eval --dump-logits, run $i" -- "$bin" eval -m lm.safetensors -d data.txt -L 32 --dump-logits logits.safetensors
done
finish test_same_file
