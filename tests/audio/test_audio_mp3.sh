#!/usr/bin/env bash
# test_audio_mp3.sh — MP3 input made by a real encoder: Debian's lame writes an MPEG-2 Layer III
# file at 22.05 kHz with an ID3v2 tag (the header's frame count is then only an estimate), and
# lame --decode gives the reference samples. ssmkit must read the whole stream (no "truncated
# data" error), and its samples must equal lame's decoding up to the decoders' start offset
# (libsndfile's mpg123 keeps the decoder delay, lame drops it) within 1e-3 rms; resampled to
# 16 kHz it has the length the rate ratio gives and correlates with lame's decoding resampled.
# Arg 1: the audio_ref helper (tests/audio/audio_ref.c). Skips (77) without lame or MP3 support.
. "$SSMKIT_SRC/tests/cli/lib.sh"
bin=${SSMKIT_BIN:?} ref=${1:?}
command -v lame >/dev/null || { echo "lame not installed (tools/deps.sh lists it): skipped"; exit 77; }
"$ref" --gen "$t/in.wav" 22050 1.2 || exit 1
lame --quiet -b 40 --resample 22.05 --add-id3v2 --tt "ssmkit mp3 test" --ta ssmkit "$t/in.wav" "$t/t.mp3" || exit 1
lame --quiet --decode "$t/t.mp3" "$t/lame.wav" || exit 1
head -c 3 "$t/t.mp3" | grep -q ID3 || { echo "FAIL: lame wrote no ID3v2 tag"; exit 1; }

expect 0 "audio info reads the MP3" -- "$bin" audio info "$t/t.mp3"
[ "$fail" -gt 0 ] || grep -q "MPEG" "$t/out" || { echo "this libsndfile does not read MP3: skipped"; exit 77; }
grep_in out '^rate *22050 Hz' "MP3 at 22.05 kHz (MPEG-2)"

expect 0 "convert the MP3 at its own rate (read to the end, not to the header's estimate)" \
  -- "$bin" audio convert "$t/t.mp3" --rate 22050 --float -o "$t/got.wav"
"$ref" --compare "$t/lame.wav" "$t/got.wav" 1200 >"$t/cmp" || { fail=$((fail+1)); finish test_audio_mp3; exit 1; }
cat "$t/cmp"
read -r _ na _ nb _ lag _ corr _ rms <"$t/cmp"
# lame drops the 529-sample decoder delay that libsndfile keeps; the rest is the same stream
ok() { if awk "BEGIN { exit !($1) }"; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: $2 ($(cat "$t/cmp"))"; fi; }
ok "$nb >= $na && $nb - $na <= 1152 && $lag >= 0 && $lag <= 1152" "sample count: lame's plus at most one MPEG-2 granule pair of delay"
ok "$corr > 0.9999 && $rms < 1e-3" "samples equal lame --decode within 1e-3 rms"
"$ref" --compare "$t/in.wav" "$t/got.wav" 1200 >"$t/cmp" || exit 1
read -r _ na _ nb _ lag _ corr _ rms <"$t/cmp"
ok "$corr > 0.99" "the decoded MP3 correlates with the encoder's input"

expect 0 "convert the MP3 to 16 kHz" -- "$bin" audio convert "$t/t.mp3" --rate 16000 --float -o "$t/got16.wav"
expect 0 "lame's decoding to 16 kHz" -- "$bin" audio convert "$t/lame.wav" --rate 16000 --float -o "$t/lame16.wav"
"$ref" --compare "$t/lame16.wav" "$t/got16.wav" 1200 >"$t/cmp" || exit 1
cat "$t/cmp"
read -r _ na _ nb _ lag _ corr _ rms <"$t/cmp"
n22=$("$ref" --compare "$t/got.wav" "$t/got.wav" 0 | awk '{ print $2 }')
ok "($nb - $n22 * 16000 / 22050)^2 <= 4" "16 kHz length = 22.05 kHz length x 16000/22050 (within 2)"
ok "$corr > 0.99" "16 kHz samples correlate with lame's decoding resampled"

expect 0 "audio prep takes the MP3" -- "$bin" audio prep "$t/t.mp3" --mode chunks --length 4000 --split 1,0,0 -o "$t/mp3.shard"
grep_in err ' 5 examples' "prep: 5 chunks of 4000 from 1.25 s at 16 kHz"
finish test_audio_mp3
