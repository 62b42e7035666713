#!/usr/bin/env bash
# test_reproduce_smoke.sh — the smoke run of tools/reproduce.sh (--budget 10, slow): it fetches or
# renders its data (DNA, spoken digits, long-form speech) and fails, never skips, when it cannot
# (test_reproduce_check plants failed fetches); then RESULTS.md must be well formed and agree with
# the configs: one section per experiment with the paper's finding and the data of plan.tsv, a
# table whose header and rows have nine columns (eleven for speech-unet: IS and FID, or "scorer
# not available in this build"), every arm of tools/reproduce/plan.tsv with its parameter count
# equal to what `ssmkit train --dry-run` prints for its config, within the tolerance of
# experiments.tsv of the first arm's, tokens per update = length x batch of plan.tsv and the same
# for every arm, the same updates and total tokens for every arm, updates as the budget rule gives
# them (tools/reproduce/README.md), the per-seed numbers that metrics.tsv holds with their mean and
# spread, a verdict line, a plot file per experiment, the throughput table, the wall time and the
# commands (one train command per arm and seed with the updates, length and batch of its row).
# Data: $SSMKIT_REPRO_DATA if set (kept between runs), else a fresh folder. $SSMKIT_REPRO_OUT, if
# set, is the run's folder (kept; a rerun there reuses the arms already trained).
bin=${SSMKIT_BIN:?} root=${SSMKIT_SRC:?}
. "$(dirname "$0")/lib.sh"
data=${SSMKIT_REPRO_DATA:-$t/data} o=${SSMKIT_REPRO_OUT:-$t/o}
expect 0 "reproduce.sh --budget 10" -- env SSMKIT="$bin" nice bash "$root/tools/reproduce.sh" --budget 10 --out "$o" --data "$data"
[ "$fail" -eq 0 ] || { tail -30 "$t/err"; finish test_reproduce_smoke; exit 1; }
cp "$o/RESULTS.md" "$t/R"
# SSMKIT_REPRO_KEEP=DIR: keep the run's RESULTS.md and logs there
[ -n "${SSMKIT_REPRO_KEEP:-}" ] && mkdir -p "$SSMKIT_REPRO_KEEP" && cp -r "$o/RESULTS.md" "$o/runs" "$o/plots" "$t/out" "$SSMKIT_REPRO_KEEP/"
cfg=$root/tools/reproduce
exps=$(grep -v '^#' "$cfg/experiments.tsv" | cut -f1)
tw=$(grep -v '^#' "$cfg/experiments.tsv" | awk -F'\t' '{ s += $2 } END { print s }')
cells() { awk -F'|' -v c="$1" '{ x = $(c + 1); gsub(/^ +| +$/, "", x); print x }'; }
for e in $exps; do
  grep_in R "^## $e\$" "section $e"
  # the section: from its heading to the next
  awk -v e="## $e" '$0 == e { on = 1; next } /^## / { on = 0 } on' "$t/R" >"$t/sec"
  grep_inF sec "Paper: $(awk -F'\t' -v e="$e" '$1 == e { print $7 }' "$cfg/experiments.tsv")." "$e: the paper's finding"
  grep_inF sec "Data: $(grep -v '^#' "$cfg/plan.tsv" | awk -F'\t' -v e="$e" '$1 == e { print $8; exit }') (every arm)." "$e: the data"
  grep_in sec '^| arm | parameters | updates | tokens per update | total tokens | seeds | ' "$e: table header"
  grep_in sec '^Verdict: \*\*\(holds\|does not hold\|unclear\)\*\* (.*; 2 seeds)\.$' "$e: verdict"
  grep_in sec "^Loss curves: \[plots/$e.svg\](plots/$e.svg)\$" "$e: the loss-curve plot"
  [ -s "$o/plots/$e.svg" ] && grep -q '<svg' "$o/plots/$e.svg" && ok || bad "$e: plots/$e.svg missing or not SVG"
  # every table row has 9 cells (11 for speech-unet: IS and FID)
  nc=11; [ "$e" = speech-unet ] && nc=13
  bad_rows=$(awk -F'|' -v n="$nc" '/^\| / && NF != n { print }' "$t/sec"); [ -z "$bad_rows" ] && ok || bad "$e: rows without $((nc - 2)) cells: $bad_rows"
  if [ "$e" = speech-unet ]; then
    if "$bin" audio score --help >/dev/null 2>&1; then
      grep_in sec '^IS/FID: `ssmkit audio score`' "$e: the scorer is used"
    else
      n_na=$(grep -c '| scorer not available in this build | scorer not available in this build |$' "$t/sec")
      [ "$n_na" -eq 3 ] && ok || bad "$e: $n_na rows say the scorer is not available, want 3"
    fi
  fi
  # the budget rule: minutes x weight / total weight / (arms x seeds) x tokens/s / tokens per update
  w=$(awk -F'\t' -v e="$e" '$1 == e { print $2 }' "$cfg/experiments.tsv") rate=$(awk -F'\t' -v e="$e" '$1 == e { print $3 }' "$cfg/experiments.tsv")
  tol=$(awk -F'\t' -v e="$e" '$1 == e { print $4 }' "$cfg/experiments.tsv")
  narms=$(grep -v '^#' "$cfg/plan.tsv" | awk -F'\t' -v e="$e" '$1 == e' | wc -l)
  total0="" tpu0="" u0="" p0=""
  while IFS=$'\t' read -r _ arm conf L B share init _; do
    if [ "$conf" = "-" ]; then conf=$(awk -F'\t' -v e="${init%%/*}" -v r="${init#*/}" '$1 == e && $2 == r { print $3 }' "$cfg/plan.tsv"); fi
    want=$("$bin" train --config "$cfg/$conf" -L "$L" -b "$B" --dry-run -d "$o/runs/dry.tok" 2>&1 | sed -n 's/.*, \([0-9]*\) parameters,.*/\1/p')
    row=$(awk -F'|' -v a="$arm" '{ g = $2; gsub(/ /, "", g) } g == a' "$t/sec")
    got=$(echo "$row" | cells 2) u=$(echo "$row" | cells 3) tpu=$(echo "$row" | cells 4) tot=$(echo "$row" | cells 5)
    nseed=$(echo "$row" | cells 6) vals=$(echo "$row" | cells 7) mean=$(echo "$row" | cells 8) spread=$(echo "$row" | cells 9)
    first_L=$(grep -v '^#' "$cfg/plan.tsv" | awk -F'\t' -v e="$e" '$1 == e { print $4 * $5; exit }')
    base=$(( 10 * 60 * w / tw / (narms * 2) * rate / first_L )); [ "$base" -lt 2 ] && base=2
    wantu=$(awk -v b="$base" -v s="$share" 'BEGIN { printf "%d", b * s + 0.5 }')
    [ -n "$want" ] && [ "$got" = "$want" ] && ok || bad "$e/$arm: $got parameters in RESULTS.md, the dry run of $conf gives $want"
    [ "$tpu" = $((L * B)) ] && ok || bad "$e/$arm: $tpu tokens per update, plan.tsv gives $L x $B"
    [ "$u" = "$wantu" ] && ok || bad "$e/$arm: $u updates, the budget rule gives $wantu"
    [ "$tot" = $((u * tpu)) ] && ok || bad "$e/$arm: total $tot is not $u x $tpu"
    [ "$nseed" = 2 ] && ok || bad "$e/$arm: $nseed seeds"
    # the per-seed numbers are metrics.tsv's, the mean and spread follow from them
    mv_=$(awk -F'\t' -v e="$e" -v r="$arm" '$1 == e && $2 == r { printf "%s%.4f", (n++ ? ", " : ""), $4 }' "$o/metrics.tsv")
    [ -n "$vals" ] && [ "$vals" = "$mv_" ] && ok || bad "$e/$arm: per-seed '$vals', metrics.tsv '$mv_'"
    awk -v l="$vals" -v m="$mean" -v s="$spread" 'BEGIN { n = split(l, v, ", "); lo = hi = v[1]; for (i = 1; i <= n; i++) { t += v[i]; if (v[i] < lo) lo = v[i]; if (v[i] > hi) hi = v[i] }
      exit !(n == 2 && (t / n - m) ^ 2 < 3e-8 && (hi - lo - s) ^ 2 < 3e-8) }' && ok || bad "$e/$arm: mean $mean / spread $spread do not follow from $vals"
    # fairness against the first arm
    if [ -z "$total0" ]; then total0=$tot tpu0=$tpu u0=$u p0=$got; else
      [ "$tot" = "$total0" ] && [ "$tpu" = "$tpu0" ] && [ "$u" = "$u0" ] && ok || bad "$e/$arm: $u x $tpu = $tot, first arm $u0 x $tpu0 = $total0"
      awk -v p="$got" -v q="$p0" -v t="$tol" 'BEGIN { d = (p - q) / q; exit !(d <= t && -d <= t) }' && ok || bad "$e/$arm: $got parameters, first arm $p0 (tolerance $tol)"
    fi
    # the commands: one train (or finetune) command per seed with these updates and this length
    for s in 1 2; do
      if [ "$init" = "-" ]; then pat="train --config .*/$conf .* -L $L -b $B -n $u .* -s $s "
      else pat="finetune --init .*/${init#*/}\.s$s\.safetensors .* -L $L -b $B .* --steps-per-epoch $u .* -s $s "; fi
      grep -q -- "$pat" "$o/commands.sh" && ok || bad "$e/$arm seed $s: no command matching '$pat' in commands.sh"
    done
  done < <(grep -v '^#' "$cfg/plan.tsv" | awk -F'\t' -v e="$e" '$1 == e')
  # the verdict, worked out again from metrics.tsv and the claims of experiments.tsv
  better=$(awk -F'\t' -v e="$e" '$1 == e { print $6 }' "$cfg/experiments.tsv")
  spec=$(awk -F'\t' -v e="$e" '$1 == e { print $8 }' "$cfg/experiments.tsv")
  nh=0 nr=0 no=0 reasons=""
  for chain in ${spec//,/ }; do
    mapfile -t parts < <(echo "$chain" | sed 's/>=/ >= /g; s/>\([^=]\)/ > \1/g' | tr ' ' '\n' | grep .)
    for ((i = 0; i + 2 < ${#parts[@]}; i += 2)); do
      x=${parts[$i]} op=${parts[$((i + 1))]} y=${parts[$((i + 2))]}
      r=$(awk -F'\t' -v e="$e" -v x="$x" -v y="$y" -v b="$better" -v op="$op" '
        $1 == e && ($2 == x || $2 == y) { a = ($2 == x) ? "x" : "y"; if (!(a in mn) || $4 < mn[a]) mn[a] = $4; if (!(a in mx) || $4 > mx[a]) mx[a] = $4 }
        END { xb = (b == "low") ? mx["x"] < mn["y"] : mn["x"] > mx["y"]; yb = (b == "low") ? mx["y"] < mn["x"] : mn["y"] > mx["x"]
              print xb ? "holds" : yb ? "reversed" : op == ">=" ? "holds (overlap allowed)" : "spreads overlap" }' "$o/metrics.tsv")
      case $r in holds*) nh=$((nh + 1)) ;; reversed) nr=$((nr + 1)) ;; *) no=$((no + 1)) ;; esac
      reasons="$reasons${reasons:+; }$x $op $y: $r"
    done
  done
  if [ $nr -gt 0 ]; then v="does not hold"; elif [ $no -gt 0 ] || [ $nh -eq 0 ]; then v=unclear; else v=holds; fi
  grep_inF sec "Verdict: **$v** ($reasons; 2 seeds)." "$e: the verdict follows from metrics.tsv"
  # naive Bayes beside the fine-tuned arms
  case $e in species|vertebrates) grep_in sec '^| naive-bayes-L1k | - | - | - | - | 2 | ' "$e: the naive Bayes row" ;; esac
done
grep_in R '^Wall time: [0-9]* min [0-9]* s' "wall time"
grep_in R '^## Budget and throughput' "throughput section"
grep_in R '^Full run (--budget 240, estimated from these rates): about [0-9]* h [0-9]* min:' "the full-run estimate"
grep_in R '^## Commands' "commands section"
grep_in out '^budget: 10 minutes over 6 experiment(s), 2 seeds; every check passed' "the budget line is printed"
# A rerun of speech-unet reuses every arm's training and its clips and scores (nothing generated
# again), with the same IS and FID rows.
if "$bin" audio score --help >/dev/null 2>&1; then
  sort "$o/scores.tsv" >"$t/scores1"
  expect 0 "a rerun of speech-unet" -- env SSMKIT="$bin" nice bash "$root/tools/reproduce.sh" --budget 10 --only speech-unet --out "$o" --data "$data"
  [ "$(grep -c '^  clips and scores reused' "$t/err")" = 6 ] && ok || bad "the rerun generated clips again: $(grep -c '^  clips and scores reused' "$t/err") of 6 reused"
  sort "$o/scores.tsv" | cmp -s - "$t/scores1" && ok || bad "the rerun's IS/FID rows differ from the first run's"
fi
# A rerun whose fine-tuning command changed (another lr) trains that arm again over the earlier
# run's files instead of reusing it or stopping; on a copy of what --only vertebrates needs.
mkdir -p "$t/o2/runs/dna-context" && cp -r "$o/runs/vertebrates" "$t/o2/runs/" && cp "$o"/runs/dna-context/L1k.s[12].safetensors "$t/o2/runs/dna-context/"
cp -r "$cfg" "$t/cfg2" && awk -F'\t' 'BEGIN { OFS = "\t" } $1 == "vertebrates" { $5 = $5 * 2 } { print }' "$cfg/experiments.tsv" >"$t/cfg2/experiments.tsv"
lr2=$(awk -F'\t' '$1 == "vertebrates" { print $5 }' "$t/cfg2/experiments.tsv")
expect 0 "a rerun with another fine-tuning lr" -- env SSMKIT="$bin" nice bash "$root/tools/reproduce.sh" --budget 10 --only vertebrates --configs "$t/cfg2" --out "$t/o2" --data "$data"
! grep -q 'reused .*vertebrates/L1k' "$t/err" && ok || bad "the vertebrates arm was reused although its lr changed"
[ "$(grep -c "finetune .* --lr $lr2 " "$t/o2/commands.sh")" = 2 ] && ok || bad "commands.sh: want 2 finetune commands with --lr $lr2"
[ "$(awk -F'\t' '$1 == "vertebrates" && $2 == "L1k"' "$t/o2/metrics.tsv" | wc -l)" = 2 ] && ok || bad "metrics.tsv: want 2 vertebrates L1k rows"
finish test_reproduce_smoke
