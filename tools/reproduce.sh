#!/usr/bin/env bash
# reproduce.sh [--budget MINUTES] [--only NAME] [--out DIR] [--seeds N] [--data DIR] [--configs DIR]
#              [--check]
# Runs the comparisons of the Mamba paper's DNA and audio sections at CPU scale, every arm of a
# comparison at equal compute, and writes OUT/RESULTS.md: per experiment the paper's finding in our
# words, the measured numbers per seed with their mean and spread, and a verdict (holds / does not
# hold / unclear, with the reason). The arms are tools/reproduce/plan.tsv, the experiments and their
# shares of the budget tools/reproduce/experiments.tsv, the models the JSON configs beside them.
#
# Before anything is fetched or trained, every arm's parameter count is read from
# `ssmkit train --dry-run` and its updates x tokens per update worked out; an experiment whose arms
# differ by more than its parameter tolerance, or in updates x tokens per update, is refused (exit 1)
# with the numbers. --check stops after that check (no data, no training).
#
# Data: OUT/data unless --data: tools/fetch-dna.sh, tools/fetch-speech-digits.sh and
# tools/fetch-longform-speech.sh are run for what is missing; a failed fetch ends the run (exit 1).
# Environment: SSMKIT (the binary; default build/tools/ssmkit), THREADS (kernel threads, default 0 =
# all cores).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
ssmkit=${SSMKIT:-$root/build/tools/ssmkit}
threads=${THREADS:-0}
thr=(); [ "$threads" != 0 ] && thr=(-@ "$threads")  # eval takes no 0 (all cores is its default)
budget=240 only="" out=reproduce-out seeds=2 data="" cfg=$here/reproduce check=0
usage() { echo "usage: tools/reproduce.sh [--budget MINUTES] [--only NAME] [--out DIR] [--seeds N] [--data DIR] [--configs DIR] [--check]" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case $1 in
    --budget) budget=${2:?}; shift 2 ;;
    --only) only=${2:?}; shift 2 ;;
    --out) out=${2:?}; shift 2 ;;
    --seeds) seeds=${2:?}; shift 2 ;;
    --data) data=${2:?}; shift 2 ;;
    --configs) cfg=${2:?}; shift 2 ;;
    --check) check=1; shift ;;
    -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) usage ;;
  esac
done
[[ $budget =~ ^[0-9]+$ ]] && [ "$budget" -ge 1 ] || { echo "reproduce.sh: --budget must be a whole number of minutes >= 1" >&2; exit 2; }
[[ $seeds =~ ^[0-9]+$ ]] && [ "$seeds" -ge 2 ] || { echo "reproduce.sh: --seeds must be >= 2 (the spread needs two)" >&2; exit 2; }
[ -x "$ssmkit" ] || { echo "reproduce.sh: $ssmkit not found: build ssmkit or set SSMKIT" >&2; exit 1; }
die() { echo "reproduce.sh: $*" >&2; exit 1; }
plan=$cfg/plan.tsv exps=$cfg/experiments.tsv
[ -f "$plan" ] && [ -f "$exps" ] || die "$cfg: plan.tsv and experiments.tsv needed"
data=${data:-$out/data}
mkdir -p "$out/runs"
out=$(cd "$out" && pwd)
mkdir -p "$data"; data=$(cd "$data" && pwd)
t0=$(date +%s)

# ---- the experiments chosen, their budget share and their updates ----
mapfile -t elines < <(grep -v '^#' "$exps" | awk -F'\t' 'NF >= 7')
names=() total_w=0
for l in "${elines[@]}"; do
  IFS=$'\t' read -r n w _ <<<"$l"
  [ -n "$only" ] && [ "$n" != "$only" ] && continue
  names+=("$n"); total_w=$((total_w + w))
