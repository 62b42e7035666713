# dna_lib.sh — sourced by the genomics test scripts after `bin=${SSMKIT_BIN:?}`: skips (77) when
# the genomics front-end is not built, sources tests/cli/lib.sh ($t, counters, finish), works in
# $t with no CRAM reference servers, and adds:
#   ok / bad WHAT            count a pass / a failure (printed)
#   same FILE1 FILE2 WHAT    the two files are byte for byte equal (else the first lines of the diff)
"$bin" --version | grep -q genomics || { echo "genomics front-end not built: skipped"; exit 77; }
. "${SSMKIT_SRC:?}/tests/cli/lib.sh"
cd "$t" || exit 1
unset REF_PATH REF_CACHE
same() { if cmp -s "$1" "$2"; then ok; else bad "$3"; diff "$1" "$2" | head -6; fi; }
