/* sk_param.h — the parameter table every model in models/ exposes (checkpoint name, shape, backend
 * value and gradient pointers, weight-decay flag), how a model builds it, the backend arena helper
 * and the checkpoint writer of a table. Defined in sk_param.c.
 */
#ifndef SK_PARAM_H
#define SK_PARAM_H

#include <stdint.h>
#include "kernels/sk_backend.h"
#include "src/sk_arena.h"
#include "src/sk_error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sk_param {
    char name[96];      /* checkpoint name, e.g. backbone.layers.0.mixer.A_log */
    int ndim;
    int64_t shape[3];
    int64_t numel;
    float *w, *g;       /* backend memory; g is NULL without gradients */
    int no_weight_decay; /* A_log, D (mamba_ssm's _no_weight_decay), norms and biases */
} sk_param;

/* A parameter table under construction: sk_ptable_add appends a parameter (name, shape, no weight
 * decay flag) and records where its value / gradient pointers go once the arenas exist. */
typedef struct sk_ptable {
    sk_param *params;
    float ***bind_w, ***bind_g;
    int *np;
} sk_ptable;
sk_param *sk_ptable_add(sk_ptable *t, const char *name, int ndim, int64_t s0, int64_t s1, int64_t s2, int nowd,
                        float **vw, float **vg);

/* Point every slot of a size table into one backend allocation (*base, zero-filled; free it with
 * be->free). Used by every model in models/. */
int sk_arena_alloc_on(sk_arena *a, const sk_backend *be, void **base) SK_RESULT_USED;

/* Write a parameter table (or its gradients) as one fp32 safetensors file, atomically, with the
 * config JSON in __metadata__["config"] and "format" = "ssmkit" or "ssmkit-gradients". total =
 * the sum of the tensors' numel. */
int sk_params_save(const sk_backend *be, const sk_param *params, int np, int64_t total, const char *config_json,
                   const char *path, int grads) SK_RESULT_USED;

#ifdef __cplusplus
}
#endif
#endif
