#!/usr/bin/env bash
# check-train-repro.sh — does a change keep training where it was? Trains the same run with each
# BEFORE binary, then with AFTER twice, and compares their JSON-lines logs update by update: the
# largest relative difference of the loss between each BEFORE and AFTER must be at most TOL (the
# gradient norm's and the validation loss's are printed too), and the two AFTER runs must log the
# same losses bit for bit (a fixed thread count makes a run reproducible).
#
#   tools/check-train-repro.sh BEFORE... AFTER
#
# Settings from the environment: SHARD (a DNA token shard; default the demo's human shard, built
# with AFTER from $SSMKIT_DNA/human/human.fa.gz and its BED as tools/demo.sh does; SSMKIT_DNA
# defaults to the demo's demo-out/dna-data, written by tools/fetch-dna.sh), UPDATES (50),
# PRESET (dna-1.4m), SEED (1), THREADS (2), TOL (1e-5), EVAL_BATCHES (batches of the validation
# after the last update, 4; 0 = the whole valid split), WORK (a folder for the runs; default a
# temporary one, removed at the end), EXTRA (more train options, word-split), PARALLEL (1: start
# all runs at once; the comparison does not depend on timing). Exit 0 when every
# check passes, 1 when one fails or a run fails, 2 on a usage error. dna-1.4m takes about one
# second per update on two idle cores.
set -u
[ $# -ge 2 ] || { echo "usage: tools/check-train-repro.sh BEFORE... AFTER" >&2; exit 2; }
for b in "$@"; do [ -x "$b" ] || { echo "check-train-repro: error: $b: not an executable" >&2; exit 2; }; done
bins=("$@")
after=${bins[$#-1]}
UPDATES=${UPDATES:-50} PRESET=${PRESET:-dna-1.4m} SEED=${SEED:-1} THREADS=${THREADS:-2} TOL=${TOL:-1e-5}
EVAL_BATCHES=${EVAL_BATCHES:-4}
if [ -n "${WORK:-}" ]; then mkdir -p "$WORK" || exit 1; w=$WORK; else w=$(mktemp -d) || exit 1; trap 'rm -rf "$w"' EXIT; fi
shard=${SHARD:-}
if [ -z "$shard" ]; then
    dna=${SSMKIT_DNA:-$(cd "$(dirname "$0")/.." && pwd)/demo-out/dna-data}
    fa=$dna/human/human.fa.gz bed=$dna/human/human.bed shard=$w/human.shard
    [ -s "$fa" ] && [ -s "$bed" ] || { echo "check-train-repro: error: $fa: missing (tools/fetch-dna.sh), or set SHARD" >&2; exit 1; }
    "$after" dna windows "$fa" --bed "$bed" -L 1024 -o "$shard" -q >/dev/null || exit 1
fi
run() { # run NAME BINARY
    local t0=$SECONDS
    rm -f "$w/$1".* # a fresh run (older binaries have no --overwrite)
    # shellcheck disable=SC2086
    "$2" train --data "$shard" -p "$PRESET" -s "$SEED" -@ "$THREADS" -n "$UPDATES" --log-every 1 -q \
        --eval-batches "$EVAL_BATCHES" -o "$w/$1.safetensors" --log "$w/$1.jsonl" ${EXTRA:-} || { echo "check-train-repro: error: $2: training failed" >&2; exit 1; }
    echo "$1: $2, $((SECONDS - t0)) s"
}
if [ "${PARALLEL:-0}" = 1 ]; then # all runs at once (each still on THREADS threads): a shared machine's time
    pids=()
    for ((i = 0; i < $# - 1; i++)); do run "before$i" "${bins[$i]}" & pids+=($!); done
    run after "$after" & pids+=($!)
    run again "$after" & pids+=($!)
    for p in "${pids[@]}"; do wait "$p" || exit 1; done
else
    for ((i = 0; i < $# - 1; i++)); do run "before$i" "${bins[$i]}"; done
    run after "$after"
    run again "$after"
fi
# KEY per update (the validation lines have valid_loss instead of loss)
col() { sed -n "s/.*\"step\":\([0-9]*\),.*\"$2\":\([^,}]*\).*/\1 \2/p" "$w/$1.jsonl"; }
cmp_key() { # cmp_key KEY A B -> "max_rel at_step n"
    join <(col "$2" "$1" | sort -k1,1) <(col "$3" "$1" | sort -k1,1) | awk '
        { d = $2 - $3; if (d < 0) d = -d; a = $2 < 0 ? -$2 : $2; r = a > 0 ? d / a : d; n++
          if (r > m || n == 1) { m = r; s = $1 } }
        END { printf "%.3g %s %d\n", m, s, n }'
}
fail=0
for ((i = 0; i < $# - 1; i++)); do
    read -r rel at n < <(cmp_key loss "before$i" after)
    echo "${bins[$i]} -> $after:"
    [ "$n" = "$UPDATES" ] || { echo "FAIL: $n of $UPDATES updates logged by both runs"; fail=1; }
    echo "  loss: max relative difference $rel (update $at of $n), gate $TOL"
    awk -v r="$rel" -v t="$TOL" 'BEGIN { exit !(r <= t) }' || { echo "FAIL: loss differs by more than $TOL"; fail=1; }
    read -r grel gat _ < <(cmp_key grad_norm "before$i" after)
    echo "  grad_norm: max relative difference $grel (update $gat)"
    if grep -q valid_loss "$w/before$i.jsonl"; then
        read -r vrel vat vn < <(cmp_key valid_loss "before$i" after)
        echo "  valid_loss: max relative difference $vrel ($vn validations, step $vat)"
    fi
done
if cmp -s <(col after loss; col after valid_loss) <(col again loss; col again valid_loss); then
    echo "after twice: losses bitwise equal ($n updates)"
else
    echo "FAIL: two runs of $after logged different losses"; fail=1
fi
[ $fail = 0 ] && echo "check-train-repro: ok" || echo "check-train-repro: FAILED"
exit $fail
