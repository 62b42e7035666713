#!/usr/bin/env bash
# test_reproduce_check.sh — tools/reproduce.sh refuses an unfair comparison before it fetches or
# trains anything. On a copy of tools/reproduce it plants, one at a time: an arm given half the
# updates, an arm with about 17% more parameters (14 layers instead of 12), an arm with twice the
# tokens per update; each must exit 1 with a "refused:" line that names the experiment, the arm and
# the numbers, and leave no checkpoint behind. The unplanted configs pass, and the parameter counts
# printed are the ones `ssmkit train --dry-run` gives for each config.
bin=${SSMKIT_BIN:?} root=${SSMKIT_SRC:?}
. "$(dirname "$0")/lib.sh"
rep=$root/tools/reproduce.sh
fresh() { rm -rf "$t/cfg" "$t/o"; cp -r "$root/tools/reproduce" "$t/cfg"; }
check() { expect "$1" "$2" -- env SSMKIT="$bin" bash "$rep" --check --configs "$t/cfg" --out "$t/o" --only "$3"; }
no_ckpt() { [ -z "$(find "$t/o" -name '*.safetensors' 2>/dev/null)" ] && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL: $1: a checkpoint was written"; }; }
dryp() { printf '\007%.0s' $(seq 70000) >"$t/dry.tok"; "$bin" train --config "$1" -L 1024 -b 8 --dry-run -d "$t/dry.tok" 2>&1 | sed -n 's/.*, \([0-9]*\) parameters,.*/\1/p'; }

# fair: passes, and prints each arm's parameter count as the dry run gives it
fresh
check 0 "the committed configs pass" dna-selection
grep_inF out "every check passed" "the pass line"
for a in s6:dna-s6 s4d-real:dna-s4d-real s4d-complex:dna-s4d-complex; do
  p=$(dryp "$t/cfg/${a#*:}.json")
  grep_in out "^dna-selection  *${a%%:*}  *$p  *1024  *8 " "${a%%:*}: $p parameters printed"
done

# planted: half the updates for one arm
fresh
awk -F'\t' 'BEGIN { OFS = "\t" } $1 == "dna-selection" && $2 == "s4d-real" { $6 = 0.5 } { print }' "$root/tools/reproduce/plan.tsv" >"$t/cfg/plan.tsv"
check 1 "half the updates is refused" dna-selection
grep_in err '^reproduce.sh: refused: dna-selection: arm s4d-real gets [0-9]* updates x 8192 tokens = [0-9]* tokens, s6 gets [0-9]*: the comparison would not be at equal compute$' "half updates: the message"
u1=$(sed -n 's/.*arm s4d-real gets \([0-9]*\) updates.*/\1/p' "$t/err") u0=$(awk '$1 == "dna-selection" && $2 == "s6" { print $6 }' "$t/out")
[ -n "$u1" ] && [ -n "$u0" ] && [ $(( (u0 + 1) / 2 )) -eq "$u1" ] && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL: half updates: $u1 is not half of $u0"; }
no_ckpt "half updates"

# planted: 14 layers instead of 12 in one arm's config
fresh
sed 's/"n_layer": *12/"n_layer": 14/' "$root/tools/reproduce/dna-s4d-real.json" >"$t/cfg/dna-s4d-real.json"
p0=$(dryp "$t/cfg/dna-s6.json") p1=$(dryp "$t/cfg/dna-s4d-real.json")
pct=$(awk -v p="$p1" -v q="$p0" 'BEGIN { printf "%+.1f%%", 100 * (p - q) / q }')
check 1 "more parameters is refused" dna-selection
grep_inF err "reproduce.sh: refused: dna-selection: arm s4d-real has $p1 parameters, $pct off s6's $p0 (tolerance 5%): the comparison would not be at equal parameters" "more parameters: the message"
no_ckpt "more parameters"

# planted: twice the tokens per update (batch 2 x 4 instead of 4) for the 4k arm of dna-context
fresh
awk -F'\t' 'BEGIN { OFS = "\t" } $1 == "dna-context" && $2 == "L4k" { $5 = 8 } { print }' "$root/tools/reproduce/plan.tsv" >"$t/cfg/plan.tsv"
check 1 "twice the tokens per update is refused" dna-context
grep_in err '^reproduce.sh: refused: dna-context: arm L4k gets [0-9]* updates x 32768 tokens' "tokens per update: the message"
no_ckpt "tokens per update"

# a usage error: one seed (no spread)
expect 2 "--seeds 1 is a usage error" -- env SSMKIT="$bin" bash "$rep" --check --seeds 1 --out "$t/o"
finish test_reproduce_check
