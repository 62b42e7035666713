# lib.sh — sourced by the CLI test scripts: a temp folder $t, pass/fail counters and checks.
#   expect CODE DESCRIPTION -- command...   run it; stdout in $t/out, stderr in $t/err; check the exit code
#   grep_in FILE REGEX DESCRIPTION          $t/FILE contains a line matching REGEX
#   grep_inF FILE STRING DESCRIPTION        $t/FILE contains STRING (fixed string)
#   check DESCRIPTION 'SHELL TEST'           eval the test: a pass, or a failure naming DESCRIPTION
#   ok / bad DESCRIPTION                    count a pass / a failure (printed)
#   finish NAME                             print "NAME: N passed, N failed"; exit 1 on any failure
#   tiny_lm_fixture                         $t/data.txt (4000 bytes) and $t/tiny.json (a 1-layer LM, 4 updates)
#   tiny_dna_lm_fixture                     in $t: g.fa (2 random records of 2000 bases), g.shard (its 64-base
#                                           windows), tiny.json and m.safetensors (a 2-layer DNA LM, 1 update)
#   gc_at_fixture                           $t/train.tsv (60) and $t/valid.tsv (20) labelled "gc"/"at" DNA rows
pass=0 fail=0
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT

expect() {
  local code=$1 what=$2; shift 3
  "$@" >"$t/out" 2>"$t/err"; local rc=$?
  if [ "$rc" -eq "$code" ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: $what: exit $rc, want $code"; cat "$t/err"; fi
}
_grep_check() {
  local flags=$1; shift
  if grep -q $flags -- "$2" "$t/$1"; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: $3: '$2' not in $1:"; cat "$t/$1"; fi
}
grep_in() { _grep_check "" "$@"; }
check() { if eval "$2"; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: $1"; fi; }
ok() { pass=$((pass+1)); }
bad() { fail=$((fail+1)); echo "FAIL: $*"; }
grep_inF() { _grep_check -F "$@"; }
finish() {
  echo "$1: $pass passed, $fail failed"
  [ "$fail" -eq 0 ]
}
tiny_lm_fixture() {
  awk 'BEGIN { srand(5); for (i = 0; i < 4000; i++) printf "%c", 97 + int(rand() * 8); print "" }' >"$t/data.txt"
  cat >"$t/tiny.json" <<'JSON'
{"arch": "mamba-lm", "d_model": 8, "n_layer": 1, "vocab_size": 256, "d_state": 4,
 "train": {"length": 32, "batch": 2, "steps": 4, "eval_every": 2, "log_every": 1}}
JSON
}
gc_at_fixture() {
  awk -v dir="$t" 'BEGIN { srand(7); for (i = 0; i < 80; i++) { c = i % 2; s = "";
    for (j = 0; j < 48; j++) { r = rand(); s = s (c ? (r < 0.4 ? "G" : r < 0.8 ? "C" : "A") : (r < 0.4 ? "A" : r < 0.8 ? "T" : "G")) }
    print (c ? "gc" : "at") "\t" s > (dir (i < 60 ? "/train.tsv" : "/valid.tsv")) } }'
}
tiny_dna_lm_fixture() {
  awk 'BEGIN { srand(3); split("ACGT", b, ""); for (r = 0; r < 2; r++) { print ">r" r; s = "";
    for (j = 0; j < 2000; j++) s = s b[1 + int(rand() * 4)]; print s } }' > "$t/g.fa"
  expect 0 "dna windows" -- "$bin" dna windows "$t/g.fa" -L 64 -o "$t/g.shard"
  printf '{"arch":"mamba-lm","d_model":16,"n_layer":2,"vocab_size":12,"d_state":4,"dt_min":0.01,"dt_max":0.5}\n' > "$t/tiny.json"
  expect 0 "train a tiny LM" -- "$bin" train --data "$t/g.shard" --config "$t/tiny.json" -L 64 -b 2 --steps 1 \
    -o "$t/m.safetensors" -q -@ 1
}
