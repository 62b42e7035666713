#!/usr/bin/env bash
# test_cuda_module.sh (labels cli unit cuda; builds with a CUDA backend, the emulator's included) —
# the CUDA backend is a module loaded only for --device cuda (kernels/sk_cuda_module.h):
#   - the program does not link cudart, cuBLAS or NCCL (ldd), and a CPU run (`presets`, `train`,
#     `eval` on the CPU) loads none of them nor the module (the loader's LD_DEBUG=files list);
#     `presets` peaks below 32 MiB resident (a CPU build: about 8 MiB; one linking the CUDA
#     libraries: about 220 MiB), when /usr/bin/time is there;
#   - with the module made unreachable (SSMKIT_CUDA_MODULE pointing at a missing file) the CPU paths
#     still run: eval gives the same output as with it; --device cuda then fails (exit 1) naming
#     the module's path and the loader's reason; a file that is not an ssmkit module is named so;
#   - with the module: --device cuda loads it and works, or on a machine without a GPU fails with
#     "no usable GPU".
set -u
bin=${SSMKIT_BIN:?}
. "${SSMKIT_SRC:?}/tests/cli/lib.sh"
cd "$t" || exit 1
cudalibs='libcudart|libcublas|libnccl|libssmkit_cuda'
# loaded WHAT ARGS...: the shared objects the loader maps for `ssmkit ARGS` (stdout/stderr of the run in $t/run.*)
loaded() {
  LD_DEBUG=files "$bin" "$@" >run.out 2>run.err
  local rc=$?
  grep -o 'file=[^ ]*' run.err | sort -u >libs.txt
  return $rc
}

check "ssmkit links no CUDA library (ldd)" "! ldd '$bin' | grep -E '$cudalibs'"
loaded presets
check "presets maps no CUDA library nor the module" "! grep -E '$cudalibs' libs.txt"
if [ -x /usr/bin/time ]; then
  /usr/bin/time -f '%M' -o rss.txt "$bin" presets >/dev/null
  check "presets peak RSS $(cat rss.txt) KiB < 32 MiB" "[ \$(cat rss.txt) -lt 32768 ]"
else
  echo "test_cuda_module: /usr/bin/time missing: peak RSS not checked"
fi

tiny_lm_fixture
expect 0 "train on the cpu" -- "$bin" train -c tiny.json -d data.txt -n 2 -@ 1 -q -o m.safetensors
loaded eval -m m.safetensors -d data.txt -L 64 -@ 1
cp run.out eval-with.txt
check "eval on the cpu maps no CUDA library nor the module" "! grep -E '$cudalibs' libs.txt"
export SSMKIT_CUDA_MODULE=$t/nowhere/libssmkit_cuda.so
expect 0 "eval on the cpu without the module" -- "$bin" eval -m m.safetensors -d data.txt -L 64 -@ 1
check "eval without the module prints what it prints with it" "cmp -s out eval-with.txt"
expect 1 "--device cuda without the module" -- "$bin" eval -m m.safetensors -d data.txt -L 64 --device cuda
grep_inF err "ssmkit: error: --device cuda: cannot load the CUDA module $SSMKIT_CUDA_MODULE: " "names the module's path"
grep_inF err "No such file or directory" "and the loader's reason"
grep_inF err "use --device cpu" "and the way out"
expect 1 "train --device cuda without the module" -- "$bin" train -c tiny.json -d data.txt -n 1 -q -o x.safetensors --device cuda
grep_inF err "cannot load the CUDA module" "train says so too"
printf 'not a shared object\n' >bogus.so
SSMKIT_CUDA_MODULE=$t/bogus.so expect 1 "--device cuda with a file that is no module" -- "$bin" eval -m m.safetensors -d data.txt --device cuda
grep_inF err "cannot load the CUDA module $t/bogus.so" "names it"
unset SSMKIT_CUDA_MODULE

loaded eval -m m.safetensors -d data.txt -L 64 -@ 1 --device cuda
rc=$?
check "--device cuda loads the module" "grep -q 'libssmkit_cuda' libs.txt"
if grep -q "no usable GPU" run.err; then
  check "--device cuda without a GPU: exit 1 and a clear message" "[ $rc -eq 1 ] && grep -q 'ssmkit: error: --device cuda: no usable GPU (' run.err"
else
  check "--device cuda: eval runs (exit $rc)" "[ $rc -eq 0 ] && grep -q '^loss' run.out"
fi
finish test_cuda_module
