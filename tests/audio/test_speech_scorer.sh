#!/usr/bin/env bash
# test_speech_scorer.sh — the speech scorer learns spoken digits (label slow): 12 espeak-ng voices x
# 10 digits x 2 takes (tools/fetch-speech-digits.sh, split by voice: the test voices are never
# trained on), `audio prep`, `audio classifier train` with its defaults but 12 epochs; the test
# accuracy printed by training and the accuracy `audio score` reports on the test split must agree
# and be at least 40% (chance: 10%), and the textbook IS of the test clips must be above that of
# 40 clips of white noise. (The 90% gate is measured on the 84-voice set: BENCHMARKS.md
# §Speech scorer.) Skips (77) when espeak-ng is missing or ssmkit has no audio front-end or FFTW.
set -u
bin=${SSMKIT_BIN:?}
helper=${1:?usage: test_speech_scorer.sh PATH/speech_helper}
. "${SSMKIT_SRC:?}/tests/cli/lib.sh"
. "$SSMKIT_SRC/tests/audio/speech_lib.sh"
speech_digits 12 2
"$bin" audio classifier train "$t/d.shard" -o "$t/clf.safetensors" --epochs 12 -@ 1 >"$t/out" 2>"$t/err"
rc=$?
grep -q "without FFTW" "$t/err" && { echo "SKIP: ssmkit built without FFTW"; exit 77; }
cat "$t/err"
check "classifier train exits 0 (exit $rc)" '[ "$rc" = 0 ]'
tacc=$(sed -n 's/.*test accuracy \([0-9.]*\)% of \([0-9]*\) clips.*/\1/p' "$t/err")
"$helper" noise "$t/noise" 40 3 || bad "speech_helper noise"
expect 0 "score" -- "$bin" audio score -c "$t/clf.safetensors" -r "$t/d.shard" "$t/d.shard" "$t/noise" -q
cat "$t/out"
sacc=$(awk -F'\t' -v s="$t/d.shard" '$1 == s { print 100 * $4 }' "$t/out")
is_real=$(awk -F'\t' -v s="$t/d.shard" '$1 == s { print $6 }' "$t/out")
is_noise=$(awk -F'\t' -v s="$t/noise" '$1 == s { print $6 }' "$t/out")
check "training's test accuracy ${tacc:-?}% = score's ${sacc:-?}%" '[ -n "$tacc" ] && [ -n "$sacc" ] && awk -v a="${tacc:-x}" -v b="${sacc:-y}" "BEGIN { d = a - b; exit !(d < 0.051 && d > -0.051) }"'
check "test accuracy ${tacc:-?}% >= 40% on unseen voices" 'awk -v a="${tacc:-0}" "BEGIN { exit !(a >= 40) }"'
check "IS of the test clips ${is_real:-?} > IS of noise ${is_noise:-?}" 'awk -v a="${is_real:-0}" -v b="${is_noise:-9}" "BEGIN { exit !(a > b) }"'
echo "test accuracy ${tacc:-?}%, IS real ${is_real:-?} vs noise ${is_noise:-?}; $(( $(date +%s) - start )) s wall in all"
finish test_speech_scorer
