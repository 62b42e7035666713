/* sk_bench.h — the measurements of `ssmkit bench` (models/README.md §Benchmarks): training
 * throughput with a GEMM / scan / other time split, and the per-token time and memory of the
 * recurrent step. Each writes its table (Markdown rows, as in BENCHMARKS.md) to `out`.
 */
#ifndef SK_BENCH_H
#define SK_BENCH_H

#include <stdio.h>
#include "kernels/sk_backend.h"
#include "models/sk_model.h"

/* The two header lines of a report: "machine: host, CPU model, cores online, kernel threads" and
 * "command: ssmkit ARGS..." (argv as given, argv[0] being the command's name). */
void sk_bench_print_machine(FILE *out, int argc, char *const *argv, int threads);

/* Forward with loss, forward + backward, and a full optimizer step of a freshly initialized model
 * of config c on random tokens (batch b of length L, one warm-up then `iters` timed iterations per
 * phase), in tokens/s; the forward + backward time split into GEMM, scan and the rest (each gemm
 * and scan call timed with a device sync around it). One table row naming `what`, with `threads`
 * and the process's peak resident memory (src/sk_proc.h). */
int sk_bench_train(const sk_model_config *c, const sk_backend *be, int64_t L, int64_t b, int iters, const char *what,
                   int threads, FILE *out) SK_RESULT_USED;

/* n recurrent steps (n >= 1000) of a freshly initialized LM, each drawing its next token: at
 * tokens 1,000, 10,000, ... and n, the median CPU-time and wall-time step and the mean wall-time
 * step over the last 1,000 steps, and the process's resident memory; then the largest change of
 * each from token 1,000. */
int sk_bench_generate(const sk_model_config *c, const sk_backend *be, int64_t n, const char *what,
                      FILE *out) SK_RESULT_USED;

#endif
