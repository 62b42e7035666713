#!/usr/bin/env bash
# test_export_hf.sh — `ssmkit export --hf`: exports that load.
#   Per block kind of the Mamba LM (a 1-update checkpoint of each): real S6 Mamba blocks (tied,
#   untied with the vocabulary padded from 256 to 288, and a folder exported again from the folder) are written and
#   read back by ssmkit with bitwise identical logits (eval --dump-logits of the checkpoint and of
#   the folder: the same float bytes); s6-complex, s4d-real, s4d-lin and s4-mlp are refused (exit
#   1, the message names the file, the block kind and what can be exported) and nothing is written.
#   config.json carries every field transformers' MambaConfig reads (listed below, from its
#   __init__ arguments, plus the PretrainedConfig ones a MambaForCausalLM folder needs) with the
#   values ssmkit uses; a DNA LM's pad_token_id is its tokenizer's [PAD].
set -u
bin=${SSMKIT_BIN:?}
. "${SSMKIT_SRC:?}/tests/cli/lib.sh"   # $t, pass/fail counters, expect, finish
cd "$t" || exit 1

awk 'BEGIN { srand(8); for (i = 0; i < 3000; i++) printf "%c", 97 + int(rand() * 6) }' >data.txt
head -c 256 data.txt >ev.txt
# ckpt NAME JSON-FIELDS: a 1-update byte LM of d_model 16, 2 layers with the given fields
ckpt() {
  echo "{\"arch\": \"mamba-lm\", \"d_model\": 16, \"n_layer\": 2, \"vocab_size\": 256, \"d_state\": 4$2}" >"$1.json"
  expect 0 "train $1" -- "$bin" train --config "$1.json" --data data.txt -L 32 -b 2 -n 1 --eval-every 0 -o "$1.safetensors" -@ 1 -q
}
# same_logits M DIR [V]: eval --dump-logits of both; the logits' bytes (the end of each file) are equal
same_logits() {
  "$bin" eval -m "$1" -d ev.txt -L 64 --dump-logits a.st -@ 1 >/dev/null 2>&1 &&
    "$bin" eval -m "$2" -d ev.txt -L 64 --dump-logits b.st -@ 1 >/dev/null 2>&1 || return 1
  local n=$((4 * 64 * ${3:-256} * 4)) # (4 windows, 64, padded vocabulary) floats
  cmp <(tail -c "$n" a.st) <(tail -c "$n" b.st)
}

# ---- exportable: real S6 Mamba blocks
ckpt s6 ""
ckpt s6untied ', "pad_vocab_size_multiple": 96, "tie_embeddings": false'
for m in s6:256 s6untied:288; do
  expect 0 "export --hf ${m%:*}" -- "$bin" export -m "${m%:*}.safetensors" --hf "hf_${m%:*}"
  same_logits "${m%:*}.safetensors" "hf_${m%:*}" "${m#*:}" && ok || bad "${m%:*}: the folder gives bitwise the checkpoint's logits"
done
expect 0 "export the exported folder again" -- "$bin" export -m hf_s6untied --hf hf_again
same_logits s6untied.safetensors hf_again 288 && ok || bad "a folder exported from a folder: the same logits"
expect 0 "and its config.json is the same" -- cmp hf_s6untied/config.json hf_again/config.json

# ---- refused: the block kinds MambaForCausalLM cannot hold
for kind in 's6c|, "ssm": "s6-complex"|mamba blocks with the "s6-complex"' \
            's4dr|, "ssm": "s4d-real"|mamba blocks with the "s4d-real"' \
            's4dl|, "ssm": "s4d-lin"|mamba blocks with the "s4d-lin"' \
            's4mlp|, "block": "s4-mlp", "ssm": "s4d-real"|s4-mlp blocks with the "s4d-real"'; do
  IFS='|' read -r name fields what <<<"$kind"
  ckpt "$name" "$fields"
  expect 1 "export --hf $name is refused" -- "$bin" export -m "$name.safetensors" --hf "hf_$name"
  grep_inF err "ssmkit: error: $name.safetensors: a Mamba LM of $what SSM has no Hugging Face" "$name: names the file and the block kind"
  grep_inF err '"block": "mamba", "ssm": "s6"' "$name: says what can be exported"
  [ ! -e "hf_$name" ] && ok || bad "$name: nothing written"
done

# ---- config.json: every MambaConfig field, with ssmkit's values
c=hf_s6untied/config.json
for f in vocab_size hidden_size state_size num_hidden_layers layer_norm_epsilon pad_token_id bos_token_id \
         eos_token_id expand conv_kernel use_bias use_conv_bias hidden_act initializer_range residual_in_fp32 \
         time_step_rank time_step_scale time_step_min time_step_max time_step_init_scheme time_step_floor \
         rescale_prenorm_residual use_cache use_mambapy tie_word_embeddings architectures model_type \
         intermediate_size torch_dtype; do
  jq -e --arg f "$f" 'has($f)' "$c" >/dev/null && ok || bad "config.json has $f"
done
want='{"architectures":["MambaForCausalLM"],"model_type":"mamba","vocab_size":288,"hidden_size":16,"state_size":4,'
want+='"num_hidden_layers":2,"layer_norm_epsilon":1e-05,"pad_token_id":0,"bos_token_id":null,"eos_token_id":null,'
want+='"expand":2,"conv_kernel":4,"use_bias":false,"use_conv_bias":true,"hidden_act":"silu","initializer_range":0.02,'
want+='"residual_in_fp32":true,"time_step_rank":1,"time_step_scale":1,"time_step_min":0.001,"time_step_max":0.1,'
want+='"time_step_init_scheme":"random","time_step_floor":0.0001,"rescale_prenorm_residual":true,"use_cache":true,'
want+='"use_mambapy":false,"intermediate_size":32,"tie_word_embeddings":false,"torch_dtype":"float32"}'
[ "$(jq -cS . "$c")" = "$(jq -cS . <<<"$want")" ] && ok || { bad "config.json values"; jq -cS . "$c"; }
[ "$(jq '.tie_word_embeddings' hf_s6/config.json)" = true ] && ok || bad "tied: tie_word_embeddings true"

# ---- a DNA LM: pad_token_id is the tokenizer's [PAD] (4)
if "$bin" --version | grep -q genomics; then
  awk 'BEGIN { srand(2); split("ACGT", b, ""); print ">r"; s = ""; for (j = 0; j < 2048; j++) s = s b[1 + int(rand() * 4)]; print s }' >g.fa
  expect 0 "dna windows" -- "$bin" dna windows g.fa -L 128 -o g.shard
  expect 0 "a DNA LM" -- "$bin" train --preset dna-tiny --data g.shard -L 128 -b 2 -n 1 --eval-every 0 -o dna.safetensors -@ 1 -q
  expect 0 "export the DNA LM" -- "$bin" export -m dna.safetensors --hf hf_dna
  [ "$(jq -c '[.pad_token_id, .vocab_size]' hf_dna/config.json)" = "[4,16]" ] && ok || bad "DNA: pad_token_id 4, vocab_size 16"
fi

finish test_export_hf
