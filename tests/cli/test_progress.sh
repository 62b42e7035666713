#!/usr/bin/env bash
# test_progress.sh — the progress line of the long-running commands (tools/README.md §Progress on a terminal):
# each command is run four times, with stderr a pseudo-terminal (script(1) from util-linux) or a
# file, with and without -q:
#   - on a terminal, stderr shows the command's summary line "LABEL: N UNIT in M:SS, R UNIT/s";
#   - that is all it adds: the terminal's stderr without the progress text equals the stderr of
#     the run into a file (numbers masked: some commands print their own timings);
#   - with -q the terminal's stderr equals the file run's with -q: no progress line at all;
#   - stdout is byte-identical in all four runs (an output file, which records its command line,
#     in the runs of the same command).
# One run over a 400 kb record shows the running line of a named record: its bases against the
# record's length, a rate and an ETA. The text of the line itself is tests/src/test_progress_line.c.
set -u
bin=${SSMKIT_BIN:?}
"$bin" --version | grep -q genomics || { echo "genomics front-end not built: skipped"; exit 77; }
command -v script >/dev/null || { echo "script (util-linux) not installed: skipped"; exit 77; }
. "${SSMKIT_SRC:?}/tests/cli/lib.sh"
cd "$t" || exit 1

# stderr as a file would hold it: the progress text (from a carriage return to the clear-line
# escape) dropped, lines that held only progress removed, CR LF of the terminal made LF
strip_tty() { sed -e '/\x1b\[K/{ s/\r[^\r]*\x1b\[K//g; /^\r\?$/d; }' -e 's/\r$//' "$1"; }
# numbers masked (timings differ from run to run)
mask() { sed -e 's/[0-9][0-9.e+-]*/N/g' "$1"; }

# tty NAME OUTFILE CMD...: runs CMD four ways in $t/NAME.{file,tty,qfile,qtty}: stdout in .out,
# stderr in .err (the terminal's in .err too), OUTFILE (or -) copied to .res
tty4() {
  local name=$1 res=$2; shift 2
  local cmd; cmd=$(printf '%q ' "$@")
  last_res=$res
  for v in file tty qfile qtty; do
    local q=""; case $v in q*) q="-q";; esac
    case $v in
      *file) "$@" $q >"$name.$v.out" 2>"$name.$v.err" ;;
      *tty) script -qec "$cmd $q >$name.$v.out" /dev/null >"$name.$v.err" </dev/null ;;
    esac
    if [ "$res" = - ]; then cp "$name.$v.out" "$name.$v.res"; else cp "$res" "$name.$v.res"; fi
  done
}
# checks of a tty4 run: LABEL and UNIT of its summary line
checks() {
  local name=$1 label=$2 unit=$3 re
  re="^$label: [0-9.]+[kMGTP]? $unit in [0-9]+:[0-9][0-9], [0-9.]+[kMGTP]? $unit/s"
  check "$name: the terminal shows '$label: N $unit in M:SS, R $unit/s'" \
    "tr '\r' '\n' < $name.tty.err | sed 's/\x1b\[K//g' | grep -Eq '$re'"
  check "$name: no progress into a file" "! grep -q \$'\x1b\\\\[K' $name.file.err && ! grep -Eq '$re' $name.file.err"
  check "$name: nothing else on the terminal (its stderr less the progress = the file run's)" \
    "diff <(strip_tty $name.tty.err | mask /dev/stdin) <(mask $name.file.err)"
  check "$name -q: nothing on the terminal but the -q file run's stderr" \
    "diff <(sed 's/\r$//' $name.qtty.err | mask /dev/stdin) <(mask $name.qfile.err)"
  # an output file records its command line (with or without -q): compared with the same command
  check "$name: the output is identical with and without a terminal" \
    "[ -s $name.file.res ] && cmp -s $name.file.res $name.tty.res && cmp -s $name.qfile.res $name.qtty.res &&
     { [ $last_res != - ] || cmp -s $name.file.res $name.qfile.res; }"
}

