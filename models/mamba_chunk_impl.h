/* mamba_chunk_impl.h — private to models/ (not installed): the chunked training driver of the
 * Mamba LM, defined in sk_mamba_chunk.c and used by sk_mamba.c. */
#ifndef MAMBA_CHUNK_IMPL_H
#define MAMBA_CHUNK_IMPL_H

#include "models/mamba_lm_impl.h"

/* The LM's passes the chunker drives (sk_mamba.c fills them; see mamba_lm_impl.h's struct). */
typedef struct sk_lm_chunk_ops {
    int (*backbone_forward)(sk_mamba_lm *m, const int32_t *tokens, int64_t b, int64_t L, const uint8_t *reset,
                            sk_mamba_lm_state *st);
    int (*backbone_backward)(sk_mamba_lm *m, const sk_mamba_lm_state *dst_out, sk_mamba_lm_state *dst_in);
    int (*head_forward)(sk_mamba_lm *m, const int32_t *targets, int64_t rows, int64_t count, double *loss);
    int (*head_backward)(sk_mamba_lm *m);
    int (*state_make)(const sk_mamba_lm *m, int64_t b, int alloc, sk_mamba_lm_state **out);
    int (*state_reset)(sk_mamba_lm_state *st);
    void (*state_free)(sk_mamba_lm_state *st);
} sk_lm_chunk_ops;

/* m->ch: chunked training of C positions per chunk up to max_total (chunk 0 = off). */
int sk_lm_chunker_set(sk_mamba_lm *m, const sk_lm_chunk_ops *ops, int64_t chunk, int64_t max_total);
int64_t sk_lm_chunker_chunk(const sk_mamba_lm *m); /* 0 = off */
void sk_lm_chunker_free(sk_mamba_lm *m);
/* adds the chunker's boundary states and host copies to o */
void sk_lm_chunker_memory(const sk_mamba_lm *m, sk_model_mem *o);
/* the chunked forward (count = the targets of the whole batch) and its backward */
int sk_lm_chunker_forward(sk_mamba_lm *m, const int32_t *tokens, const int32_t *targets, int64_t b, int64_t L,
                          const uint8_t *reset, sk_mamba_lm_state *st, int64_t count, double *loss);
int sk_lm_chunker_backward(sk_mamba_lm *m);

#endif
