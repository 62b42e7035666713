#!/usr/bin/env bash
# test_inspect.sh — `ssmkit inspect` on good and malformed files. Every file is assembled here
# byte by byte with printf from the format descriptions (README, sk_shard.h), independently of
# the library's writers.
set -u
bin=${SSMKIT_BIN:?}
. "$(dirname "$0")/lib.sh"


# Little-endian integers of N bytes: le N VALUE
le() { local i; for ((i = 0; i < $1; i++)); do printf "\\$(printf %03o $(( ($2 >> (8 * i)) & 255 )))"; done; }
zeros() { local i; for ((i = 0; i < $1; i++)); do printf '\0'; done; }

# safetensors: u64 header length, header, data
st() {  # st FILE HEADER DATA-BYTES(printf format) [HEADER-LENGTH]
  { le 8 "${4:-${#2}}"; printf '%s' "$2"; printf "$3"; } >"$t/$1"
}

# --- a good safetensors file: F32 [2], BF16 [3] at a 2-byte-aligned offset, metadata with config
h='{"__metadata__":{"format":"pt","config":"{\"d_model\":64,\"n_layer\":2}"},"w.f32":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"w.bf16":{"dtype":"BF16","shape":[1,3],"data_offsets":[8,14]}}'
st good.safetensors "$h" '\0\0\200\77\0\0\0\300\200\77\0\100\300\77'
expect 0 "inspect good safetensors" -- "$bin" inspect "$t/good.safetensors"
grep_inF out "safetensors, 2 tensors, 14 data bytes" "summary line"
grep_inF out "w.f32 F32 [2] 8" "F32 tensor line"
grep_inF out "w.bf16 BF16 [1, 3] 6" "BF16 tensor line"
grep_inF out "format: pt" "metadata string"
grep_inF out '      "d_model":  64,' "config pretty-printed"

# --- a good shard: u8 tokens, vocab {"size": 4}, 3 examples
meta='{"vocab":{"size":4},"pad_token":0,"pad_rule":"ignore","labels":["neg","pos"],"domain":"dna"}'
ml=${#meta}; dof=$(( (64 + ml + 7) / 8 * 8 )); ntok=5; iof=$(( (dof + ntok + 7) / 8 * 8 ))
rec() { le 8 "$1"; le 8 "$2"; le 4 "$3"; le 1 "$4"; zeros 3; }   # offset length label split
shard() {  # shard FILE VERSION
  { printf 'SKSHARD\0'; le 4 "$2"; le 4 1; le 8 3; le 8 $ntok; le 8 64; le 8 "$ml"; le 8 $dof; le 8 $iof
    printf '%s' "$meta"; zeros $(( dof - 64 - ml ))
    printf '\1\2\3\0\1'; zeros $(( iof - dof - ntok ))
    rec 0 3 1 0; rec 3 2 0 1; rec 5 0 -1 0; } >"$t/$1"
}
shard good.shard 1
expect 0 "inspect good shard" -- "$bin" inspect "$t/good.shard"
grep_inF out "token shard" "shard kind"
grep_inF out "version: 1" "shard version"
grep_inF out "token width: 1 (uint8)" "token width"
grep_inF out "examples: 3 (train 2, valid 1, test 0)" "examples per split"
grep_inF out "tokens: 5 (train 3, valid 2, test 0)" "tokens per split"
grep_inF out "labels: none 1, 0 (neg) 1, 1 (pos) 1" "label counts"
grep_inF out "vocabulary size: 4" "vocab size"
grep_inF out "pad token: 0 (rule: ignore)" "pad"
grep_inF out 'domain: "dna"' "metadata"

# both at once
expect 0 "two files" -- "$bin" inspect "$t/good.safetensors" "$t/good.shard"

# --- malformed files: exit 1, "ssmkit: error: FILE: why"
bad() {  # bad FILE PATTERN
  expect 1 "$1" -- "$bin" inspect "$t/$1"
  grep_inF err "ssmkit: error: $t/$1: " "$1: error names the file"
  grep_inF err "$2" "$1: reason"
}
: >"$t/empty"; bad empty "empty file"
st len_beyond.st '{}' '' 100; bad len_beyond.st "beyond the end of the file"
st len_2_40.st '{}' '' 1099511627776; bad len_2_40.st ">= 2^40"
st notjson.st '{"a": [' ''; bad notjson.st "not valid JSON"
st beyond.st '{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}' '\0\0\0\0\0\0\0\0'; bad beyond.st "beyond the data section"
st mismatch.st '{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}' '\0\0\0\0\0\0\0\0'; bad mismatch.st "shape x F32 needs 3 x 4"
st overlap.st '{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[2,6]}}' '\0\0\0\0\0\0'
bad overlap.st "overlap"
st negshape.st '{"a":{"dtype":"U8","shape":[-2],"data_offsets":[0,2]}}' '\0\0'; bad negshape.st "shape[0] is not a non-negative integer"
st fshape.st '{"a":{"dtype":"U8","shape":[0.5],"data_offsets":[0,2]}}' '\0\0'; bad fshape.st "shape[0] is not a non-negative integer"
st dtype.st '{"a":{"dtype":"Q4","shape":[2],"data_offsets":[0,2]}}' '\0\0'; bad dtype.st 'unknown dtype "Q4"'
head -c -3 "$t/good.safetensors" >"$t/trunc.st"; bad trunc.st "truncated"
shard v2.shard 2; bad v2.shard "newer ssmkit"
{ printf 'GARBAGE\0'; tail -c +9 "$t/good.shard"; } >"$t/magic.shard"; bad magic.shard "ssmkit audio prep"
head -c 100 "$t/good.shard" >"$t/trunc.shard"; bad trunc.shard "truncated"
# an index record pointing beyond the data
{ head -c $iof "$t/good.shard"; rec 4 9 0 0; tail -c 48 "$t/good.shard"; } >"$t/idx.shard"; bad idx.shard "record 0"
# a good file then a bad one: the good one is described, the status is still 1
expect 1 "good then bad" -- "$bin" inspect "$t/good.shard" "$t/empty"
grep_inF out "token shard" "good file still described"
expect 1 "missing file" -- "$bin" inspect "$t/nope"
grep_inF err "$t/nope: cannot open" "missing file named"
expect 1 "a folder" -- "$bin" inspect "$t"
grep_inF err "not a regular file" "folder named as such"
printf 'hello world\n' >"$t/text.txt"; bad text.txt "neither a safetensors file nor an ssmkit token shard"
expect 2 "no arguments" -- "$bin" inspect
expect 0 "--help" -- "$bin" inspect --help
grep_inF out "Usage: ssmkit inspect" "help text"

finish test_inspect
