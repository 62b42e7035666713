#!/usr/bin/env bash
# test_run_lock.sh — the files of one training run (src/sk_guard.h, models/sk_trainer.h):
#  - a second `train -o` on the STEM of a running train fails with "STEM: is being written by
#    another ssmkit (pid N)", N the first run's pid; the first run (stopped with SIGSTOP while the
#    second tries, then continued) succeeds and its log is one run's: valid JSON lines, one start
#    line, steps 1..N once each in order;
#  - rerunning train or finetune over a run's files without --resume is refused and leaves the
#    files as they were (checksums); --overwrite starts over; --resume with --overwrite is a usage
#    error;
#  - temporary files ".STEM.*.tmp.PID.*" of a pid that has ended are removed when a run takes the
#    STEM; those of a live process, without a pid, or of another STEM stay; a run killed with
#    kill -9 leaves a lock file that blocks nothing, and the next run leaves no temporary file.
set -u
bin=${SSMKIT_BIN:?}
. "${SSMKIT_SRC:?}/tests/cli/lib.sh"
cd "$t" || exit 1
tiny_lm_fixture
train() { "$bin" train -d data.txt -c tiny.json -q -@ 1 "$@"; }
resume() { "$bin" train --resume -q -@ 1 "$@"; }

# ---- two runs on one STEM
"$bin" train -d data.txt -c tiny.json -q -@ 1 -o m.safetensors --steps 2000 --eval-every 0 2>a.err &
apid=$!
for ((i = 0; i < 600; i++)); do grep -q '^{"step":1,' m.log.jsonl 2>/dev/null && break; sleep 0.05; done
kill -STOP "$apid"
expect 1 "a second train on the STEM of a running one" -- "$bin" train -d data.txt -c tiny.json -q -@ 1 \
  -o m.safetensors --steps 4
grep_inF err "m: is being written by another ssmkit (pid $apid)" "the second run names the first one's pid"
kill -CONT "$apid"
wait "$apid"
check "the first run succeeds (exit $?)" "[ $? -eq 0 ]"
if command -v jq >/dev/null; then
  check "the first run's log is valid JSON lines" "jq -e -s 'all(.[]; type == \"object\")' m.log.jsonl >/dev/null"
fi
check "the log is one run's: one start line, steps 1..2000 once each in order" \
  "awk -F'[:,]' '/\"event\":\"start\"/ { s++; next } { if (\$2 != n + 1) exit 1; n = \$2 } END { exit !(s == 1 && n == 2000) }' m.log.jsonl"
check "the lock file is gone after the run" "[ ! -e m.lock ]"

# ---- a rerun over a run's files
expect 0 "train" -- train -o r.safetensors
sums=$(cksum r.safetensors r.best.safetensors r.train.safetensors r.log.jsonl)
expect 1 "train again over the run's files" -- train -o r.safetensors
grep_inF err "r.safetensors: an earlier run's files are there (r.safetensors): continue it with --resume, or give --overwrite to start over" "the refusal says what to do"
check "the refused rerun left the files as they were" "[ \"\$(cksum r.safetensors r.best.safetensors r.train.safetensors r.log.jsonl)\" = \"\$sums\" ]"
rm r.safetensors r.best.safetensors r.train.safetensors
expect 1 "train again over a run's log alone" -- train -o r.safetensors
expect 2 "--resume with --overwrite" -- train -o r.safetensors --resume --overwrite
expect 0 "train --overwrite" -- train -o r.safetensors --overwrite
expect 0 "train --resume to more steps" -- resume -o r.safetensors --steps 6
check "the resumed run went on to step 6" "grep -q '^{\"step\":6,' r.log.jsonl"

if "$bin" --version | grep -q genomics; then
  gc_at_fixture
  ft() { "$bin" finetune --train train.tsv --valid valid.tsv -L 32 -b 4 --epochs 1 --steps-per-epoch 2 -@ 1 -q "$@"; }
  expect 0 "finetune" -- ft -o f.safetensors
  sums=$(cksum f.safetensors f.best.safetensors f.log.jsonl)
  expect 1 "finetune again over the run's files" -- ft -o f.safetensors
  grep_inF err "f.safetensors: an earlier run's files are there (f.safetensors): give --overwrite to start over" "finetune: says what to do"
  check "the refused finetune left the files as they were" "[ \"\$(cksum f.safetensors f.best.safetensors f.log.jsonl)\" = \"\$sums\" ]"
  expect 0 "finetune --overwrite" -- ft -o f.safetensors --overwrite
fi

# ---- temporary files of dead writers
sleep 300 &
live=$!
(exit 0) &
dead=$!
wait "$dead"
planted=(".r.safetensors.tmp.$dead.abc123" ".r.train.safetensors.tmp.$dead.xyz789" ".r.best.safetensors.tmp.$live.qwe456"
  ".r.safetensors.tmp.Ab12cd" ".other.safetensors.tmp.$dead.aaaaaa")
touch "${planted[@]}"
expect 0 "train --resume takes the STEM" -- resume -o r.safetensors --steps 8
check "a dead writer's temporary model is removed" "[ ! -e ${planted[0]} ]"
check "a dead writer's temporary state is removed" "[ ! -e ${planted[1]} ]"
check "a live process's temporary file stays" "[ -e ${planted[2]} ]"
check "a temporary file without a pid stays" "[ -e ${planted[3]} ]"
check "another STEM's temporary file stays" "[ -e ${planted[4]} ]"
kill "$live"
rm -f "${planted[2]}" "${planted[3]}" "${planted[4]}"

# a run killed with kill -9 while it writes a checkpoint at every update
"$bin" train -d data.txt -c tiny.json -q -@ 1 -o k.safetensors --steps 1000000 --ckpt-every 1 --eval-every 0 &
kpid=$!
for ((i = 0; i < 600; i++)); do [ -e k.train.safetensors ] && break; sleep 0.05; done
sleep 0.3
kill -9 "$kpid"
wait "$kpid" 2>/dev/null
check "the killed run left its lock file" "[ -e k.lock ]"
expect 0 "a new run over the killed one's files (--overwrite)" -- train -o k.safetensors --overwrite
check "no temporary file is left" "! ls -a | grep -q '\.tmp\.'"
check "no lock file is left" "[ ! -e k.lock ]"
finish test_run_lock
