#!/usr/bin/env bash
# test_audio_spectrogram.sh — ssmkit audio spectrogram end to end: two files (one at 22.05 kHz,
# resampled) as PNG, whose header gives the size worked out by hand (257 bins high; 2 x 122
# frames widened 4x plus a 6-pixel gap), and as SVG with one cell group per file and the file
# names; bad inputs fail naming the file, bad options are usage errors. The pixel content is
# checked against the tones in tests/audio/test_audio_spectrum.c.
# Arg 1: the audio_ref helper (tests/audio/audio_ref.c).
. "$SSMKIT_SRC/tests/cli/lib.sh"
bin=${SSMKIT_BIN:?} ref=${1:?}
"$ref" --gen "$t/a.wav" 16000 1.0 && "$ref" --gen "$t/b.wav" 22050 1.0 || exit 1
expect 0 "spectrogram of two files as SVG" -- "$bin" audio spectrogram "$t/a.wav" "$t/b.wav" -o "$t/s.svg"
if grep -q "built without FFTW" "$t/err"; then echo "no FFTW in this build: skipped"; exit 77; fi
n=$(grep -c '<g class="clip"' "$t/s.svg")
[ "$n" -eq 2 ] && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL: $n clip groups in the SVG, want 2"; }
grep_inF s.svg '>a.wav</text>' "SVG names a.wav"
grep_inF s.svg '>b.wav</text>' "SVG names b.wav"
grep_in s.svg 'data-y1="8"' "frequency axis up to 8 kHz (Nyquist at 16 kHz)"

# 10 s: 1247 frames, averaged in pairs (at most 800 columns): the cells still reach the right edge
"$ref" --gen "$t/ten.wav" 16000 10 || exit 1
expect 0 "SVG of a long file" -- "$bin" audio spectrogram "$t/ten.wav" -o "$t/ten.svg"
right=$(awk '/<g class="clip"/ { on = 1 } /<\/g>/ { on = 0 } on && /<rect/ { match($0, / x="[0-9.]+"/); x = substr($0, RSTART + 4, RLENGTH - 5)
  match($0, /width="[0-9.]+"/); w = substr($0, RSTART + 7, RLENGTH - 8); if (x + w > m) m = x + w } END { print m }' "$t/ten.svg")
[ "$right" = 970 ] && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL: the cells end at x = $right, want 970 (the plot's right edge)"; }

if "$bin" audio spectrogram "$t/a.wav" -o "$t/probe.png" 2>&1 | grep -q "without libpng"; then
  echo "note: no libpng in this build: PNG not tested"
else
  expect 0 "spectrogram of two files as PNG" -- "$bin" audio spectrogram "$t/a.wav" "$t/b.wav" -o "$t/s.png"
  # PNG signature, then the IHDR chunk: width and height as 4-byte big-endian numbers at offset 16
  read -r w h < <(od -An -tu1 -j16 -N8 "$t/s.png" | awk '{ print $1*16777216 + $2*65536 + $3*256 + $4, $5*16777216 + $6*65536 + $7*256 + $8 }')
  head -c 8 "$t/s.png" | od -An -tx1 | grep -q '89 50 4e 47 0d 0a 1a 0a' && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL: not a PNG"; }
  [ "$w" = 982 ] && [ "$h" = 257 ] && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL: PNG is ${w}x${h}, want 982x257"; }
  expect 0 "--fft 256 --hop 256" -- "$bin" audio spectrogram "$t/a.wav" --fft 256 --hop 256 -o "$t/s2.png"
  read -r w h < <(od -An -tu1 -j16 -N8 "$t/s2.png" | awk '{ print $1*16777216 + $2*65536 + $3*256 + $4, $5*16777216 + $6*65536 + $7*256 + $8 }')
  [ "$w" = 806 ] && [ "$h" = 129 ] && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL: --fft 256 --hop 256: ${w}x${h}, want 806x129 (62 frames x 13)"; }
fi

expect 1 "missing input" -- "$bin" audio spectrogram "$t/a.wav" "$t/missing.wav" -o "$t/bad.svg"
grep_inF err "$t/missing.wav: cannot open" "missing input named"
echo "not audio" >"$t/text.wav"
expect 1 "not an audio file" -- "$bin" audio spectrogram "$t/text.wav" -o "$t/bad.svg"
grep_inF err "$t/text.wav: " "non-audio input named"
[ ! -e "$t/bad.svg" ] && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL: a failed run left bad.svg"; }
"$ref" --gen "$t/long.wav" 16000 60 || exit 1
expect 1 "too many cells for one picture" -- "$bin" audio spectrogram "$t/long.wav" --fft 256 --hop 1 -o "$t/bad.svg"
grep_inF err "$t/long.wav: 959745 frames x 129 bins are too many for one picture" "too many cells: named, with the counts"
expect 2 "-o with another extension" -- "$bin" audio spectrogram "$t/a.wav" -o "$t/s.jpg"
expect 2 "odd --fft" -- "$bin" audio spectrogram "$t/a.wav" --fft 511 -o "$t/s.svg"
expect 2 "no -o" -- "$bin" audio spectrogram "$t/a.wav"
expect 2 "no input" -- "$bin" audio spectrogram -o "$t/s.svg"
finish test_audio_spectrogram
