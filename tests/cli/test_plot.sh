#!/usr/bin/env bash
# test_plot.sh — ssmkit plot: two logs written here with known values (a train log: start line,
# updates, validations; a finetune log: train_loss in nats, accuracies, a nested confusion array,
# a null) are drawn; the SVG is parsed with awk: one polyline per run and series, and every
# vertex mapped back through its axes box (data-left/width/x0/x1...) gives the logged value
# (within 0.01 pixel of rounding); --x tokens multiplies steps by the start line's tokens per
# update; the output is byte-identical on a second run; bad logs (empty, not JSON lines, no
# step, missing) fail with exit 1 naming the file and line, and write nothing.
set -u
bin=${SSMKIT_BIN:?}
. "${SSMKIT_SRC:?}/tests/cli/lib.sh"

mkdir -p "$t/ft"
# expected values: "RUN SERIES X Y" in log order, beside the logs themselves
awk -v dir="$t" 'BEGIN {
  a = dir "/a.log.jsonl"; b = dir "/ft/b.log.jsonl"; e = dir "/expected"
  print "{\"step\":0,\"event\":\"start\",\"train\":{\"batch\":4,\"length\":100,\"accum\":1,\"lr\":0.001},\"config\":{\"arch\":\"mamba-lm\"},\"params\":10}" > a
  for (s = 1; s <= 30; s++) {
    bits = 8 - 0.1 * s + 0.002 * s * s; lr = 0.001 * (1 - s / 40)
    printf "{\"step\":%d,\"loss\":%.17g,\"bits\":%.17g,\"lr\":%.17g,\"grad_norm\":1,\"tokens_per_s\":5,\"elapsed_s\":0.1}\n", s, bits * log(2), bits, lr > a
    printf "a train_bits %d %.17g\n", s, bits > e
    printf "a lr %d %.17g\n", s, lr > (e ".lr")
    if (s % 10 == 0) {
      v = 7.5 - 0.05 * s
      printf "{\"step\":%d,\"valid_loss\":1,\"valid_bits\":%.17g,\"valid_targets\":99,\"best\":true,\"eval_s\":0.2}\n", s, v > a
      printf "a valid_bits %d %.17g\n", s, v > (e ".valid")
    }
  }
  for (s = 50; s <= 250; s += 50) {
    nats = 1.2 / (1 + s / 100); lr = 0.01 * (1 - s / 300); va = 0.4 + s / 500; ta = (s == 150) ? "null" : sprintf("%.17g", 0.35 + s / 600)
    printf "{\"step\":%d,\"train_loss\":%.17g,\"lr\":%.17g,\"grad_norm\":2,\"valid_accuracy\":%.17g,\"valid_confusion\":[[3,1],[0,4]],\"test_accuracy\":%s,\"elapsed_s\":1}\n", s, nats, lr, va, ta > b
    printf "ft/b train_bits %d %.17g\n", s, nats / log(2) > (e ".b1")
    printf "ft/b lr %d %.17g\n", s, lr > (e ".b2")
    printf "ft/b valid_accuracy %d %.17g\n", s, va > (e ".b3")
    if (ta != "null") printf "ft/b test_accuracy %d %.17g\n", s, ta > (e ".b4")
  }
}'
cat "$t/expected.valid" "$t/expected.lr" "$t/expected.b1" "$t/expected.b2" "$t/expected.b3" "$t/expected.b4" >>"$t/expected"
sort -k1,1 -k2,2 -s "$t/expected" >"$t/want"

# svg_points FILE: "RUN SERIES X Y" for every polyline vertex, mapped back through its axes box
svg_points() {
  awk '
    function attr(s, name,   m) { if (match(s, name "=\"[^\"]*\"")) { m = substr(s, RSTART + length(name) + 2, RLENGTH - length(name) - 3); return m } return "" }
    /<g class="axes"/ { L = attr($0, "data-left"); T = attr($0, "data-top"); W = attr($0, "data-width"); H = attr($0, "data-height")
                        X0 = attr($0, "data-x0"); X1 = attr($0, "data-x1"); Y0 = attr($0, "data-y0"); Y1 = attr($0, "data-y1") }
    /<polyline/ { run = attr($0, "data-run"); ser = attr($0, "data-series"); n = split(attr($0, "points"), p, " ")
                  for (i = 1; i <= n; i++) { split(p[i], c, ",")
                    printf "%s %s %.10g %.10g %.10g %.10g\n", run, ser, X0 + (c[1] - L) / W * (X1 - X0), Y0 + (T + H - c[2]) / H * (Y1 - Y0),
                           (X1 - X0) / W * 0.0051, (Y1 - Y0) / H * 0.0051 } }' "$1"
}
# compare WANT GOT XSCALE: same runs, series and point counts; every value within its rounding
compare() {
  if paste -d' ' "$1" "$2" | awk -v xs="$3" '
      NF != 10 || $1 != $5 || $2 != $6 { print "FAIL: vertex " NR ": want " $1 " " $2 ", got " $5 " " $6; bad = 1; exit }
      { dx = $3 * xs - $7; dy = $4 - $8; if (dx < 0) dx = -dx; if (dy < 0) dy = -dy
        if (dx > $9 || dy > $10) { print "FAIL: " $1 " " $2 " vertex " NR ": want (" $3 * xs ", " $4 "), got (" $7 ", " $8 ")"; bad = 1 } }
      END { exit bad }' && [ "$(wc -l <"$1")" -eq "$(wc -l <"$2")" ]; then pass=$((pass+1))
  else fail=$((fail+1)); echo "FAIL: $4 ($(wc -l <"$1") values logged, $(wc -l <"$2") vertices)"; fi
}

