#!/usr/bin/env bash
# test_audio_score.sh — the speech scorer end to end on generated clips (speech_helper: tones of two
# classes, "low" and "high", 0.3-0.9 s at a random offset, so every clip is padded to 1 s):
#   - `audio classifier train` on their shard (a tiny model, 4 epochs): one line per epoch, the
#     checkpoint carries the front-end, and it tells the classes apart (valid and test accuracy);
#   - `audio score` of the test split, the folder of the clips (labels from folder names), white noise
#     and silence: every number of each row equals the metric functions of audio/sk_audio_metrics.h
#     applied by speech_helper to the per-clip numbers of --dump (1e-6), accuracy and textbook IS also
#     recomputed by awk; TSV and JSON files agree with stdout;
#   - --threshold on a generated folder: the kept files are those of `audio threshold`, range stated;
#   - bad inputs: an LM checkpoint, a classifier of tokens, a missing folder, a file that is not audio,
#     a folder without audio, usage errors.
set -u
bin=${SSMKIT_BIN:?}
helper=${1:?usage: test_audio_score.sh PATH/speech_helper}
. "${SSMKIT_SRC:?}/tests/cli/lib.sh"
"$bin" --version >"$t/version" || { echo "FAIL: ssmkit --version"; exit 1; }
grep -q '^features:.* audio' "$t/version" || { echo "SKIP: ssmkit built without the audio front-end"; exit 77; }

"$helper" tones "$t/wav" 12 5 || { echo "FAIL: speech_helper tones"; exit 1; }
"$helper" noise "$t/noise" 6 9 && "$helper" silence "$t/silence" 4 || { echo "FAIL: speech_helper noise"; exit 1; }
expect 0 "prep" -- "$bin" audio prep "$t/wav" --split 0.5,0.25,0.25 --seed 3 -o "$t/tones.shard" -q
clf=(--d-model 16 --layers 1 --d-state 4 --fft 256 --hop 256 --mels 16 --epochs 4 -b 8 --lr 1e-2 -@ 1)
"$bin" audio classifier train "$t/tones.shard" -o "$t/clf.safetensors" "${clf[@]}" >"$t/out" 2>"$t/err"
rc=$?
grep -q "without FFTW" "$t/err" && { echo "SKIP: ssmkit built without FFTW (the log-mel front-end needs it)"; exit 77; }
check "classifier train exits 0 (exit $rc)" '[ "$rc" = 0 ]' || cat "$t/err"
check "one line per epoch" '[ "$(grep -c "^audio classifier: epoch [1-4]/4 " "$t/err")" = 4 ]'
grep_in err "^audio classifier: wrote .*clf.safetensors (epoch [1-4], valid accuracy [0-9.]*%, test accuracy [0-9.]*% of 6 clips)" "summary"
tacc=$(sed -n 's/.*test accuracy \([0-9.]*\)%.*/\1/p' "$t/err")
check "test accuracy ${tacc:-?}% >= 80% on two tone classes" 'awk -v a="${tacc:-0}" "BEGIN { exit !(a >= 80) }"'
check "the checkpoint stores the front-end" 'grep -aqF "kind\\\":\\\"logmel" "$t/clf.safetensors"'

expect 0 "score" -- "$bin" audio score -c "$t/clf.safetensors" --reference "$t/tones.shard" "$t/tones.shard" "$t/wav" \
  "$t/noise" "$t/silence" --dump "$t/dump.tsv" -o "$t/s.tsv" --json "$t/s.json" -q
