#!/usr/bin/env bash
# test_reproduce_smoke.sh — the smoke run of tools/reproduce.sh (--budget 10, slow): it fetches or
# renders its data (DNA, spoken digits, long-form speech) and fails, never skips, when it cannot;
# then RESULTS.md must be well formed: one section per experiment with the paper's finding, a
# table whose header and rows have the nine columns, every arm of tools/reproduce/plan.tsv with
# its parameter count equal to what `ssmkit train --dry-run` prints for its config, updates x
# tokens per update equal within the experiment, a number per seed, a verdict line, and the wall
# time and the commands. Data: $SSMKIT_REPRO_DATA if set (kept between runs), else a fresh folder.
bin=${SSMKIT_BIN:?} root=${SSMKIT_SRC:?}
. "$(dirname "$0")/lib.sh"
data=${SSMKIT_REPRO_DATA:-$t/data}
expect 0 "reproduce.sh --budget 10" -- env SSMKIT="$bin" nice bash "$root/tools/reproduce.sh" --budget 10 --out "$t/o" --data "$data"
[ "$fail" -eq 0 ] || { tail -30 "$t/err"; finish test_reproduce_smoke; exit 1; }
cp "$t/o/RESULTS.md" "$t/R"
# SSMKIT_REPRO_KEEP=DIR: keep the run's RESULTS.md and logs there
[ -n "${SSMKIT_REPRO_KEEP:-}" ] && mkdir -p "$SSMKIT_REPRO_KEEP" && cp -r "$t/o/RESULTS.md" "$t/o/runs" "$t/out" "$SSMKIT_REPRO_KEEP/"
cfg=$root/tools/reproduce
exps=$(grep -v '^#' "$cfg/experiments.tsv" | cut -f1)
for e in $exps; do
  grep_in R "^## $e\$" "section $e"
  # the section: from its heading to the next
  awk -v e="## $e" '$0 == e { on = 1; next } /^## / { on = 0 } on' "$t/R" >"$t/sec"
  grep_in sec '^Paper: .' "$e: the paper's finding"
  grep_in sec '^| arm | parameters | updates | tokens per update | total tokens | seeds | ' "$e: table header"
  grep_in sec '^Verdict: \*\*\(holds\|does not hold\|unclear\)\*\* (.*; 2 seeds)\.$' "$e: verdict"
  # every table row has 9 cells; each arm's row: parameters from the dry run, total = updates x tokens
  bad=$(awk -F'|' '/^\| / && NF != 11 { print }' "$t/sec"); [ -z "$bad" ] && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL: $e: rows without 9 cells: $bad"; }
  total0=""
  while IFS=$'\t' read -r _ arm conf L B _ init; do
    if [ "$conf" = "-" ]; then conf=$(awk -F'\t' -v e="${init%%/*}" -v r="${init#*/}" '$1 == e && $2 == r { print $3 }' "$cfg/plan.tsv"); fi
    want=$("$bin" train --config "$cfg/$conf" -L "$L" -b "$B" --dry-run -d "$t/o/runs/dry.tok" 2>&1 | sed -n 's/.*, \([0-9]*\) parameters,.*/\1/p')
    row=$(awk -F'|' -v a="$arm" '{ g = $2; gsub(/ /, "", g) } g == a' "$t/sec")
    got=$(echo "$row" | awk -F'|' '{ gsub(/ /, "", $3); print $3 }')
    u=$(echo "$row" | awk -F'|' '{ print $4 + 0 }') tpu=$(echo "$row" | awk -F'|' '{ print $5 + 0 }') tot=$(echo "$row" | awk -F'|' '{ print $6 + 0 }')
    seeds=$(echo "$row" | awk -F'|' '{ print $8 }' | tr ',' '\n' | grep -c '[0-9]')
    if [ -n "$want" ] && [ "$got" = "$want" ] && [ "$tpu" -eq $((L * B)) ] && [ "$tot" -eq $((u * L * B)) ] && [ "$u" -ge 1 ] && [ "$seeds" -eq 2 ]; then
      pass=$((pass+1))
    else
      fail=$((fail+1)); echo "FAIL: $e/$arm: row '$row' (want $want parameters, $((L * B)) tokens per update, 2 seeds)"
    fi
    [ -z "$total0" ] && total0=$tot
    [ "$tot" = "$total0" ] && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL: $e/$arm: total tokens $tot, first arm $total0"; }
  done < <(grep -v '^#' "$cfg/plan.tsv" | awk -F'\t' -v e="$e" '$1 == e')
done
grep_in R '^Wall time: [0-9]* min [0-9]* s' "wall time"
grep_in R '^## Commands' "commands section"
grep_in R 'ssmkit train --config' "train commands listed"
grep_in R '^IS/FID: ' "IS/FID line"
grep_in R '^Loss curves: ' "loss-curve line"
grep_in out '^budget: 10 minutes over 6 experiment(s), 2 seeds; every check passed' "the budget line is printed"
finish test_reproduce_smoke