expect 0 "plot two runs" -- "$bin" plot "$t/a.log.jsonl" "$t/ft/b.log.jsonl" -o "$t/curves.svg"
sed "s#^$t/##" <(svg_points "$t/curves.svg") | sort -k1,1 -k2,2 -s >"$t/got"
n_lines=$(grep -c '<polyline[^>]*class="series"' "$t/curves.svg")
[ "$n_lines" -eq 7 ] && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL: $n_lines series polylines, want 7 (3 + 4)"; }
for s in a:train_bits a:valid_bits a:lr ft/b:train_bits ft/b:lr ft/b:valid_accuracy ft/b:test_accuracy; do
  grep -q "data-run=\"$t/${s%%:*}\" data-series=\"${s#*:}\"" "$t/curves.svg" && pass=$((pass+1)) ||
    { fail=$((fail+1)); echo "FAIL: no polyline for $s"; }
done
compare "$t/want" "$t/got" 1 "every vertex maps back to its logged value (steps)"
grep_inF curves.svg ">$t/a</text>" "legend names run a"
grep_inF curves.svg ">$t/ft/b</text>" "legend names run ft/b"
grep_in curves.svg 'data-name="accuracy"' "an accuracy panel"

expect 0 "plot again" -- "$bin" plot "$t/a.log.jsonl" "$t/ft/b.log.jsonl" -o "$t/again.svg"
cmp -s "$t/curves.svg" "$t/again.svg" && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL: the same logs gave different SVG bytes"; }

expect 0 "plot --x tokens" -- "$bin" plot --x tokens "$t/a.log.jsonl" -o "$t/tokens.svg"
grep '^a ' "$t/want" >"$t/want_a"
sed "s#^$t/##" <(svg_points "$t/tokens.svg") | sort -k1,1 -k2,2 -s >"$t/got_a"
compare "$t/want_a" "$t/got_a" 400 "--x tokens: x = step x 4 x 100"
expect 1 "--x tokens without a start line" -- "$bin" plot --x tokens "$t/ft/b.log.jsonl" -o "$t/no.svg"
grep_inF err "$t/ft/b.log.jsonl: line 1: --x tokens needs a start line" "--x tokens error names the file and line"

# a run still writing: a torn last line is skipped with a warning
cp "$t/a.log.jsonl" "$t/torn.log.jsonl"; printf '{"step":31,"bits":7.' >>"$t/torn.log.jsonl"
expect 0 "torn last line" -- "$bin" plot "$t/torn.log.jsonl" -o "$t/torn.svg"
grep_inF err "torn.log.jsonl: line 35: incomplete last line ignored" "torn line: warning names the line"

: >"$t/empty.log.jsonl"
expect 1 "empty log" -- "$bin" plot "$t/a.log.jsonl" "$t/empty.log.jsonl" -o "$t/bad.svg"
grep_in err "^ssmkit: error: $t/empty.log.jsonl: empty log" "empty log: named"
{ head -2 "$t/a.log.jsonl"; echo "step 3 loss 2.0"; tail -3 "$t/a.log.jsonl"; } >"$t/text.log.jsonl"
expect 1 "not JSON lines" -- "$bin" plot "$t/text.log.jsonl" -o "$t/bad.svg"
grep_in err "^ssmkit: error: $t/text.log.jsonl: line 3: not a JSON object" "not JSON lines: file and line named"
{ head -3 "$t/a.log.jsonl"; echo '{"loss":2}'; } >"$t/nostep.log.jsonl"
expect 1 "a line without step" -- "$bin" plot "$t/nostep.log.jsonl" -o "$t/bad.svg"
grep_in err "^ssmkit: error: $t/nostep.log.jsonl: line 4: no integer \"step\"" "no step: file and line named"
echo '{"step":1,"event":"start"}' >"$t/novalues.log.jsonl"
expect 1 "a log without values" -- "$bin" plot "$t/novalues.log.jsonl" -o "$t/bad.svg"
grep_in err "novalues.log.jsonl: no loss, learning-rate or accuracy values" "no values: named"
expect 1 "missing log" -- "$bin" plot "$t/missing.log.jsonl" -o "$t/bad.svg"
grep_inF err "$t/missing.log.jsonl: cannot open" "missing log: named"
[ ! -e "$t/bad.svg" ] && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL: a failed plot left bad.svg"; }
expect 2 "no -o" -- "$bin" plot "$t/a.log.jsonl"
expect 2 "no logs" -- "$bin" plot -o "$t/x.svg"
expect 2 "bad --x" -- "$bin" plot --x time "$t/a.log.jsonl" -o "$t/x.svg"
finish test_plot