done
[ ${#names[@]} -gt 0 ] || die "--only $only: no such experiment (see $exps)"
field() { # field EXPERIMENT COLUMN (1-based) of experiments.tsv
  printf '%s\n' "${elines[@]}" | awk -F'\t' -v n="$1" -v c="$2" '$1 == n { print $c }'
}
arms() { grep -v '^#' "$plan" | awk -F'\t' -v n="$1" '$1 == n && NF >= 7'; }

params_of() { # params_of CONFIG LENGTH BATCH -> parameter count from the dry run
  "$ssmkit" train --config "$1" -L "$2" -b "$3" --dry-run -d "$dryfile" 2>&1 |
    sed -n 's/.*, \([0-9][0-9]*\) parameters,.*/\1/p' | head -1
}
dryfile=$out/runs/dry.tok; head -c 70000 /dev/zero | tr '\0' '\7' >"$dryfile"

# updates of an experiment: its minutes over arms x seeds, times the throughput estimate, over the
# tokens per update of its first arm (all arms have the same tokens per update or are refused)
declare -A UPD PAR TPU
printf '%-16s %-14s %10s %8s %6s %8s %14s\n' experiment arm parameters length batch updates tokens
for n in "${names[@]}"; do
  w=$(field "$n" 2) rate=$(field "$n" 3) tol=$(field "$n" 4)
  mapfile -t al < <(arms "$n")
  [ ${#al[@]} -ge 1 ] || die "$n: no arms in $plan"
  secs=$(( budget * 60 * w / total_w / (${#al[@]} * seeds) ))
  IFS=$'\t' read -r _ _ _ L0 B0 _ _ <<<"${al[0]}"
  base=$(( secs * rate / (L0 * B0) )); [ "$base" -lt 2 ] && base=2
  p0="" a0="" work0=""
  for a in "${al[@]}"; do
    IFS=$'\t' read -r _ arm conf L B share init <<<"$a"
    if [ "$conf" = "-" ]; then  # fine-tuned from another experiment's arm: that arm's config
      conf=$(grep -v '^#' "$plan" | awk -F'\t' -v e="${init%%/*}" -v r="${init#*/}" '$1 == e && $2 == r { print $3 }')
      [ -n "$conf" ] || die "$n/$arm: init $init is not an arm of $plan"
    fi
    [ -f "$cfg/$conf" ] || die "$n/$arm: config $cfg/$conf not found"
    p=$(params_of "$cfg/$conf" "$L" "$B")
    [ -n "$p" ] || die "$n/$arm: ssmkit train --dry-run of $cfg/$conf printed no parameter count"
    u=$(awk -v b="$base" -v s="$share" 'BEGIN { printf "%d", b * s + 0.5 }')
    work=$(( u * L * B ))
    printf '%-16s %-14s %10s %8s %6s %8s %14s\n' "$n" "$arm" "$p" "$L" "$B" "$u" "$work"
    k="$n/$arm"; UPD[$k]=$u PAR[$k]=$p TPU[$k]=$((L * B))
    if [ -z "$p0" ]; then p0=$p a0=$arm work0=$work; continue; fi
    awk -v p="$p" -v q="$p0" -v t="$tol" 'BEGIN { d = (p - q) / q; if (d < 0) d = -d; exit !(d <= t) }' ||
      die "refused: $n: arm $arm has $p parameters, $(awk -v p="$p" -v q="$p0" 'BEGIN { printf "%+.1f%%", 100 * (p - q) / q }') off $a0's $p0 (tolerance $(awk -v t="$tol" 'BEGIN { printf "%g%%", 100 * t }')): the comparison would not be at equal parameters"
    [ "$work" -eq "$work0" ] ||
      die "refused: $n: arm $arm gets $u updates x $((L * B)) tokens = $work tokens, $a0 gets $work0: the comparison would not be at equal compute"
  done
done
echo "budget: $budget minutes over ${#names[@]} experiment(s), $seeds seeds; every check passed"
[ "$check" = 1 ] && exit 0

# ---- data ----
fetch_dna() {
  [ -f "$data/dna/human/human.bed" ] && [ -f "$data/dna/species/e_coli.fa.gz.fai" ] && [ -f "$data/dna/vertebrates/hg38.fa.gz.fai" ] && return
  echo "fetching DNA into $data/dna" >&2
  "$root/tools/fetch-dna.sh" "$data/dna" >&2 || die "tools/fetch-dna.sh failed"
}
fetch_digits() {
  [ -f "$data/speech/digits.shard" ] && return
  echo "rendering the spoken digits into $data/speech" >&2
  SSMKIT=$ssmkit "$root/tools/fetch-speech-digits.sh" "$data/speech/digits" >&2 || die "tools/fetch-speech-digits.sh failed"
  "$ssmkit" audio prep "$data"/speech/digits/*/ --split-lists "$data/speech/digits" -o "$data/speech/digits.shard" -q >&2 ||
    die "ssmkit audio prep of the digits failed"
}
fetch_longform() {
  [ -f "$data/longform/longform.shard" ] && return
  echo "rendering long-form speech into $data/longform" >&2
  SSMKIT=$ssmkit "$root/tools/fetch-longform-speech.sh" "$data/longform/wav" >&2 || die "tools/fetch-longform-speech.sh failed"
  "$ssmkit" audio prep "$data"/longform/wav/*/ --mode chunks --length 16384 --split-lists "$data/longform/wav" \
    -o "$data/longform/longform.shard" -q >&2 || die "ssmkit audio prep of the long-form set failed"
}
test_shard() { # test_shard DIR [chunks] -> a shard of the files of DIR/testing_list.txt as its valid split
  local d=$data/$1 s=$out/shards/${1//\//-}.test.shard mode=(--mode clips)
  mkdir -p "$out/shards"
  [ "${2:-}" = chunks ] && mode=(--mode chunks --length 16384)
  if [ ! -f "$s" ]; then
    local tmp; tmp=$(mktemp -d)
    cp "$d/testing_list.txt" "$tmp/validation_list.txt"; : >"$tmp/testing_list.txt"
    mapfile -t files < <(sed "s|^|$d/|" "$d/testing_list.txt")
    "$ssmkit" audio prep "${files[@]}" "${mode[@]}" --split-lists "$tmp" -o "$s" -q >&2 || die "ssmkit audio prep of the test files of $d failed"
    rm -rf "$tmp"
  fi
  echo "$s"
}
dna_shard() { # dna_shard L -> the human windows of length L (train/valid/test from the BED)
  # Derived files go to OUT/shards, never into the data folder. Under a budget of an hour the test
  # segments are cut to their first 32 kbp (2 windows of 16k), so that the evaluations stay small.
  local s=$out/shards/human_L$1.shard bed=$out/shards/human.bed
  mkdir -p "$out/shards"
  if [ ! -f "$bed" ]; then
    awk -F'\t' -v small=$(( budget < 60 )) 'BEGIN { OFS = "\t" } small && $4 == "test" { $3 = ($3 - $2 > 32768) ? $2 + 32768 : $3 } { print }' \
      "$data/dna/human/human.bed" >"$bed"
  fi
  [ -f "$s" ] || "$ssmkit" dna windows -b "$bed" -L "$1" -q -o "$s" "$data/dna/human/human.fa.gz" >&2 ||
    die "ssmkit dna windows -L $1 failed"
  echo "$s"
}

# ---- running one arm ----
: >"$out/walltime.tsv"
cmds=$out/commands.sh
: >"$cmds"
run() { # run CMD... : logged in commands.sh, then run
  printf '%q ' "$@" >>"$cmds"; echo >>"$cmds"
  "$@"
}
metric=$out/metrics.tsv
: >"$metric"
bits_of() { awk -F'\t' '$1 ~ /^bits_per_/ { print $2; exit }' "$1"; }

train_arm() { # train_arm EXP ARM CONF L B SEED SHARD [LENGTH-WARMUP [TEST-SHARD]]
  # DNA: `ssmkit eval` on the test split of SHARD. Audio (eval scores .mulaw files, not shards):
  # TEST-SHARD holds the test files as its valid split and is the trainer's --valid; the number is
  # the final validation of the log.
  local e=$1 arm=$2 conf=$3 L=$4 B=$5 seed=$6 shard=$7 lw=${8:-0} test=${9:-} lr stem u
  lr=$(field "$e" 5) u=${UPD[$e/$arm]}
  stem=$out/runs/$e/${arm//\//-}.s$seed; mkdir -p "$(dirname "$stem")"
  local extra=()
  if [ "$lw" = 1 ] && [ "$L" -gt 1024 ]; then
    # length warm-up: half of the updates spread over the powers of two below L; none when there
    # are fewer updates than 2 per stage (the smoke run), as the train log's start line shows
    local k=0 l=1024; while [ $l -lt "$L" ]; do k=$((k + 1)); l=$((l * 2)); done
    [ $(( u / (2 * k) )) -ge 1 ] && extra=(--length-warmup $(( u / (2 * k) )) --warmup-from 1024 --tokens-per-step $((L * B)))
  fi
  # the trainer's final validation: the reported number for audio (the whole test set, or 4 batches
  # in the smoke run); for DNA only a glance at the valid split (the number is eval's, below)
  if [ -n "$test" ]; then extra+=(--valid "$test" --eval-batches "$(( budget >= 60 ? 0 : 4 ))"); else extra+=(--eval-batches 2); fi
  run "$ssmkit" train --config "$cfg/$conf" -d "$shard" -o "$stem.safetensors" --overwrite -q \
    -L "$L" -b "$B" -n "$u" --lr "$lr" --warmup $(( u / 10 > 0 ? u / 10 : 1 )) --eval-every 0 \
    --ckpt-every 0 --log-every 1 -s "$seed" "${thr[@]}" "${extra[@]}" >"$stem.train.out" 2>&1 ||
    die "$e/$arm seed $seed: training failed (see $stem.train.out)"
  local bits
  if [ -n "$test" ]; then
    bits=$(grep -o '"valid_bits":[0-9.eE+-]*' "$stem.log.jsonl" | tail -1 | cut -d: -f2)
  else
    run "$ssmkit" eval -m "$stem.safetensors" -d "$shard" --split test -L "$L" -b 4 "${thr[@]}" -q >"$stem.eval.tsv" 2>&1 ||
      die "$e/$arm seed $seed: eval failed (see $stem.eval.tsv)"
    bits=$(bits_of "$stem.eval.tsv")
  fi
  [ -n "$bits" ] || die "$e/$arm seed $seed: no test bits (see $stem.*)"
  printf '%s\t%s\t%s\t%s\n' "$e" "$arm" "$seed" "$bits" >>"$metric"
}

finetune_arm() { # finetune_arm EXP ARM INIT L B SEED FASTA...
  local e=$1 arm=$2 init=$3 L=$4 B=$5 seed=$6 stem u lr acc; shift 6
  u=${UPD[$e/$arm]} lr=$(field "$e" 5)
  stem=$out/runs/$e/$arm.s$seed; mkdir -p "$(dirname "$stem")"
  # the smoke run (under an hour) evaluates once, on 8 windows per split
  local ntest=$(( budget >= 60 ? 256 : 8 )) ep=$(( budget >= 60 ? 2 : 1 ))
  run "$ssmkit" finetune --init "$init" --species "$@" -o "$stem.safetensors" -L "$L" -b "$B" --epochs "$ep" \
    --steps-per-epoch $(( (u + ep - 1) / ep )) --lr "$lr" --n-valid "$ntest" --n-test "$ntest" --max-n 0.1 -s "$seed" "${thr[@]}" -q \
    >"$stem.ft.out" 2>&1 || die "$e/$arm seed $seed: finetune failed (see $stem.ft.out)"
  acc=$(grep -o '"test_accuracy":[0-9.eE+-]*' "$stem.log.jsonl" | tail -1 | cut -d: -f2)
  [ -n "$acc" ] || die "$e/$arm seed $seed: no test_accuracy in $stem.log.jsonl"
  printf '%s\t%s\t%s\t%s\n' "$e" "$arm" "$seed" "$acc" >>"$metric"
}

# 6-mer multinomial naive Bayes with add-one smoothing over the 4^6 features, on windows of L bases
# drawn with the position split finetune uses (first 80% of every record train, last 10% test).
naive_bayes() { # naive_bayes L NTRAIN NTEST SEED FASTA... -> test accuracy
  local L=$1 ntr=$2 nte=$3 seed=$4 c=0 f; shift 4
  local tmp; tmp=$(mktemp -d)
  for f in "$@"; do
    awk -F'\t' -v L="$L" -v ntr="$ntr" -v nte="$nte" -v seed=$((seed * 131 + c)) '
      { name[NR] = $1; len[NR] = $2 } END {
        srand(seed)
        for (s = 0; s < 2; s++) for (i = 0; i < (s ? nte : ntr); i++) {
          for (tries = 0; tries < 100; tries++) {
            r = 1 + int(rand() * NR); lo = s ? int(0.9 * len[r]) : 0; hi = s ? len[r] : int(0.8 * len[r])
            if (hi - lo >= L) break
          }
          if (hi - lo < L) continue
          b = lo + int(rand() * (hi - lo - L + 1))
          print (s ? "test" : "train") "\t" name[r] ":" b + 1 "-" b + L
        }
      }' "$f.fai" >"$tmp/r$c"
    for s in train test; do
      awk -F'\t' -v s=$s '$1 == s { print $2 }' "$tmp/r$c" >"$tmp/q"
      samtools faidx "$f" -r "$tmp/q" | awk -v c=$c '/^>/ { if (seq != "") print c "\t" seq; seq = ""; next }
        { seq = seq toupper($0) } END { if (seq != "") print c "\t" seq }' >>"$tmp/$s"
    done
    c=$((c + 1))
  done
  awk -F'\t' -v K=6 -v C=$c '
    FNR == 1 { pass++ }
    pass == 1 { n[$1]++; N++; for (j = 1; j + K - 1 <= length($2); j++) { k = substr($2, j, K); if (k ~ /^[ACGT]+$/) { cnt[$1, k]++; tot[$1]++ } } next }
    { best = -1e300; arg = -1
      for (y = 0; y < C; y++) {
        lp = log((n[y] + 0) / N); d = tot[y] + 4096
        for (j = 1; j + K - 1 <= length($2); j++) { k = substr($2, j, K); if (k ~ /^[ACGT]+$/) lp += log((cnt[y, k] + 1) / d) }
        if (lp > best) { best = lp; arg = y }
      }
      T++; if (arg == $1) ok++ }
    END { printf "%.4f\n", T ? ok / T : 0 }' "$tmp/train" "$tmp/test"
  rm -rf "$tmp"
}

# ---- the experiments ----
run_exp() { # run_exp NAME
  local e=$1 a arm conf L B share init seed shard test=""
  mapfile -t al < <(arms "$e")
  case $e in
    dna-selection|dna-context) fetch_dna ;;
    species|vertebrates) fetch_dna; command -v samtools >/dev/null || die "samtools not found (apt-get install samtools)" ;;
    speech-unet) fetch_digits; test=$(test_shard speech/digits) || exit 1 ;;
    longform-audio) fetch_longform; test=$(test_shard longform/wav chunks) || exit 1 ;;
  esac
  for seed in $(seq 1 "$seeds"); do
    for a in "${al[@]}"; do
      IFS=$'\t' read -r _ arm conf L B share init <<<"$a"
      echo "[$(date -u +%H:%M:%S)] $e / $arm / seed $seed: ${UPD[$e/$arm]} updates x $((L * B)) tokens, ${PAR[$e/$arm]} parameters" >&2
      case $e in
        dna-selection) train_arm "$e" "$arm" "$conf" "$L" "$B" "$seed" "$(dna_shard "$L")" ;;
        dna-context) train_arm "$e" "$arm" "$conf" "$L" "$B" "$seed" "$(dna_shard "$L")" 1 ;;
        species|vertebrates)
          local ie=${init%%/*} ia=${init#*/} ck
          ck=$out/runs/$ie/$ia.s$seed.safetensors
          if [ ! -f "$ck" ]; then  # the pretrained model of that length and seed, trained as its experiment does
            local il ib; IFS=$'\t' read -r _ _ iconf il ib _ _ < <(arms "$ie" | awk -F'\t' -v r="$ia" '$2 == r')
            if [ -z "${UPD[$ie/$ia]:-}" ]; then
              UPD[$ie/$ia]=${UPD[$e/$arm]}; PAR[$ie/$ia]=${PAR[$e/$arm]}
            fi
            train_arm "$ie" "$ia" "$iconf" "$il" "$ib" "$seed" "$(dna_shard "$il")" 1
          fi
          if [ "$e" = species ]; then set -- "$data"/dna/species/*.fa.gz; else set -- "$data"/dna/vertebrates/*.fa.gz; fi
          finetune_arm "$e" "$arm" "$ck" "$L" "$B" "$seed" "$@"
          local nb; nb=$(naive_bayes "$L" $(( budget >= 60 ? 200 : 40 )) $(( budget >= 60 ? 64 : 16 )) "$seed" "$@")
          printf '%s\t%s\t%s\t%s\n' "$e" "naive-bayes-$arm" "$seed" "$nb" >>"$metric" ;;
        speech-unet) train_arm "$e" "$arm" "$conf" "$L" "$B" "$seed" "$data/speech/digits.shard" 0 "$test" ;;
        longform-audio) train_arm "$e" "$arm" "$conf" "$L" "$B" "$seed" "$data/longform/longform.shard" 0 "$test" ;;
      esac
    done
  done
}
for n in "${names[@]}"; do
  s=$(date +%s); run_exp "$n"
  echo "$n	$(( $(date +%s) - s ))" >>"$out/walltime.tsv"
done

# ---- RESULTS.md ----
have_plot=0; "$ssmkit" plot --help >/dev/null 2>&1 && have_plot=1
have_score=0; "$ssmkit" audio score --help >/dev/null 2>&1 && have_score=1
wall=$(( $(date +%s) - t0 ))
res=$out/RESULTS.md.tmp
{
  echo "# Reproduction of the paper's findings at CPU scale"
  echo
  echo "Made by \`tools/reproduce.sh --budget $budget${only:+ --only $only} --seeds $seeds\` on $(date -u +%Y-%m-%d) with $("$ssmkit" --version | head -1)."
  echo "Wall time: $((wall / 60)) min $((wall % 60)) s on $(nproc) cores. The absolute numbers are far from the paper's (tiny"
  echo "budgets); what is compared is the direction of each finding. Verdicts: **holds** when every seed of"
  echo "the arm the paper prefers beats every seed of the other arms (no overlap of the spreads), **does not hold**"
  echo "when the order is reversed without overlap, **unclear** otherwise."
  for n in "${names[@]}"; do
    better=$(field "$n" 6)
    echo
    echo "## $n"
    echo
    echo "Paper: $(field "$n" 7)."
    echo
    mapfile -t al < <(arms "$n")
    echo "| arm | parameters | updates | tokens per update | total tokens | seeds | $([ "$better" = low ] && echo "test bits" || echo "test accuracy") (per seed) | mean | spread (max-min) |"
    echo "|---|---|---|---|---|---|---|---|---|"
    for a in "${al[@]}"; do
      IFS=$'\t' read -r _ arm _ _ _ _ _ <<<"$a"
      for row in "$arm" "naive-bayes-$arm"; do
        awk -F'\t' -v e="$n" -v r="$row" '$1 == e && $2 == r' "$metric" | grep -q . || continue
        if [ "$row" = "$arm" ]; then pp=${PAR[$n/$arm]} uu=${UPD[$n/$arm]} tt=${TPU[$n/$arm]}; tot=$((uu * tt)); else pp=- uu=- tt=- tot=-; fi
        awk -F'\t' -v e="$n" -v r="$row" -v p="$pp" -v u="$uu" -v t="$tt" -v T="$tot" '
          $1 == e && $2 == r { v[++k] = $4; s += $4; if (k == 1 || $4 < lo) lo = $4; if (k == 1 || $4 > hi) hi = $4 }
          END { list = ""; for (i = 1; i <= k; i++) list = list (i > 1 ? ", " : "") v[i]
                printf "| %s | %s | %s | %s | %s | %d | %s | %.4f | %.4f |\n", r, p, u, t, T, k, list, s / k, hi - lo }' "$metric"
      done
    done
    echo
    verdict=$(awk -F'\t' -v e="$n" -v b="$better" -v single=$([ ${#al[@]} -eq 1 ] && echo 1 || echo 0) '
      { nb = ($2 ~ /^naive-bayes/) }
      $1 == e && (!nb || single) { if (!($2 in lo)) { ord[++m] = $2; lo[$2] = $4; hi[$2] = $4 }
                 if ($4 < lo[$2]) lo[$2] = $4; if ($4 > hi[$2]) hi[$2] = $4 }
      END {
        # the paper prefers: low bits -> the first arm lowest, except dna-context/species where the last
        # (longest) arm; high accuracy -> the last arm
        pref = (e == "dna-context" || (b == "high" && !single)) ? ord[m] : ord[1]
        win = 1; lose = 1
        for (i = 1; i <= m; i++) { a = ord[i]; if (a == pref) continue
          if (b == "low") { if (!(hi[pref] < lo[a])) win = 0; if (!(lo[pref] > hi[a])) lose = 0 }
          else { if (!(lo[pref] > hi[a])) win = 0; if (!(hi[pref] < lo[a])) lose = 0 } }
        if (m < 2) print "unclear|fewer than two arms measured"
        else if (win) printf "holds|%s beats every other arm on every seed\n", pref
        else if (lose) printf "does not hold|%s is beaten by every other arm on every seed\n", pref
        else printf "unclear|the spreads of %s and another arm overlap (more updates or seeds needed)\n", pref
      }' "$metric")
    echo "Verdict: **${verdict%%|*}** (${verdict#*|}; $seeds seeds)."
    if [ "$n" = species ] || [ "$n" = vertebrates ]; then
      echo
      echo "naive-bayes-L rows: a 6-mer naive Bayes (add-one smoothing) trained on windows of L bases from the first 80% of each record, tested on windows from the last 10%."
    fi
    if [ "$n" = speech-unet ]; then
      echo
      if [ "$have_score" = 1 ]; then
        echo "IS/FID: \`ssmkit audio score\` is in this build but this script does not call it yet."
      else
        echo "IS/FID: not available in this build (no \`ssmkit audio score\`)."
      fi
    fi
    echo
    if [ "$have_plot" = 1 ]; then
      mkdir -p "$out/plots"
      # fine-tuning logs have no start line with batch and length: their x axis is the step
      xaxis=tokens; case $n in species|vertebrates) xaxis=step ;; esac
      if "$ssmkit" plot "$out/runs/$n"/*.log.jsonl -o "$out/plots/$n.svg" --x "$xaxis" --title "$n" >/dev/null 2>"$out/plots/$n.err"; then
        echo "Loss curves: [plots/$n.svg](plots/$n.svg)"
      else
        echo "Loss curves: ssmkit plot failed on the logs of this experiment: $(head -1 "$out/plots/$n.err")"
      fi
    else
      echo "Loss curves: not available in this build (no \`ssmkit plot\`); the logs are runs/$n/*.log.jsonl."
    fi
  done
  echo
  echo "## Wall time per experiment"
  echo
  echo "| experiment | seconds |"
  echo "|---|---|"
  awk -F'\t' '{ printf "| %s | %s |\n", $1, $2 }' "$out/walltime.tsv"
  echo
  echo "## Commands"
  echo
  echo '```'
  sed "s|$out/||g" "$cmds"
  echo '```'
} >"$res"
mv "$res" "$out/RESULTS.md"
echo "wrote $out/RESULTS.md ($((wall / 60)) min $((wall % 60)) s)"
