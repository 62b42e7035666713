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
# differ from its first arm by more than its parameter tolerance, in updates x tokens per update, in
# tokens per update, or in their data (the data column of plan.tsv) is refused (exit 1) with the
# numbers. --check stops after that check (no data, no training).
#
# Data: OUT/data unless --data: tools/fetch-dna.sh, tools/fetch-speech-digits.sh and
# tools/fetch-longform-speech.sh are run for what is missing; a failed fetch ends the run (exit 1).
# A rerun with the same --out reuses every arm run whose training command and config are unchanged
# (OUT/runs/EXP/ARM.sSEED.done; RESULTS.md counts them), so an interrupted run can be finished.
# Environment: SSMKIT (the binary; default build/tools/ssmkit), THREADS (kernel threads, default 0 =
# all cores), CLASSIFIER (the digit classifier of `ssmkit audio score`, when the build has it).
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
    -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
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
  # the budget is split over all the experiments, run or not: an --only run trains the arms that a
  # run of all would, so a later run over the same --out reuses them
  IFS=$'\t' read -r n w _ <<<"$l"
  total_w=$((total_w + w))
  [ -n "$only" ] && [ "$n" != "$only" ] && continue
  names+=("$n")
done
[ ${#names[@]} -gt 0 ] || die "--only $only: no such experiment (see $exps)"
field() { # field EXPERIMENT COLUMN (1-based) of experiments.tsv
  printf '%s\n' "${elines[@]}" | awk -F'\t' -v n="$1" -v c="$2" '$1 == n { print $c }'
}
# plan.tsv: experiment arm config length batch share init data
arms() { grep -v '^#' "$plan" | awk -F'\t' -v n="$1" '$1 == n && NF >= 8'; }
datasets="human species vertebrates digits longform"

params_of() { # params_of CONFIG LENGTH BATCH -> parameter count from the dry run
  "$ssmkit" train --config "$1" -L "$2" -b "$3" --dry-run -d "$dryfile" 2>&1 |
    sed -n 's/.*, \([0-9][0-9]*\) parameters,.*/\1/p' | head -1
}
dryfile=$out/runs/dry.tok; head -c 70000 /dev/zero | tr '\0' '\7' >"$dryfile"

# The updates of an experiment's arms under a budget: its minutes over arms x seeds, times the
# throughput assumed in experiments.tsv, over the tokens per update of its first arm (at least 2),
# times the arm's share. Every arm gets the same tokens per update, or the check below refuses it.
base_updates() { # base_updates EXPERIMENT BUDGET-MINUTES
  local w rate secs L0 B0 b; w=$(field "$1" 2) rate=$(field "$1" 3)
  mapfile -t al < <(arms "$1")
  secs=$(( $2 * 60 * w / total_w / (${#al[@]} * seeds) ))
  IFS=$'\t' read -r _ _ _ L0 B0 _ _ _ <<<"${al[0]}"
  b=$(( secs * rate / (L0 * B0) )); [ "$b" -lt 2 ] && b=2
  echo "$b"
}
declare -A UPD PAR TPU DAT
printf '%-16s %-14s %10s %8s %6s %8s %14s %s\n' experiment arm parameters length batch updates tokens data
for n in "${names[@]}"; do
  tol=$(field "$n" 4)
  mapfile -t al < <(arms "$n")
  [ ${#al[@]} -ge 1 ] || die "$n: no arms in $plan"
  base=$(base_updates "$n" "$budget")
  p0="" a0="" work0="" tpu0="" d0=""
  for a in "${al[@]}"; do
    IFS=$'\t' read -r _ arm conf L B share init dset <<<"$a"
    if [ "$conf" = "-" ]; then  # fine-tuned from another experiment's arm: that arm's config
      conf=$(grep -v '^#' "$plan" | awk -F'\t' -v e="${init%%/*}" -v r="${init#*/}" '$1 == e && $2 == r { print $3 }')
      [ -n "$conf" ] || die "$n/$arm: init $init is not an arm of $plan"
    fi
    [ -f "$cfg/$conf" ] || die "$n/$arm: config $cfg/$conf not found"
    p=$(params_of "$cfg/$conf" "$L" "$B")
    [ -n "$p" ] || die "$n/$arm: ssmkit train --dry-run of $cfg/$conf printed no parameter count"
    u=$(awk -v b="$base" -v s="$share" 'BEGIN { printf "%d", b * s + 0.5 }')
    work=$(( u * L * B ))
    printf '%-16s %-14s %10s %8s %6s %8s %14s %s\n' "$n" "$arm" "$p" "$L" "$B" "$u" "$work" "$dset"
    k="$n/$arm"; UPD[$k]=$u PAR[$k]=$p TPU[$k]=$((L * B)) DAT[$k]=$dset
    if [ -z "$p0" ]; then
      p0=$p a0=$arm work0=$work tpu0=$((L * B)) d0=$dset
    else
      awk -v p="$p" -v q="$p0" -v t="$tol" 'BEGIN { d = (p - q) / q; if (d < 0) d = -d; exit !(d <= t) }' ||
        die "refused: $n: arm $arm has $p parameters, $(awk -v p="$p" -v q="$p0" 'BEGIN { printf "%+.1f%%", 100 * (p - q) / q }') off $a0's $p0 (tolerance $(awk -v t="$tol" 'BEGIN { printf "%g%%", 100 * t }')): the comparison would not be at equal parameters"
      [ "$work" -eq "$work0" ] ||
        die "refused: $n: arm $arm gets $u updates x $((L * B)) tokens = $work tokens, $a0 gets $work0: the comparison would not be at equal compute"
      [ $((L * B)) -eq "$tpu0" ] ||
        die "refused: $n: arm $arm gets $((L * B)) tokens per update ($u updates), $a0 gets $tpu0 (${UPD[$n/$a0]} updates): the comparison would not be at equal tokens per update"
      [ "$dset" = "$d0" ] ||
        die "refused: $n: arm $arm trains on $dset, $a0 on $d0: the comparison would not be on the same data"
    fi
    case " $datasets " in *" $dset "*) ;; *) die "$n/$arm: data '$dset' is not one of: $datasets" ;; esac
  done
  # the verdict's claims name arms of this experiment (or their naive Bayes rows)
  spec=$(field "$n" 8)
  [ -n "$spec" ] || die "$exps: $n: no compare column (the claims its verdict checks)"
  for x in $(printf '%s' "$spec" | tr ',>=' '   '); do
    [ -n "${UPD[$n/${x#naive-bayes-}]:-}" ] || die "$exps: $n: compare names '$x', not an arm of $plan"
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
# A finished arm run leaves STEM.done: its key (the training command less the binary, with OUT/ and
# CFG/ for the run and config folders, and the checksum of its config or initial checkpoint) and
# its result row. A rerun over the same OUT whose command gives the same key reuses the row and the
# checkpoint instead of training again.
cmds=$out/commands.sh metric=$out/metrics.tsv scores=$out/scores.tsv
: >"$cmds"; : >"$metric"; : >"$out/walltime.tsv"; : >"$out/runs/reused.tsv"; : >"$scores"
log_cmd() { printf '%q ' "$@" >>"$cmds"; echo >>"$cmds"; }
run() { log_cmd "$@"; "$@"; } # run CMD... : logged in commands.sh, then run
run_key() { # run_key FILE CMD... -> the key of an arm run
  printf '%q ' "${@:3}" | sed "s|$out/|OUT/|g; s|$cfg/|CFG/|g"; cksum <"$1" | cut -d' ' -f1
}
reuse() { # reuse EXP ARM SEED STEM KEY CMD... : the recorded result of this arm run, if its key is KEY
  local e=$1 arm=$2 seed=$3 stem=$4 key=$5 row; shift 5
  [ -f "$stem.done" ] && [ -f "$stem.safetensors" ] && [ "$(head -n -1 "$stem.done")" = "$key" ] || return 1
  row=$(tail -1 "$stem.done")
  log_cmd "$@"; printf '%s\n' "$row" >>"$metric"; printf '%s\t%s\t%s\n' "$e" "$arm" "$seed" >>"$out/runs/reused.tsv"
  echo "  reused (same command, config and result in $stem.done): $row" >&2
}
record() { # record STEM KEY ROW: the result row, in metrics.tsv and beside the checkpoint
  printf '%s\n' "$3" >>"$metric"; printf '%s\n%s\n' "$2" "$3" >"$1.done"
}
bits_of() { awk -F'\t' '$1 ~ /^bits_per_/ { print $2; exit }' "$1"; }

train_arm() { # train_arm EXP ARM CONF L B SEED SHARD [TEST-SHARD]
  # DNA: `ssmkit eval` on the test split of SHARD. Audio (eval scores .mulaw files, not shards):
  # TEST-SHARD holds the test files as its valid split and is the trainer's --valid; the number is
  # the final validation of the log.
  local e=$1 arm=$2 conf=$3 L=$4 B=$5 seed=$6 shard=$7 test=${8:-} lr stem u
  lr=$(field "$e" 5) u=${UPD[$e/$arm]}
  stem=$out/runs/$e/${arm//\//-}.s$seed; mkdir -p "$(dirname "$stem")"
  local extra=()
  if [ -z "$test" ] && [ "$L" -gt 1024 ]; then
    # DNA beyond 1k: length warm-up, half of the updates spread over the powers of two below L; none
    # when there are fewer updates than 2 per stage (the smoke run), as the train log's start line shows
    local k=0 l=1024; while [ $l -lt "$L" ]; do k=$((k + 1)); l=$((l * 2)); done
    [ $(( u / (2 * k) )) -ge 1 ] && extra=(--length-warmup $(( u / (2 * k) )) --warmup-from 1024 --tokens-per-step $((L * B)))
  fi
  # the trainer's final validation: the reported number for audio (16 batches of the test set, the
  # same for every arm: the whole long-form test set would take hours; 4 batches in a run under an
  # hour); for DNA only a glance at the valid split (the number is eval's, below)
  if [ -n "$test" ]; then extra+=(--valid "$test" --eval-batches "$(( budget >= 60 ? 16 : 4 ))"); else extra+=(--eval-batches 2); fi
  local cmd=("$ssmkit" train --config "$cfg/$conf" -d "$shard" -o "$stem.safetensors" --overwrite -q
    -L "$L" -b "$B" -n "$u" --lr "$lr" --warmup $(( u / 10 > 0 ? u / 10 : 1 )) --eval-every 0
    --ckpt-every 0 --log-every 1 -s "$seed" "${thr[@]}" "${extra[@]}")
  local key t1; key=$(run_key "$cfg/$conf" "${cmd[@]}")
  reuse "$e" "$arm" "$seed" "$stem" "$key" "${cmd[@]}" && return 0
  t1=$(date +%s); rm -f "$stem.done"
  run "${cmd[@]}" >"$stem.train.out" 2>&1 || die "$e/$arm seed $seed: training failed (see $stem.train.out)"
  local bits
  if [ -n "$test" ]; then
    bits=$(grep -o '"valid_bits":[0-9.eE+-]*' "$stem.log.jsonl" | tail -1 | cut -d: -f2)
  else
    run "$ssmkit" eval -m "$stem.safetensors" -d "$shard" --split test -L "$L" -b 4 "${thr[@]}" -q >"$stem.eval.tsv" 2>&1 ||
      die "$e/$arm seed $seed: eval failed (see $stem.eval.tsv)"
    bits=$(bits_of "$stem.eval.tsv")
  fi
  [ -n "$bits" ] || die "$e/$arm seed $seed: no test bits (see $stem.*)"
  echo $(( $(date +%s) - t1 )) >"$stem.wall"
  record "$stem" "$key" "$(printf '%s\t%s\t%s\t%s' "$e" "$arm" "$seed" "$bits")"
}

finetune_arm() { # finetune_arm EXP ARM INIT L B SEED FASTA...
  local e=$1 arm=$2 init=$3 L=$4 B=$5 seed=$6 stem u lr acc; shift 6
  u=${UPD[$e/$arm]} lr=$(field "$e" 5)
  stem=$out/runs/$e/$arm.s$seed; mkdir -p "$(dirname "$stem")"
  # the smoke run (under an hour) evaluates once, on 8 windows per split
  local ntest=$(( budget >= 60 ? 256 : 8 )) ep=$(( budget >= 60 ? 2 : 1 ))
  local cmd=("$ssmkit" finetune --init "$init" --species "$@" -o "$stem.safetensors" --overwrite -L "$L" -b "$B" --epochs "$ep"
    --steps-per-epoch $(( (u + ep - 1) / ep )) --lr "$lr" --n-valid "$ntest" --n-test "$ntest" --max-n 0.1 -s "$seed" "${thr[@]}" -q)
  local key t1; key=$(run_key "$init" "${cmd[@]}")
  reuse "$e" "$arm" "$seed" "$stem" "$key" "${cmd[@]}" && return 0
  t1=$(date +%s); rm -f "$stem.done"
  run "${cmd[@]}" >"$stem.ft.out" 2>&1 || die "$e/$arm seed $seed: finetune failed (see $stem.ft.out)"
  acc=$(grep -o '"test_accuracy":[0-9.eE+-]*' "$stem.log.jsonl" | tail -1 | cut -d: -f2)
  [ -n "$acc" ] || die "$e/$arm seed $seed: no test_accuracy in $stem.log.jsonl"
  echo $(( $(date +%s) - t1 )) >"$stem.wall"
  record "$stem" "$key" "$(printf '%s\t%s\t%s\t%s' "$e" "$arm" "$seed" "$acc")"
}

# The speech scorer (`ssmkit audio score`, when this build has it): clips generated by each
# speech-unet arm, scored against the training shard with a digit classifier, CLASSIFIER if set,
# else one trained here by `ssmkit audio classifier train` on the same shard. Rows in scores.tsv.
have_score=0; "$ssmkit" audio score --help >/dev/null 2>&1 && have_score=1
score_arm() { # score_arm EXP ARM SEED SHARD
  local e=$1 arm=$2 seed=$3 shard=$4 stem clf=${CLASSIFIER:-$out/runs/$1/classifier.safetensors} is fid
  stem=$out/runs/$e/${arm//\//-}.s$seed
  if [ ! -f "$clf" ]; then
    "$ssmkit" audio classifier --help >/dev/null 2>&1 ||
      die "ssmkit audio score needs a digit classifier: set CLASSIFIER, or use a build with ssmkit audio classifier"
    run "$ssmkit" audio classifier train "$shard" -o "$clf" -q >"$out/runs/$e/classifier.out" 2>&1 ||
      die "training the digit classifier failed (see $out/runs/$e/classifier.out)"
  fi
  # the clips and their scores are kept while the checkpoint, the classifier and the two commands
  # are the same (a rerun that reuses the arm's training does not generate them again)
  local gen=("$ssmkit" audio generate -m "$stem.safetensors" -n $(( budget >= 60 ? 64 : 8 )) -S 1 -s "$seed" "${thr[@]}" -o "$stem.clips" -q)
  local sc=("$ssmkit" audio score -c "$clf" --reference "$shard" "$stem.clips" -o "$stem.score.json") skey
  skey="$(cksum <"$stem.safetensors" | cut -d' ' -f1) $(cksum <"$clf" | cut -d' ' -f1) $(printf '%q ' "${gen[@]:2}" "${sc[@]:2}")"
  if [ -f "$stem.score.json" ] && [ "$(cat "$stem.score.key" 2>/dev/null)" = "$skey" ]; then
    log_cmd "${gen[@]}"; log_cmd "${sc[@]}"
    echo "  clips and scores reused ($stem.score.json)" >&2
  else
    rm -rf "$stem.clips" "$stem.score.key"
    run "${gen[@]}" >"$stem.gen.out" 2>&1 || die "$e/$arm seed $seed: audio generate failed (see $stem.gen.out)"
    run "${sc[@]}" >"$stem.score.out" 2>&1 || die "$e/$arm seed $seed: audio score failed (see $stem.score.out)"
    printf '%s\n' "$skey" >"$stem.score.key"
  fi
  # the row's "is" is the textbook IS (its "is_sashimi" the per-class form), "fid" the FID
  is=$(grep -o '"is"[^,}]*' "$stem.score.json" | head -1 | sed 's/.*:[[:space:]]*//')
  fid=$(grep -o '"fid"[^,}]*' "$stem.score.json" | head -1 | sed 's/.*:[[:space:]]*//')
  [ -n "$is" ] && [ -n "$fid" ] || die "$e/$arm seed $seed: no IS or FID in $stem.score.json"
  printf '%s\t%s\t%s\t%s\t%s\n' "$e" "$arm" "$seed" "$is" "$fid" >>"$scores"
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
prep_data() { # prep_data DATASET: fetch what is missing (a failed fetch ends the run)
  case $1 in
    human) fetch_dna ;;
    species|vertebrates) fetch_dna; command -v samtools >/dev/null || die "samtools not found (apt-get install samtools)" ;;
    digits) fetch_digits ;;
    longform) fetch_longform ;;
  esac
}
run_exp() { # run_exp NAME
  local e=$1 a arm conf L B share init dset seed test=""
  mapfile -t al < <(arms "$e")
  dset=${DAT[$e/$(IFS=$'\t' read -r _ r _ <<<"${al[0]}"; echo "$r")]}
  prep_data "$dset"
  case $dset in
    digits) test=$(test_shard speech/digits) || exit 1 ;;
    longform) test=$(test_shard longform/wav chunks) || exit 1 ;;
  esac
  for seed in $(seq 1 "$seeds"); do
    for a in "${al[@]}"; do
      IFS=$'\t' read -r _ arm conf L B share init _ <<<"$a"
      echo "[$(date -u +%H:%M:%S)] $e / $arm / seed $seed: ${UPD[$e/$arm]} updates x $((L * B)) tokens, ${PAR[$e/$arm]} parameters, data $dset" >&2
      case $dset in
        human) train_arm "$e" "$arm" "$conf" "$L" "$B" "$seed" "$(dna_shard "$L")" ;;
        species|vertebrates)
          local ie=${init%%/*} ia=${init#*/} ck
          ck=$out/runs/$ie/$ia.s$seed.safetensors
          if [ ! -f "$ck" ]; then  # the pretrained model of that length and seed, trained as its experiment does
            local il ib; IFS=$'\t' read -r _ _ iconf il ib _ _ _ < <(arms "$ie" | awk -F'\t' -v r="$ia" '$2 == r')
            if [ -z "${UPD[$ie/$ia]:-}" ]; then
              UPD[$ie/$ia]=${UPD[$e/$arm]}; PAR[$ie/$ia]=${PAR[$e/$arm]}
            fi
            train_arm "$ie" "$ia" "$iconf" "$il" "$ib" "$seed" "$(dna_shard "$il")"
          fi
          set -- "$data/dna/$dset"/*.fa.gz
          finetune_arm "$e" "$arm" "$ck" "$L" "$B" "$seed" "$@"
          # the naive Bayes baseline, kept beside the fine-tuned arm with its arguments
          local nb nbargs=("$L" $(( budget >= 60 ? 200 : 40 )) $(( budget >= 60 ? 64 : 16 )) "$seed" "$@")
          local nbf=$out/runs/$e/naive-bayes-$arm.s$seed.done
          if [ -f "$nbf" ] && [ "$(head -1 "$nbf")" = "${nbargs[*]}" ]; then nb=$(tail -1 "$nbf")
          else nb=$(naive_bayes "${nbargs[@]}"); printf '%s\n%s\n' "${nbargs[*]}" "$nb" >"$nbf"; fi
          printf '%s\t%s\t%s\t%s\n' "$e" "naive-bayes-$arm" "$seed" "$nb" >>"$metric" ;;
        digits) train_arm "$e" "$arm" "$conf" "$L" "$B" "$seed" "$data/speech/digits.shard" "$test"
          [ "$have_score" = 0 ] || score_arm "$e" "$arm" "$seed" "$data/speech/digits.shard" ;;
        longform) train_arm "$e" "$arm" "$conf" "$L" "$B" "$seed" "$data/longform/longform.shard" "$test" ;;
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
wall=$(( $(date +%s) - t0 ))
nreused=$(wc -l <"$out/runs/reused.tsv") nruns=$(awk -F'\t' '$2 !~ /^naive-bayes-/' "$metric" | wc -l)
train_s() { # train_s LOG -> seconds of training (elapsed_s of the last training line; else the last elapsed_s)
  awk 'match($0, /"elapsed_s":[0-9.eE+-]+/) { v = substr($0, RSTART + 12, RLENGTH - 12); any = v; if ($0 ~ /"tokens_per_s"/) tr = v }
       END { print (tr != "" ? tr : any) }' "$1"
}
default_budget=240
res=$out/RESULTS.md.tmp
{
  echo "# Reproduction of the paper's findings at CPU scale"
  echo
  echo "Made by \`tools/reproduce.sh --budget $budget${only:+ --only $only} --seeds $seeds\` on $(date -u +%Y-%m-%d) with $("$ssmkit" --version | head -1)."
  echo "Wall time: $((wall / 60)) min $((wall % 60)) s on $(nproc) cores (load average at the end: $(cut -d' ' -f1-3 /proc/loadavg))."
  [ "$nreused" -gt 0 ] && echo "Of the $nruns arm runs, $nreused were reused from an earlier run in the same folder (same command); their training time is in the throughput table below, not in this wall time."
  echo "The absolute numbers are far from the paper's (tiny budgets); what is compared is the direction of each"
  echo "finding. Each finding is a list of claims A > B (A better than B on every seed of both: their spreads"
  echo "do not overlap) or A >= B (A not worse: B is not better on every seed); the verdict is **holds** when"
  echo "every claim holds, **does not hold** when one is reversed (B better than A on every seed), and"
  echo "**unclear** otherwise (spreads that overlap: more updates or seeds needed)."
  for n in "${names[@]}"; do
    better=$(field "$n" 6)
    echo
    echo "## $n"
    echo
    echo "Paper: $(field "$n" 7)."
    echo
    mapfile -t al < <(arms "$n")
    IFS=$'\t' read -r _ _ _ _ _ _ _ dset <<<"${al[0]}"
    echo "Data: $dset (every arm)."
    echo
    extra_h="" extra_l=""
    if [ "$n" = speech-unet ]; then extra_h=" IS (per seed) | FID (per seed) |" extra_l="---|---|"; fi
    echo "| arm | parameters | updates | tokens per update | total tokens | seeds | $([ "$better" = low ] && echo "test bits" || echo "test accuracy") (per seed) | mean | spread (max-min) |$extra_h"
    echo "|---|---|---|---|---|---|---|---|---|$extra_l"
    for a in "${al[@]}"; do
      IFS=$'\t' read -r _ arm _ _ _ _ _ _ <<<"$a"
      for row in "$arm" "naive-bayes-$arm"; do
        awk -F'\t' -v e="$n" -v r="$row" '$1 == e && $2 == r' "$metric" | grep -q . || continue
        if [ "$row" = "$arm" ]; then pp=${PAR[$n/$arm]} uu=${UPD[$n/$arm]} tt=${TPU[$n/$arm]}; tot=$((uu * tt)); else pp=- uu=- tt=- tot=-; fi
        cells=""
        if [ -n "$extra_h" ]; then
          if [ "$have_score" = 0 ]; then cells=" scorer not available in this build | scorer not available in this build |"
          else cells=$(awk -F'\t' -v e="$n" -v r="$row" '$1 == e && $2 == r { i = i (i != "" ? ", " : "") sprintf("%.4f", $4); f = f (f != "" ? ", " : "") sprintf("%.2f", $5) }
                         END { printf " %s | %s |", (i != "" ? i : "-"), (f != "" ? f : "-") }' "$scores"); fi
        fi
        awk -F'\t' -v e="$n" -v r="$row" -v p="$pp" -v u="$uu" -v t="$tt" -v T="$tot" -v x="$cells" '
          $1 == e && $2 == r { v[++k] = $4; s += $4; if (k == 1 || $4 < lo) lo = $4; if (k == 1 || $4 > hi) hi = $4 }
          END { list = ""; for (i = 1; i <= k; i++) list = list (i > 1 ? ", " : "") sprintf("%.4f", v[i])
                printf "| %s | %s | %s | %s | %s | %d | %s | %.4f | %.4f |%s\n", r, p, u, t, T, k, list, s / k, hi - lo, x }' "$metric"
      done
    done
    echo
    # the claims of experiments.tsv's compare column, comma-separated: A>B (A better than B on
    # every seed of both: no overlap of their spreads) or A>=B (A not worse: B is not better on
    # every seed); a chain A>B>C is A>B and B>C
    verdict=$(awk -F'\t' -v e="$n" -v b="$better" -v spec="$(field "$n" 8)" '
      $1 == e { if (!($2 in lo)) { lo[$2] = $4; hi[$2] = $4 } if ($4 < lo[$2]) lo[$2] = $4; if ($4 > hi[$2]) hi[$2] = $4 }
      function beats(x, y) { return b == "low" ? hi[x] < lo[y] : lo[x] > hi[y] }
      END {
        nc = split(spec, chains, ","); held = 0; failed = 0; open_ = 0; why = ""
        for (c = 1; c <= nc; c++) {
          s = chains[c]; gsub(/>=/, "\001", s); gsub(/>/, " > ", s); gsub(/\001/, " >= ", s)
          k = split(s, t, " ")
          for (i = 1; i + 2 <= k; i += 2) {
            x = t[i]; op = t[i + 1]; y = t[i + 2]
            if (!(x in lo) || !(y in lo)) { r = "not measured"; open_++ }
            else if (beats(x, y)) { r = "holds"; held++ }
            else if (beats(y, x)) { r = "reversed"; failed++ }
            else if (op == ">=") { r = "holds (overlap allowed)"; held++ }
            else { r = "spreads overlap"; open_++ }
            why = why (why != "" ? "; " : "") x " " op " " y ": " r
          }
        }
        if (failed) v = "does not hold"; else if (open_ || !held) v = "unclear"; else v = "holds"
        printf "%s|%s\n", v, why
      }' "$metric")
    echo "Verdict: **${verdict%%|*}** (${verdict#*|}; $seeds seeds)."
    if [ "$dset" = species ] || [ "$dset" = vertebrates ]; then
      echo
      echo "naive-bayes-L rows: a 6-mer naive Bayes (add-one smoothing) trained on windows of L bases from the first 80% of each record, tested on windows from the last 10%."
    fi
    if [ -n "$extra_h" ]; then
      echo
      if [ "$have_score" = 1 ]; then
        echo "IS/FID: \`ssmkit audio score\` on $(( budget >= 60 ? 64 : 8 )) clips of 1 s per arm and seed (\`ssmkit audio generate\`), against the training shard; IS is the textbook one."
      else
        echo "IS/FID: scorer not available in this build (no \`ssmkit audio score\`); the columns say so."
      fi
    fi
    echo
    if [ "$have_plot" = 1 ]; then
      mkdir -p "$out/plots"
      # fine-tuning logs have no start line with batch and length: their x axis is the step
      xaxis=tokens; case $dset in species|vertebrates) xaxis=step ;; esac
      if "$ssmkit" plot "$out/runs/$n"/*.log.jsonl -o "$out/plots/$n.svg" --x "$xaxis" --title "$n" >/dev/null 2>"$out/plots/$n.err"; then
        echo "Loss curves: [plots/$n.svg](plots/$n.svg)"; rm -f "$out/plots/$n.err"
      else
        echo "Loss curves: ssmkit plot failed on the logs of this experiment: $(head -1 "$out/plots/$n.err")"
      fi
    else
      echo "Loss curves: not available in this build (no \`ssmkit plot\`); the logs are runs/$n/*.log.jsonl."
    fi
  done

  # ---- throughput and the default budget's run time at the measured rates ----
  echo
  echo "## Budget and throughput"
  echo
  echo "The budget gives every arm of an experiment the same updates: (budget minutes x the experiment's weight /"
  echo "the sum of the weights of all experiments) / (arms x seeds), times the tokens/s assumed in tools/reproduce/experiments.tsv, over the"
  echo "tokens per update (at least 2 updates). The measured rate is tokens / training seconds of the logs (the"
  echo "evaluations not counted). \"full run\" is what the default budget ($default_budget minutes) would give the arm"
  echo "and how long its training would take at the measured rate (estimated)."
  echo
  echo "| experiment | arm | updates | tokens per update | training s (mean of seeds) | tokens/s measured | tokens/s assumed | full run: updates | full run: training s per seed (estimated) |"
  echo "|---|---|---|---|---|---|---|---|---|"
  est_total=0 est_other=0 nwall=0 nall=0
  for n in "${names[@]}"; do
    fb=$(base_updates "$n" "$default_budget") rate=$(field "$n" 3)
    mapfile -t al < <(arms "$n")
    for a in "${al[@]}"; do
      IFS=$'\t' read -r _ arm _ L B share _ _ <<<"$a"
      u=${UPD[$n/$arm]} tpu=$((L * B)) fu=$(awk -v b="$fb" -v s="$share" 'BEGIN { printf "%d", b * s + 0.5 }')
      ts=() ws=()
      for seed in $(seq 1 "$seeds"); do
        stem=$out/runs/$n/${arm//\//-}.s$seed
        [ -f "$stem.log.jsonl" ] && ts+=("$(train_s "$stem.log.jsonl")")
        [ -f "$stem.wall" ] && ws+=("$(cat "$stem.wall")")
      done
      line=$(printf '%s\n' "${ts[@]}" | awk -v u="$u" -v t="$tpu" -v fu="$fu" -v r="$rate" -v seeds="$seeds" '
        $1 > 0 { s += $1; k++ }
        END { if (!k) { print "-\t-\t0"; exit } m = s / k
              printf "%.0f\t%.0f\t%.0f\n", m, u * t / m, m * fu / u * seeds }')
      IFS=$'\t' read -r mean meas full <<<"$line"
      echo "| $n | $arm | $u | $tpu | $mean | $meas | $rate | $fu | $(awk -v f="$full" -v s="$seeds" 'BEGIN { printf "%.0f", f / s }') |"
      est_total=$((est_total + full))
      # time besides training (data, evaluation) of each arm run that has it, as measured here
      for i in "${!ws[@]}"; do
        nwall=$((nwall + 1)); [ -n "${ts[$i]:-}" ] && est_other=$(awk -v o="$est_other" -v w="${ws[$i]}" -v t="${ts[$i]}" 'BEGIN { printf "%.0f", o + (w > t ? w - t : 0) }')
      done
      nall=$((nall + seeds))
    done
  done
  echo
  echo "Full run (--budget $default_budget, estimated from these rates): about $(( (est_total + est_other) / 3600 )) h $(( (est_total + est_other) % 3600 / 60 )) min:"
  echo "$((est_total / 60)) min of training at the measured rates plus $((est_other / 60)) min of evaluation and data as measured in this run"
  echo "($nwall of $nall arm runs timed; the full run evaluates more: 16 test batches per audio arm, 256 fine-tuning"
  echo "test windows). At these rates a budget of N minutes trains for about $(for n in "${names[@]}"; do field "$n" 2; done | awk -v t="$est_total" -v b="$default_budget" -v tw="$total_w" '{ w += $1 } END { printf "%.1f", t / (b * 60 * w / tw) }') x N minutes."
  echo
  echo "## Wall time per experiment"
  echo
  echo "| experiment | seconds (this invocation) | arm runs reused |"
  echo "|---|---|---|"
  awk -F'\t' 'FILENAME == ARGV[1] { r[$1]++; next } { printf "| %s | %s | %d |\n", $1, $2, r[$1] }' "$out/runs/reused.tsv" "$out/walltime.tsv"
  echo
  echo "## Commands"
  echo
  echo '```'
  sed "s|$out/||g" "$cmds"
  echo '```'
} >"$res"
mv "$res" "$out/RESULTS.md"
echo "wrote $out/RESULTS.md ($((wall / 60)) min $((wall % 60)) s)"