cp "$t/out" "$t/score.out"
check "stdout is the TSV file" 'cmp -s "$t/score.out" "$t/s.tsv"'
grep_in score.out "^input	clips	labelled	accuracy	fid	is	is_sashimi	mis	am$" "header"
for inp in "$t/tones.shard" "$t/wav" "$t/noise" "$t/silence"; do
  "$helper" metrics "$t/dump.tsv" "$inp" 1 >"$t/want" || { bad "speech_helper metrics $inp"; continue; }
  awk -F'\t' -v inp="$inp" 'NR == FNR { for (i = 1; i <= 8; i++) w[i] = $i; next }
    $1 == inp { n++; for (i = 1; i <= 8; i++) { g = $(i + 1); if (g == "-") g = "nan";
      if (w[i] == "nan" || w[i] == "-nan") { if (g != "nan") bad = 1 }
      else { d = g - w[i]; if (d < 0) d = -d; s = w[i] < 0 ? -w[i] : w[i]; if (d > 1e-6 * (s > 1 ? s : 1) + 5e-5 * (i == 3)) bad = 1 } } }
    END { exit (bad || n != 1) }' "$t/want" "$t/score.out" && ok || { bad "$inp: row differs from the metric functions"; cat "$t/want"; }
done
# accuracy and textbook IS once more by awk from the dump (header: input clip label prediction p_... f...)
for inp in "$t/tones.shard" "$t/wav"; do
  awk -F'\t' -v inp="$inp" 'NR == 1 { for (i = 5; i <= NF; i++) if ($i ~ /^p_/) K++; next }
    $1 == inp { n++; if ($3 >= 0) { m++; c += $3 == $4 }; for (k = 1; k <= K; k++) { p[n, k] = $(4 + k); pb[k] += $(4 + k) } }
    END { for (i = 1; i <= n; i++) for (k = 1; k <= K; k++) if (p[i, k] > 0) kl += p[i, k] * log(p[i, k] / (pb[k] / n));
      printf "%d\t%.9f\t%.9g\n", n, c / m, exp(kl / n) }' "$t/dump.tsv" >"$t/awk"
  read -r an aacc ais <"$t/awk"
  awk -F'\t' -v inp="$inp" -v n="$an" -v acc="$aacc" -v is="$ais" '$1 == inp { d = $6 - is; if (d < 0) d = -d;
    a = $4 - acc; if (a < 0) a = -a; exit !($2 == n && a < 1e-6 && d < 1e-6 * is) }' "$t/score.out" && ok || bad "$inp: awk's count $an, accuracy $aacc, IS $ais"
done
check "the test split has 6 clips, all labelled" 'grep -q "^$t/tones.shard	6	6	" "$t/score.out"'
check "the folder has 24 clips, all labelled" 'grep -q "^$t/wav	24	24	" "$t/score.out"'
check "noise and silence have no labels" 'grep -q "^$t/noise	6	0	-	" "$t/score.out" && grep -q "^$t/silence	4	0	-	" "$t/score.out"'
check "JSON rows" 'grep -q "\"input\":[[:space:]]*\"$t/noise\"" "$t/s.json" && grep -q "\"accuracy\":[[:space:]]*null" "$t/s.json"'
expect 0 "score -o FILE.json" -- "$bin" audio score -c "$t/clf.safetensors" -r "$t/tones.shard" "$t/noise" -o "$t/o.json" -q
check "-o .json writes JSON" 'grep -q "\"rows\"" "$t/o.json" && grep -q "\"reference_clips\":[[:space:]]*12" "$t/o.json"'

# --threshold: 8 generated clips ranked in loglik.tsv; m = 4: positions [1, 3) kept
mkdir -p "$t/gen"
for k in 1 2 3 4 5 6 7 8; do cp "$t/noise/00$((k % 6)).wav" "$t/gen/00$k.wav"; done
{ printf 'rank\tfile\tclip\tloglik_nats\tbits_per_sample\n'; for k in 1 2 3 4 5 6 7 8; do printf '%d\t00%d.wav\t%d\t-%d\t1\n' "$k" "$k" "$k" "$k"; done; } >"$t/gen/loglik.tsv"
expect 0 "threshold" -- "$bin" audio threshold "$t/gen/loglik.tsv" --seed 4
awk -F'\t' '!/^#/ { print $2 }' "$t/out" | sort >"$t/kept.want"
expect 0 "score --threshold" -- "$bin" audio score -c "$t/clf.safetensors" -r "$t/tones.shard" --threshold "$t/gen/loglik.tsv" \
  "$t/gen" --seed 4 --dump "$t/tdump.tsv" -q
