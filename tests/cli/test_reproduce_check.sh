#!/usr/bin/env bash
# test_reproduce_check.sh — tools/reproduce.sh refuses an unfair comparison before it fetches or
# trains anything. On a copy of tools/reproduce it plants, one at a time: an arm given half the
# updates, an arm with about 17% more parameters (14 layers instead of 12), an arm with twice the
# tokens per update, an arm with twice the tokens per update and half the updates (the same total),
# an arm on other data; each must exit 1 with a "refused:" line that names the experiment, the arm
# and the numbers, and leave no checkpoint behind. The unplanted configs pass, and the parameter
# counts printed are the ones `ssmkit train --dry-run` gives for each config; a verdict claim
# (experiments.tsv) about an arm that does not exist is refused. A run whose data
# cannot be fetched (apt-get or espeak-ng that fail) ends with exit 1, the fetch named, and no
# RESULTS.md.
bin=${SSMKIT_BIN:?} root=${SSMKIT_SRC:?}
. "$(dirname "$0")/lib.sh"
rep=$root/tools/reproduce.sh
fresh() { rm -rf "$t/cfg" "$t/o"; cp -r "$root/tools/reproduce" "$t/cfg"; }
check() { expect "$1" "$2" -- env SSMKIT="$bin" bash "$rep" --check --configs "$t/cfg" --out "$t/o" --only "$3"; }
plant() { # plant EXPERIMENT ARM 'AWK ASSIGNMENTS': a fresh copy whose plan.tsv has that arm's line changed (ARM * = all)
  fresh
  awk -F'\t' -v e="$1" -v r="$2" 'BEGIN { OFS = "\t" } $1 == e && (r == "*" || $2 == r) { '"$3"' } { print }' \
    "$root/tools/reproduce/plan.tsv" >"$t/cfg/plan.tsv"
}
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
plant dna-selection s4d-real '$6 = 0.5'
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
plant dna-context L4k '$5 = 8'
check 1 "twice the tokens per update is refused" dna-context
grep_in err '^reproduce.sh: refused: dna-context: arm L4k gets [0-9]* updates x 32768 tokens' "tokens per update: the message"
no_ckpt "tokens per update"

# planted: twice the tokens per update and half the updates (equal total tokens) for one arm
plant dna-selection s4d-real '$5 = 16; $6 = 0.5'
check 1 "twice the tokens per update at equal total tokens is refused" dna-selection
grep_in err '^reproduce.sh: refused: dna-selection: arm s4d-real gets 16384 tokens per update ([0-9]* updates), s6 gets 8192 ([0-9]* updates): the comparison would not be at equal tokens per update$' "tokens per update at equal total: the message"
u1=$(sed -n 's/.*16384 tokens per update (\([0-9]*\) updates).*/\1/p' "$t/err") u0=$(sed -n 's/.*8192 (\([0-9]*\) updates).*/\1/p' "$t/err")
[ -n "$u1" ] && [ -n "$u0" ] && [ $((u1 * 16384)) -eq $((u0 * 8192)) ] && ok || bad "tokens per update at equal total: $u1 x 16384 is not $u0 x 8192"
no_ckpt "tokens per update at equal total"

# planted: one arm on other data
plant dna-selection s4d-complex '$8 = "species"'
check 1 "other data is refused" dna-selection
grep_inF err "reproduce.sh: refused: dna-selection: arm s4d-complex trains on species, s6 on human: the comparison would not be on the same data" "other data: the message"
no_ckpt "other data"
plant speech-unet '*' '$8 = "music"'
check 1 "unknown data is refused" speech-unet
grep_inF err "reproduce.sh: speech-unet/mamba/mamba: data 'music' is not one of: human species vertebrates digits longform" "unknown data: the message"

# a verdict claim about an arm the experiment does not have
fresh
awk -F'\t' 'BEGIN { OFS = "\t" } $1 == "dna-selection" { $8 = "s6>s4d-real,s6>s5" } { print }' "$root/tools/reproduce/experiments.tsv" >"$t/cfg/experiments.tsv"
check 1 "a claim about a missing arm is refused" dna-selection
grep_in err "^reproduce.sh: .*experiments.tsv: dna-selection: compare names 's5', not an arm of .*plan.tsv\$" "missing arm in a claim: the message"

# data that cannot be fetched: a run (not --check) into an empty data folder with an apt-get (DNA)
# or an espeak-ng (digits) that fails ends with exit 1 and no RESULTS.md; nothing is skipped
mkdir -p "$t/fake"
printf '#!/bin/sh\nexit 100\n' >"$t/fake/apt-get"; printf '#!/bin/sh\nexit 1\n' >"$t/fake/espeak-ng"; chmod +x "$t/fake/apt-get" "$t/fake/espeak-ng"
for x in dna-selection:"tools/fetch-dna.sh failed" speech-unet:"tools/fetch-speech-digits.sh failed"; do
  rm -rf "$t/o" "$t/nodata"
  expect 1 "${x%%:*}: a failed fetch ends the run" -- env PATH="$t/fake:$PATH" SSMKIT="$bin" bash "$rep" --budget 1 --out "$t/o" --data "$t/nodata" --only "${x%%:*}"
  grep_inF err "reproduce.sh: ${x#*:}" "${x%%:*}: the failed fetch is named"
  [ ! -e "$t/o/RESULTS.md" ] && ok || bad "${x%%:*}: RESULTS.md written after a failed fetch"
  no_ckpt "${x%%:*}: failed fetch"
done

# a usage error: one seed (no spread)
expect 2 "--seeds 1 is a usage error" -- env SSMKIT="$bin" bash "$rep" --check --seeds 1 --out "$t/o"
finish test_reproduce_check
