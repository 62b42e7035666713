/* sk_head.h — the cross-entropy of a token head, shared by the LM and the U-Net (sk_head.c). */
#ifndef SK_HEAD_H
#define SK_HEAD_H

#include <stdint.h>
#include "kernels/sk_backend.h"
#include "src/sk_error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Mean cross-entropy over the non-ignored targets (-1) of logits (rows, V). targets: host (rows);
 * tgt, losses: backend scratch (rows); dlogits: backend (rows, V) or NULL (no gradient):
 * (softmax - onehot) / count; host_loss: host scratch (rows), receives the per-position losses.
 * count = the number of non-ignored targets (the caller validated them). */
int sk_head_xent(const sk_backend *be, double *loss, float *dlogits, const float *logits, const int32_t *targets,
                 int32_t *tgt, float *losses, float *host_loss, int64_t rows, int64_t V, int64_t count) SK_RESULT_USED;

#ifdef __cplusplus
}
#endif
#endif
