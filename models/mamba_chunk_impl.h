/* mamba_chunk_impl.h — private to models/ (not installed): the chunked passes of the Mamba LM,
 * defined in sk_mamba_chunk.c and called by the entry points in sk_mamba.c. */
#ifndef MAMBA_CHUNK_IMPL_H
#define MAMBA_CHUNK_IMPL_H

#include "models/mamba_lm_impl.h"

int sk_mamba_lm_forward_chunked(sk_mamba_lm *m, const int32_t *tokens, const int32_t *targets, int64_t b, int64_t L,
                                const uint8_t *reset, sk_mamba_lm_state *st, int64_t count, double *loss);
int sk_mamba_lm_backward_chunked(sk_mamba_lm *m);
void sk_mamba_lm_chunk_free(sk_mamba_lm *m);

#endif
