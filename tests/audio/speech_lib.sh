# speech_lib.sh — sourced (after tests/cli/lib.sh) by the slow speech tests. speech_digits VOICES
# REPS skips (exit 77) only for what is outside this repository (espeak-ng missing or unable to
# speak, an ssmkit built without the audio front-end), sets start (seconds), then renders VOICES
# espeak-ng voices x 10 digits x REPS takes split by voice (tools/fetch-speech-digits.sh) into $t/d
# and prepares them as the audio shard $t/d.shard. A failure of ssmkit itself fails the test.
speech_digits() {
  command -v espeak-ng >/dev/null || { echo "SKIP: espeak-ng not installed (tools/deps.sh)"; exit 77; }
  espeak-ng -v en-us -w "$t/probe.wav" zero >/dev/null 2>&1 || { echo "SKIP: espeak-ng cannot speak (broken install)"; exit 77; }
  "$bin" --version >"$t/version" || { echo "FAIL: ssmkit --version"; exit 1; }
  grep -q '^features:.* audio' "$t/version" || { echo "SKIP: ssmkit built without the audio front-end"; exit 77; }
  start=$(date +%s)
  SSMKIT="$bin" VOICES=$1 "$SSMKIT_SRC/tools/fetch-speech-digits.sh" "$t/d" "$2" 1 2>"$t/fetch.err" ||
    { cat "$t/fetch.err"; echo "FAIL: the digits could not be generated (ssmkit audio info/convert)"; exit 1; }
  expect 0 "prep" -- "$bin" audio prep "$t"/d/{zero,one,two,three,four,five,six,seven,eight,nine} --split-lists "$t/d" -o "$t/d.shard" -q
}
