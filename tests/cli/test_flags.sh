#!/usr/bin/env bash
# test_flags.sh — every option listed in flags.txt is still listed by its command's --help and
# still accepted by its parser (no "unrecognized option" / "invalid option" / "requires an
# argument"; with the sample value and a trailing --help the command prints its help, exit 0).
# Commands of a front-end that is not built (see `ssmkit --version`) must say so and exit 1.
set -u
bin=${SSMKIT_BIN:?}
here=$(dirname "$0")
. "$here/lib.sh"

features=$("$bin" --version | sed -n 's/^features://p')
built() {  # built COMMAND: 0 when its front-end is in this binary
  case "$1" in
    audio*) [[ " $features " == *" audio "* ]] ;;
    classify | embed | finetune | dna*) [[ " $features " == *" genomics "* ]] ;;
    *) true ;;
  esac
}

declare -A help_of gated
while IFS=$'\t' read -r cmd flag value; do
  [[ -z "$cmd" || "$cmd" == \#* ]] && continue
  read -r -a words <<<"$cmd"
  if ! built "$cmd"; then
    [[ -n "${gated[$cmd]:-}" ]] && continue
    gated[$cmd]=1
    expect 1 "$cmd: front-end not built" -- "$bin" "${words[@]}" --help
    grep_in err "built without the .* front-end (install " "$cmd: says the front-end is not built and what to install"
    continue
  fi
  if [[ -z "${help_of[$cmd]:-}" ]]; then
    nh=$((${nh:-0}+1)); help_of[$cmd]="$t/help.$nh"
    "$bin" "${words[@]}" --help >"${help_of[$cmd]}" 2>&1
    if grep -q '%%' "${help_of[$cmd]}"; then fail=$((fail+1)); echo "FAIL: $cmd --help prints a literal %%"
    else pass=$((pass+1)); fi
  fi
  # listed: the flag as a word of the help text
  if grep -qE -- "(^|[^a-zA-Z0-9-])${flag}([^a-zA-Z0-9-]|\$)" "${help_of[$cmd]}"; then pass=$((pass+1))
  else fail=$((fail+1)); echo "FAIL: $cmd --help does not list $flag"; fi
  # accepted: FLAG [VALUE] --help prints the help and exits 0
  args=("$flag"); [[ "$value" != "-" ]] && args+=("$value")
  "$bin" "${words[@]}" "${args[@]}" --help >"$t/out" 2>"$t/err"; rc=$?
  if [[ $rc -eq 0 ]] && ! grep -qE "unrecognized option|invalid option|requires an argument" "$t/err" &&
     grep -q "Usage: ssmkit" "$t/out"; then pass=$((pass+1))
  else fail=$((fail+1)); echo "FAIL: ssmkit $cmd ${args[*]} --help: exit $rc"; cat "$t/err"; fi
done <"$here/flags.txt"

finish test_flags