grep_in out "^# threshold: 2 of 8 clips kept: positions \[1, 3) of the 4-clip evaluation half" "kept range stated"
check "two clips scored" 'grep -q "^$t/gen	2	0	" "$t/out"'
awk -F'\t' 'NR > 1 && $1 != "reference" { n = split($2, a, "/"); print a[n] }' "$t/tdump.tsv" | sort >"$t/kept.got"
check "the kept clips are those of audio threshold" 'cmp -s "$t/kept.want" "$t/kept.got" && [ "$(wc -l <"$t/kept.got")" = 2 ]'

# bad inputs
tiny_lm_fixture
expect 0 "a tiny LM" -- "$bin" train --data "$t/data.txt" --config "$t/tiny.json" -o "$t/lm.safetensors" -q -@ 1
expect 1 "an LM checkpoint" -- "$bin" audio score -c "$t/lm.safetensors" -r "$t/tones.shard" "$t/wav"
grep_in err "^ssmkit: error: .*lm.safetensors: " "LM: names the file"
if grep -q '^features:.* genomics' "$t/version"; then
  gc_at_fixture
  expect 0 "a token classifier" -- "$bin" finetune --train "$t/train.tsv" --preset dna-tiny -L 48 -b 4 --epochs 1 \
    --steps-per-epoch 1 --warmup-epochs 0 -o "$t/tok.safetensors" -q -@ 1
  expect 1 "a token classifier" -- "$bin" audio score -c "$t/tok.safetensors" -r "$t/tones.shard" "$t/wav"
  grep_in err "^ssmkit: error: .*tok.safetensors: .*not an audio classifier" "token classifier refused"
fi
expect 1 "missing folder" -- "$bin" audio score -c "$t/clf.safetensors" -r "$t/tones.shard" "$t/nowhere"
grep_in err "^ssmkit: error: .*nowhere: no such file or folder" "missing folder named"
mkdir -p "$t/badwav/two" && printf 'not audio\n' >"$t/badwav/two/x.wav"
expect 1 "a file that is not audio" -- "$bin" audio score -c "$t/clf.safetensors" -r "$t/tones.shard" "$t/badwav"
grep_in err "^ssmkit: error: .*badwav/two/x.wav" "bad file named"
printf 'hello\n' >"$t/text.txt"
expect 1 "not a shard or folder" -- "$bin" audio score -c "$t/clf.safetensors" -r "$t/text.txt" "$t/wav"
grep_in err "^ssmkit: error: .*text.txt: not an audio token shard or a folder of audio files" "text file named"
mkdir -p "$t/empty"
expect 1 "a folder without audio" -- "$bin" audio score -c "$t/clf.safetensors" -r "$t/tones.shard" "$t/empty"
grep_in err "^ssmkit: error: .*empty: no audio files" "empty folder named"
expect 2 "no classifier" -- "$bin" audio score -r "$t/tones.shard" "$t/wav"
expect 2 "bad split" -- "$bin" audio score -c "$t/clf.safetensors" -r "$t/tones.shard" --split nine "$t/wav"
expect 2 "threshold with two inputs" -- "$bin" audio score -c "$t/clf.safetensors" -r "$t/tones.shard" --threshold "$t/gen/loglik.tsv" "$t/gen" "$t/wav"
expect 0 "prep one class" -- "$bin" audio prep "$t/noise" -o "$t/one.shard" -q
expect 1 "train on one class" -- "$bin" audio classifier train "$t/one.shard" -o "$t/x.safetensors"
grep_in err "^ssmkit: error: .*one.shard: 1 labels: a classifier needs 2 or more" "one class refused"
expect 2 "classifier without a subcommand" -- "$bin" audio classifier
finish test_audio_score
