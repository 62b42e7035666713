#!/bin/bash
# test_model_calls.sh — no two object files of models/ call functions defined in each other: for
# every pair (a, b) of models/*.o members of the library, not both "a uses a symbol b defines" and
# "b uses a symbol a defines" (nm: U = used, T = defined text). models/README.md §Files.
lib=${1:?usage: test_model_calls.sh libssmkit.a}
command -v nm >/dev/null || { echo "nm (binutils) not found: skipped"; exit 77; }
src=${SSMKIT_SRC:?}
members=$(for f in "$src"/models/*.c; do basename "$f" .c; done)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
nm -A "$lib" 2>/dev/null | awk -v t="$tmp" '{
  split($1, p, ":"); obj = p[2]; sub(/\.c\.o$|\.o$/, "", obj)
  if (NF == 3 && $2 == "T") print $3 > (t "/" obj ".def")
  else if (NF == 3 && $2 == "U") print $3 > (t "/" obj ".use")
  if (NF == 3 || $2 == "U") printf "" > (t "/" obj ".seen") }'
pairs=0 bad=0
for a in $members; do
  [ -f "$tmp/$a.seen" ] || { echo "FAIL: no object for models/$a.c in $lib"; bad=$((bad+1)); continue; }
  for b in $members; do
    [[ "$a" < "$b" ]] || continue
    pairs=$((pairs+1))
    ab=$(sort -u "$tmp/$a.use" 2>/dev/null | comm -12 - <(sort -u "$tmp/$b.def" 2>/dev/null) | head -3 | tr '\n' ' ')
    ba=$(sort -u "$tmp/$b.use" 2>/dev/null | comm -12 - <(sort -u "$tmp/$a.def" 2>/dev/null) | head -3 | tr '\n' ' ')
    if [ -n "$ab" ] && [ -n "$ba" ]; then
      echo "FAIL: models/$a.c and models/$b.c call each other ($a -> $ab; $b -> $ba)"; bad=$((bad+1))
    fi
  done
done
echo "$pairs pairs of models/ objects checked, $bad calling each other"
[ "$bad" -eq 0 ]