# ---- fixtures: a random genome, a tiny DNA LM (one update), a tiny classifier ----
tiny_dna_lm_fixture
awk 'BEGIN { srand(5); for (i = 0; i < 600; i++) printf "%c", 7 + int(rand() * 5) }' > tok.bin
awk 'BEGIN { srand(7); for (i = 0; i < 60; i++) { c = i % 2; n = 40 + int(rand() * 100); s = "";
  for (j = 0; j < n; j++) { r = rand(); s = s (c ? (r < 0.7 ? "G" : "A") : (r < 0.7 ? "A" : "G")) }
  print (c ? "gc" : "at") "\t" s > (i < 50 ? "train.tsv" : "valid.tsv") } }'
expect 0 "finetune a tiny classifier" -- "$bin" finetune --train train.tsv --valid valid.tsv -c tiny.json -L 64 -b 8 \
  --epochs 1 --steps-per-epoch 3 -o clf.safetensors -@ 1 -q

# ---- every command: summary on a terminal only, -q silent, same output ----
tty4 eval_tok - "$bin" eval -m m.safetensors -d tok.bin -C 7 -@ 1
checks eval_tok eval tokens
tty4 eval_win - "$bin" eval -m m.safetensors -d g.fa -L 64 -@ 1
checks eval_win eval windows
tty4 eval_whole - "$bin" eval -m m.safetensors -d g.fa --whole -C 64 -@ 1
checks eval_whole eval bases
tty4 eval_shard - "$bin" eval -m m.safetensors -d g.shard --split train -L 64 -@ 1
checks eval_shard eval windows
tty4 export hf/model.safetensors "$bin" export -m m.safetensors --hf hf
checks export export bytes
tty4 classify - "$bin" classify -m clf.safetensors g.fa -@ 1
checks classify classify windows
tty4 classify_whole - "$bin" classify -m clf.safetensors --whole -C 64 g.fa -@ 1
checks classify_whole classify bases
tty4 embed - "$bin" embed -m m.safetensors -L 64 g.fa -@ 1
checks embed embed windows
tty4 embed_whole - "$bin" embed -m m.safetensors --whole -C 64 g.fa -@ 1
checks embed_whole embed bases
tty4 dna_windows w.shard "$bin" dna windows g.fa -L 64 -o w.shard
checks dna_windows "dna windows" windows
tty4 dna_species s.shard "$bin" dna windows --species g.fa g.fa -L 64 --train 40 --valid 4 --test 4 -o s.shard
checks dna_species "dna windows" windows
tty4 generate - "$bin" generate -m m.safetensors -n 300 -o - -@ 1
checks generate generate tokens
# finetune: each evaluation pass over the valid set (10 sequences)
# (each of the four runs starts over the previous one's files: --overwrite)
tty4 finetune ft.safetensors "$bin" finetune --overwrite --train train.tsv --valid valid.tsv -c tiny.json -L 64 -b 8 \
  --epochs 1 --steps-per-epoch 2 -o ft.safetensors -@ 1
check "finetune: the valid pass counts its 10 sequences" "tr '\r' '\n' < finetune.tty.err | grep -Eq '^valid: 10 sequences in '"
checks finetune valid sequences

# an audio U-Net (trained here on the DNA shard's bytes): eval of the shifted stream, audio generate
cat > u.json <<'J'
{"arch":"unet","d_model":8,"n_layer":1,"pool":[4,4],"vocab_size":256,
 "outer":{"block":"mamba","ssm":"s6","d_state":4,"expand":2},"center":{"block":"mamba","ssm":"s6","d_state":4,"expand":2}}
