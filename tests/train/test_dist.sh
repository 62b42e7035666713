#!/usr/bin/env bash
# test_dist.sh — `ssmkit train` under mpirun (data parallelism). Skips (77) when ssmkit was built without MPI.
#   1. 2 ranks with --batch B equal 1 process with --batch 2B step for step: every logged loss
#      and the final validation within 1e-5 over 20 steps (compared by awk, independently of the
#      trainer).
#   2. --resume with the same rank count continues bitwise (the loss lines of an uninterrupted
#      2-rank run); with another count it fails with a message naming both counts.
#   3. A bad record injected on rank 1 (SSMKIT_INJECT_BAD_RECORD=1:3) ends every rank within 30 s,
#      exit status non-zero, with the message on stderr.
set -u
have_mpi=${1:?usage: test_dist.sh HAVE_MPI MPIEXEC GEN}
mpiexec=${2:-mpirun}
gen=${3:?}
if [ "$have_mpi" != ON ] && [ "$have_mpi" != 1 ]; then echo "skipped: ssmkit built without MPI"; exit 77; fi
bin=${SSMKIT_BIN:?}
. "${SSMKIT_SRC:?}/tests/cli/lib.sh"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1
MPI="$mpiexec --oversubscribe -np"
X="-x OMP_NUM_THREADS=1"

"$gen" "$t/data.txt" 30000 7 >/dev/null || exit 1
cat >"$t/tiny.json" <<'EOF2'
{"description": "test", "arch": "mamba-lm", "d_model": 16, "n_layer": 2, "vocab_size": 256, "d_state": 4}
EOF2
O="-d $t/data.txt -c $t/tiny.json -L 32 -n 20 --log-every 1 --eval-every 10 --lr 5e-3 --warmup 2 -@ 1 -q"
losses() { grep -o '"loss":[-0-9.e+]*\|"valid_bits":[-0-9.e+]*' "$1" | cut -d: -f2; }

# ---- 1. equivalence
mkdir -p "$t/one" "$t/two"
expect 0 "1 process, batch 4" -- "$bin" train $O -b 4 -o "$t/one/m.safetensors"
expect 0 "mpirun -np 2, batch 2" -- $MPI 2 $X "$bin" train $O -b 2 -o "$t/two/m.safetensors"
n1=$(losses "$t/one/m.log.jsonl" | wc -l); n2=$(losses "$t/two/m.log.jsonl" | wc -l)
worst=$(paste <(losses "$t/one/m.log.jsonl") <(losses "$t/two/m.log.jsonl") |
        awk '{d = $1 - $2; if (d < 0) d = -d; if (d > m) m = d} END {printf "%.3g", m + 0}')
echo "1 vs 2 ranks: $n1 and $n2 values (20 losses + 2 validations), worst |difference| $worst"
if [ "$n1" -eq 22 ] && [ "$n2" -eq 22 ] && awk -v w="$worst" 'BEGIN {exit !(w < 1e-5)}'; then pass=$((pass+1)); else
  fail=$((fail+1)); echo "FAIL: losses of 2 ranks differ from 1 process"; paste <(losses "$t/one/m.log.jsonl") <(losses "$t/two/m.log.jsonl"); fi
# the losses change over training (a comparison of constants would prove nothing)
first=$(losses "$t/one/m.log.jsonl" | head -1); last=$(grep -o '"loss":[-0-9.e+]*' "$t/one/m.log.jsonl" | tail -1 | cut -d: -f2)
awk -v a="$first" -v b="$last" 'BEGIN {exit !(a - b > 0.1)}' && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL: loss did not fall ($first -> $last)"; }
"$bin" inspect "$t/two/m.safetensors" >"$t/insp" 2>&1
grep_in insp '^  step: 20$' "rank 0 wrote the checkpoint"

# ---- 2. resume with the same / another rank count (constant schedule: a run cut at 10 steps
# and resumed to 20 is the 20-step run)
C="-d $t/data.txt -c $t/tiny.json -L 32 -b 2 --log-every 1 --eval-every 0 --ckpt-every 0 --schedule constant --warmup 0 -@ 1 -q"
# both runs train in $t/run (the stored options name the log path), the first is then moved
mkdir -p "$t/run"
expect 0 "2 ranks, 20 steps" -- $MPI 2 $X "$bin" train $C -n 20 -o "$t/run/m.safetensors"
mv "$t/run" "$t/ref"; mkdir "$t/run"
expect 0 "2 ranks, 10 steps" -- $MPI 2 $X "$bin" train $C -n 10 -o "$t/run/m.safetensors"
expect 1 "resume with 1 process" -- "$bin" train -o "$t/run/m.safetensors" --resume -n 20 -@ 1 -q
grep_inF err "written by a run of 2 rank(s) but this run has 1" "changed rank count: clear error"
expect 0 "resume with 2 ranks" -- $MPI 2 $X "$bin" train -o "$t/run/m.safetensors" --resume -n 20 -@ 1 -q
mv "$t/run" "$t/res"
if cmp -s <(grep -o '"step":[0-9]*,"loss":[-0-9.e+]*' "$t/ref/m.log.jsonl") <(grep -o '"step":[0-9]*,"loss":[-0-9.e+]*' "$t/res/m.log.jsonl"); then
  pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: resumed 2-rank losses differ"; fi
# the weights (the data section; the metadata differs: --steps given on resume reorders the options)
nb=$("$bin" inspect "$t/ref/m.safetensors" | sed -n 's/.* \([0-9][0-9]*\) data bytes.*/\1/p')
if [ -n "$nb" ] && cmp -s <(tail -c "$nb" "$t/ref/m.safetensors") <(tail -c "$nb" "$t/res/m.safetensors"); then
  pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: resumed final weights differ from the uninterrupted run ($nb bytes)"; fi

# ---- 3. a bad record on rank 1 ends every rank
mkdir -p "$t/bad"
start=$(date +%s)
SSMKIT_INJECT_BAD_RECORD=1:3 timeout 60 $MPI 2 $X -x SSMKIT_INJECT_BAD_RECORD "$bin" train $O -b 2 -o "$t/bad/m.safetensors" \
  >"$t/out" 2>"$t/err"
rc=$?
secs=$(( $(date +%s) - start ))
echo "bad record on rank 1: exit $rc after ${secs} s"
if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && [ "$secs" -lt 30 ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: exit $rc after $secs s"; cat "$t/err"; fi
grep_inF err "ssmkit: error: [rank 1/2]" "the failing rank is named"
grep_inF err "bad record (injected by SSMKIT_INJECT_BAD_RECORD on rank 1)" "the message reaches stderr"
[ ! -e "$t/bad/m.safetensors" ] && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL: a checkpoint was written"; }
finish test_dist
