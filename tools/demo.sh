#!/usr/bin/env bash
# demo.sh — install what is missing (when root), build ssmkit, and run the main job on data it
# generates. Nothing is downloaded beyond Debian packages; outputs go to demo-out/, and a second
# run starts over them (train/finetune --overwrite).
#
#   tools/demo.sh            full demo
#   tools/demo.sh --quick    the shortest profile
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/deps.sh
quick=0
for a in "$@"; do
  case "$a" in
    --quick) quick=1 ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "demo.sh: unknown option $a" >&2; exit 2 ;;
  esac
done
ssmkit_install_deps
build=${BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DSSMKIT_CUDA="$(ssmkit_cuda_mode)" -DCMAKE_CUDA_ARCHITECTURES=90 >/dev/null
cmake --build "$build" -j "$(nproc)"
bin=$build/tools/ssmkit
out=demo-out
mkdir -p "$out"

echo "== ssmkit --version"
"$bin" --version
echo "== ssmkit --help"
"$bin" --help
echo "== ssmkit presets"
"$bin" presets

# ---- DNA: tiny pretraining on human pieces, fine-tuning on 4 bacterial species, classification ----
# Data from Debian packages (tools/fetch-dna.sh); skipped with a message when no mirror is reachable.
dna=${DNA_DATA:-$out/dna-data}
if [ ! -s "$dna/human/human.fa.gz" ] || [ ! -s "$dna/species/e_coli.fa.gz" ]; then
  tools/fetch-dna.sh "$dna" || { echo "demo: DNA data unavailable (tools/fetch-dna.sh failed): DNA part skipped"; dna=; }
fi
if [ -n "$dna" ] && "$bin" --version | grep genomics >/dev/null; then
  steps=$([ "$quick" = 1 ] && echo 24 || echo 60)
  ft_steps=$([ "$quick" = 1 ] && echo 25 || echo 50)
  echo "== DNA: human pieces -> token shard (BED segments, train/valid/test by chromosome)"
  "$bin" dna windows "$dna/human/human.fa.gz" --bed "$dna/human/human.bed" -L 1024 -o "$out/human.shard"
  echo "== DNA: pretrain dna-tiny with sequence-length warm-up 256 -> 512 -> 1024 ($steps updates of 4096 tokens)"
  "$bin" train --data "$out/human.shard" --preset dna-tiny -L 1024 -b 4 --warmup-from 256 --length-warmup $((steps / 4)) \
    --tokens-per-step 4096 -n "$steps" --lr 4e-3 --warmup $((steps / 10)) --eval-every "$steps" --eval-batches 8 --log-every 10 \
    -o "$out/dna-lm.safetensors" --overwrite
  echo "== DNA: bits/base on held-out human sequence (chr16 piece, the BED's test chromosome)"
  "$bin" dna fetch "$dna/human/human.fa.gz" chr16:100001-140000 > "$out/chr16-piece.fa"
  "$bin" eval -m "$out/dna-lm.safetensors" --data "$out/chr16-piece.fa" -L 1024
  echo "== DNA: fine-tune on 4 bacterial species (windows of 256, split by position), backbone from the LM"
  "$bin" finetune --init "$out/dna-lm.safetensors" --species "$dna"/species/{e_coli,h_pylori,s_aureus,v_cholerae}.fa.gz \
    -L 256 -b 16 --epochs 4 --steps-per-epoch "$ft_steps" --lr 1e-2 --min-lr 1e-4 --n-valid 64 --n-test 128 \
    -o "$out/dna-species.safetensors" --overwrite
  echo "== DNA: classify held-out sequence (the last 10% of each species' first genome, never trained on)"
  for sp in e_coli h_pylori s_aureus v_cholerae; do
    read -r name len < <(head -1 "$dna/species/$sp.fa.gz.fai" | cut -f1,2)
    "$bin" dna fetch "$dna/species/$sp.fa.gz" "$name:$((len - len / 10 + 1))-$((len - len / 10 + 20000))" |
      sed "1s/.*/>${sp}_heldout/"
  done > "$out/heldout.fa"
  "$bin" classify -m "$out/dna-species.best.safetensors" --rc-average "$out/heldout.fa" | tee "$out/heldout.tsv"
fi

# ---- Speech: a small U-Net on spoken digits generated with espeak-ng, clips, a spectrogram ----
# Data made locally (tools/fetch-speech-digits.sh); skipped with a message when espeak-ng is missing.
if command -v espeak-ng >/dev/null && "$bin" audio --help >/dev/null 2>&1; then
  voices=$([ "$quick" = 1 ] && echo 12 || echo 24)
  steps=$([ "$quick" = 1 ] && echo 20 || echo 150)
  secs=$([ "$quick" = 1 ] && echo 0.25 || echo 1)
  sp=$out/speech
  rm -rf "$sp"; mkdir -p "$sp"
  echo "== Speech: $voices espeak-ng voices x 10 digits, 1-second 16 kHz clips, split by voice"
  SSMKIT="$bin" VOICES=$voices tools/fetch-speech-digits.sh "$sp/digits" 1 1
  "$bin" audio prep "$sp"/digits/{zero,one,two,three,four,five,six,seven,eight,nine} --split-lists "$sp/digits" -o "$sp/digits.shard"
  echo "== Speech: train a small Mamba U-Net (D 32, 2 blocks per stage, pools 4,4) for $steps updates of 4 x 4000 samples"
  "$bin" train -d "$sp/digits.shard" -c tests/audio/speech_learn.json -n "$steps" --eval-every "$steps" --log-every 25 \
    -o "$sp/unet.safetensors" --overwrite
  echo "== Speech: generate 4 clips of $secs s by the recurrent step (ranked by log-likelihood)"
  "$bin" audio generate -m "$sp/unet.best.safetensors" -n 4 -b 4 -S "$secs" --seed 1 -o "$sp/clips"
  cat "$sp/clips/loglik.tsv"
  clf_epochs=$([ "$quick" = 1 ] && echo 30 || echo 40)
  echo "== Speech: score the generated clips and the real test clips with one digit classifier (trained here, $clf_epochs epochs)"
  if "$bin" audio classifier train "$sp/digits.shard" -o "$sp/clf.safetensors" --epochs "$clf_epochs" -q; then
    "$bin" audio score -c "$sp/clf.safetensors" --reference "$sp/digits.shard" "$sp/digits.shard" "$sp/clips" \
      -o "$sp/scores.tsv" -q || echo "demo: audio score failed"
  else
    echo "demo: no speech scores (the classifier's log-mel front-end needs FFTW: tools/deps.sh installs it)"
  fi
  echo "== Speech: spectrograms of the 4 clips (ranked) and of 4 training digits, in $sp/spectrogram.{png,svg}"
  real=()
  for d in one two three four; do wavs=("$sp/digits/$d"/*.wav); real+=("${wavs[0]}"); done
  if "$bin" audio spectrogram "$sp"/clips/00[1-4].wav -o "$sp/spectrogram.png" &&
    "$bin" audio spectrogram "$sp"/clips/00[1-4].wav "${real[@]}" \
      --title "ssmkit: 4 generated clips (001-004, ranked), then 4 espeak-ng digits" -o "$sp/spectrogram.svg"; then :
  else
    echo "demo: no spectrogram (ssmkit needs FFTW and libpng: tools/deps.sh installs them)"
  fi
else
  echo "demo: espeak-ng or the audio front-end unavailable: speech part skipped"
fi
# ---- Training curves of every run above, overlaid (SVG; also PNG when rsvg-convert is installed) ----
logs=()
for f in "$out/dna-lm.log.jsonl" "$out/dna-species.log.jsonl" "$out/speech/unet.log.jsonl"; do
  if [ -s "$f" ]; then logs+=("$f"); fi
done
if [ ${#logs[@]} -gt 0 ]; then
  echo "== Training curves of ${#logs[@]} runs in $out/curves.svg"
  "$bin" plot "${logs[@]}" --title "ssmkit demo: training curves" -o "$out/curves.svg"
  if command -v rsvg-convert >/dev/null; then
    rsvg-convert "$out/curves.svg" -o "$out/curves.png"
    if [ -s "$out/speech/spectrogram.svg" ]; then rsvg-convert "$out/speech/spectrogram.svg" -o "$out/speech/spectrogram-axes.png"; fi
  fi
fi
echo "demo: done (quick=$quick); outputs in $out/"