J
expect 0 "train a tiny U-Net" -- "$bin" train --config u.json --data g.shard -L 64 -b 2 -n 1 -q -o u.safetensors -@ 1
tty4 eval_unet - "$bin" eval -m u.safetensors -d tok.bin -C 64 -@ 1
checks eval_unet eval samples
if "$bin" --version | grep -q audio; then
  tty4 audio_generate clips/001.wav "$bin" audio generate -m u.safetensors -S 0.032 -n 2 -o clips -@ 1
  checks audio_generate "audio generate" samples
  # the speech scorer: a digit classifier trained on two classes of decoded tones, then the scores
  for c in lo hi; do
    mkdir -p "sc/$c"
    for k in 1 2 3 4 5 6; do
      LC_ALL=C awk -v c=$c -v k=$k 'BEGIN { for (i = 0; i < 4000; i++)
        printf "%c", 128 + int(100 * sin(i * (c == "lo" ? 0.05 : 1.3) + k) * (i % 997) / 997) }' > sc.mulaw
      expect 0 "decode a clip" -- "$bin" audio decode sc.mulaw -o "sc/$c/$k.wav"
    done
  done
  expect 0 "prep the clips" -- "$bin" audio prep sc --split 0.5,0.25,0.25 -o sc.shard -q
  tty4 audio_clf sc.safetensors "$bin" audio classifier train sc.shard -o sc.safetensors --d-model 8 --layers 1 --d-state 4 \
    --fft 256 --hop 256 --mels 8 --epochs 2 -b 4 -@ 1
  if grep -q "without FFTW" audio_clf.file.err; then echo "no FFTW: the speech scorer's progress not checked"; else
    checks audio_clf "audio classifier" clips
    tty4 audio_score - "$bin" audio score -c sc.safetensors --reference sc.shard sc -@ 1
    checks audio_score "audio score" clips
  fi
fi

# ---- a 400 kb record: the running line names it, its bases against its length, rate and ETA ----
awk 'BEGIN { srand(11); split("ACGT", b, ""); print ">big"; for (i = 0; i < 2000; i++) { s = "";
  for (j = 0; j < 200; j++) s = s b[1 + int(rand() * 4)]; print s } }' > big.fa
# the record is read in pieces: its length (for the percentage and the ETA) comes from big.fa.fai
expect 0 "index big.fa" -- "$bin" dna fetch big.fa big:1-1
script -qec "$(printf '%q ' "$bin" eval -m m.safetensors -d big.fa --whole -C 4096 -@ 1) >big.out" /dev/null >big.err </dev/null
check "a long record: 'eval big: D/400k bases (P%), R bases/s, eta M:SS' while it runs" \
  "tr '\r' '\n' < big.err | grep -Eq '^eval big: [0-9.]+[kM]?/400k bases \([0-9]+%\), [0-9.]+[kM]? bases/s, eta [0-9]+:[0-9][0-9]'"
grep_inF big.out "bases	400000" "the long record was evaluated"

# stdout on the terminal as well: eval ends its line before printing the results; commands whose
# rows stream to stdout draw no line there (it would break the rows)
script -qec "$(printf '%q ' "$bin" eval -m m.safetensors -d tok.bin -C 7 -@ 1)" /dev/null >both.txt </dev/null
check "eval on a terminal: its summary line, then the results" \
  "tr '\r' '\n' < both.txt | grep -v '^\$' | sed 's/\x1b\[K//g' | grep -A1 -E '^eval: 600 tokens in ' | tail -1 | grep -q '^model'"
script -qec "$(printf '%q ' "$bin" classify -m clf.safetensors g.fa -@ 1)" /dev/null >rows.txt </dev/null
check "classify, rows on the terminal: no progress line among them" "! grep -q \$'\x1b\\\\[K' rows.txt && grep -q '^r1' rows.txt"

# train: each validation pass over the valid split of a byte file (7 windows of 32)
tiny_lm_fixture # (its tiny.json replaces the DNA LM's, used up by now)
tty4 train tl.safetensors "$bin" train --data data.txt --config tiny.json -o tl.safetensors --overwrite -@ 1
check "train: each validation counts its 7 windows" "[ \$(tr '\r' '\n' < train.tty.err | grep -Ec '^valid: 7 windows in ') -eq 2 ]"
checks train valid windows

finish test_progress
