# lib.sh — sourced by the CLI test scripts: a temp folder $t, pass/fail counters and checks.
#   expect CODE DESCRIPTION -- command...   run it; stdout in $t/out, stderr in $t/err; check the exit code
#   grep_in FILE REGEX DESCRIPTION          $t/FILE contains a line matching REGEX
#   grep_inF FILE STRING DESCRIPTION        $t/FILE contains STRING (fixed string)
#   finish NAME                             print "NAME: N passed, N failed"; exit 1 on any failure
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
grep_inF() { _grep_check -F "$@"; }
finish() {
  echo "$1: $pass passed, $fail failed"
  [ "$fail" -eq 0 ]
}
