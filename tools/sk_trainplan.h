/* sk_trainplan.h — the memory plan of `ssmkit train`: the chunk length (--chunk, issue 12), the
 * model built for it, and the --dry-run report (predicted peak resident memory). tools/ only.
 *
 * Memory model (bytes; every term is printed by --dry-run):
 *   parameters P, gradients P, AdamW moments 2P                    (P = 4 x parameter count)
 *   activations   the model's activation arena for batch x chunk (all blocks' saved tensors, the
 *                 backward scratch, logits) — linear in batch x chunk, not in the length
 *   chunk states  boundary states ceil(L / chunk) + working state + 2 state gradients
 *   host buffers  the model's (loss scratch; chunked input copies, 9 B/token LM, 8 B/token U-Net),
 *                 the trainer's (inputs and targets 8 B/token; 3P checkpoint staging) and the
 *                 model saver's host copy (P)
 *   data          each data source's row buffer, plus the data files (mapped; counted whole, an
 *                 upper bound of the pages a run touches)
 *   runtime       the program, its libraries and the thread pools' buffers: the process's resident
 *                 size when it plans (VmRSS; a constant measured on dev-2c, SK_PLAN_RUNTIME_MIB,
 *                 where /proc is unreadable) plus SK_PLAN_THREAD_MIB per kernel thread
 * Peak = the sum (everything above is allocated for the whole run; a step allocates nothing).
 */
#ifndef SK_TRAINPLAN_H
#define SK_TRAINPLAN_H

#include <stdint.h>
#include <stdio.h>
#include "tools/sk_lm.h"

/* the chunk budget of --chunk auto: no chunking while the activations of batch x length fit in
 * SK_PLAN_AUTO_OFF bytes; otherwise the longest chunk (a power of two times the pool product of
 * a U-Net, 1 of an LM) whose activations fit in SK_PLAN_AUTO_CHUNK bytes */
#define SK_PLAN_AUTO_OFF ((int64_t)1 << 30)
#define SK_PLAN_AUTO_CHUNK ((int64_t)512 << 20)

/* Resolve --chunk: spec "auto", "off" (or "0"), or a length N >= 1. *chunk = 0 means no
 * chunking (also when N >= L). why: a short reason for the log. */
int sk_plan_chunk(const sk_any_config *cfg, const sk_backend *be, int64_t b, int64_t L, const char *spec,
                  int64_t *chunk, char *why, size_t why_len) SK_RESULT_USED;

/* The model for training b x L with the chunk (0 = none): created with max_len = chunk (or L),
 * gradients on, chunking set. Exactly one of *lm / *unet is set. */
int sk_plan_create(const sk_any_config *cfg, const sk_backend *be, int64_t b, int64_t L, int64_t chunk,
                   sk_mamba_lm **lm, sk_unet **unet) SK_RESULT_USED;

/* What --dry-run prints. data: the data files (NULL-terminated; missing files count 0);
 * nsources: data sources with a row buffer (train, valid, warm-up stages); threads: kernel
 * threads. *peak receives the predicted peak in bytes. */
int sk_plan_report(FILE *out, const sk_any_config *cfg, const char *what, const sk_backend *be, int64_t b, int64_t L,
                   int64_t chunk, const char *const *data, int nsources, int threads, int64_t *peak) SK_RESULT_USED;

#endif
