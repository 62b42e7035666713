/* sk_model_plan.h — the memory plan of training a model (sk_model_plan.c): the chunk choice of
 * `ssmkit train --chunk`, the model built for it and the `--dry-run` report, which also gives the
 * memory of inference (eval, classify, embed) at the same batch and length. */
#ifndef SK_MODEL_PLAN_H
#define SK_MODEL_PLAN_H

#include <stdio.h>
#include "models/sk_model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* the chunk budget of "auto": no chunking while the activations of batch x length fit in
 * SK_PLAN_AUTO_OFF bytes; otherwise the longest chunk (a power of two times the length multiple)
 * whose activations fit in SK_PLAN_AUTO_CHUNK bytes */
#define SK_PLAN_AUTO_OFF ((int64_t)1 << 30)
#define SK_PLAN_AUTO_CHUNK ((int64_t)512 << 20)
/* Resolve a chunk spec: "auto", "off" (or "0"), or a length N >= 1. *chunk = 0 means no chunking
 * (also when N >= L). why: a short reason for the log. */
int sk_model_plan_chunk(const sk_model_config *c, const sk_backend *be, int64_t b, int64_t L, const char *spec,
                        int64_t *chunk, char *why, size_t why_len) SK_RESULT_USED;
/* The model for training b x L with the chunk (0 = none): created with max_len = chunk (or L),
 * gradients on, chunking set. */
int sk_model_plan_create(const sk_model_config *c, const sk_backend *be, int64_t b, int64_t L, int64_t chunk,
                         sk_model **out) SK_RESULT_USED;
/* The memory of an inference model (SK_MODEL_INFER) for b x L: what eval, classify and embed
 * allocate for the model (activations, model host buffers; parameters as in training). */
int sk_model_plan_infer(const sk_model_config *c, const sk_backend *be, int64_t b, int64_t L,
                        sk_model_mem *out) SK_RESULT_USED;
/* The --dry-run report (the memory model is described in models/README.md §Memory plan). data:
 * the data files (NULL-terminated; missing files count 0); nsources: data sources with a row
 * buffer; threads: kernel threads. *peak receives the predicted peak in bytes. */
int sk_model_plan_report(FILE *out, const sk_model_config *c, const char *what, const sk_backend *be, int64_t b,
                         int64_t L, int64_t chunk, const char *const *data, int nsources, int threads,
                         int64_t *peak) SK_RESULT_USED;

#ifdef __cplusplus
}
#endif
#endif
