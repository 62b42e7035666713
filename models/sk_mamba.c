/* sk_mamba.c — the Mamba LM's entry points that choose between the plain pass (sk_mamba_lm.c) and
 * the chunked one (sk_mamba_chunk.c): forward, backward, logits, step, free (sk_mamba.h). */
#include <stdlib.h>
#include "models/mamba_chunk_impl.h"

#define TRY(x)                                                                                     \
    do {                                                                                           \
        int rc_ = (x);                                                                             \
        if (rc_) return rc_;                                                                       \
    } while (0)

void sk_mamba_lm_free(sk_mamba_lm *m) {
    if (!m) return;
    sk_mamba_lm_chunk_free(m);
    sk_mamba_lm_release(m);
}

int sk_mamba_lm_forward(sk_mamba_lm *m, const int32_t *tokens, const int32_t *targets, int64_t b, int64_t L,
                        const uint8_t *reset, sk_mamba_lm_state *st, double *loss) {
    const int64_t V = m->cfg.vocab_padded, rows = b * L;
    int64_t count = 0;
    for (int64_t i = 0; targets && i < rows && b >= 1 && L >= 1; i++)
        if (targets[i] != -1) {
            if (targets[i] < 0 || targets[i] >= V) {
                m->fwd_ok = 0;
                return sk_error(SK_EINVAL, "target %d at batch %lld position %lld is outside the vocabulary [0, %lld)",
                                targets[i], (long long)(i / L), (long long)(i % L), (long long)V);
            }
            count++;
        }
    if (m->ch && L > sk_mamba_lm_chunk(m)) /* longer than a chunk: sk_mamba_chunk.c */
        return sk_mamba_lm_forward_chunked(m, tokens, targets, b, L, reset, st, count, loss);
    TRY(sk_mamba_lm_backbone_forward(m, tokens, b, L, reset, st));
    return sk_mamba_lm_head_forward(m, targets, rows, count, loss);
}

int sk_mamba_lm_logits(const sk_mamba_lm *m, float *dst) {
    if (!m->fwd_ok) return sk_error(SK_EINVAL, "mamba: no forward to take logits from");
    if (m->fwd_chunked)
        return sk_error(SK_EINVAL, "mamba: the logits of a chunked forward (length %lld > chunk %lld) are not kept; "
                                   "forward chunk by chunk with a state instead", (long long)m->fwd_chunked,
                        (long long)sk_mamba_lm_chunk(m));
    return m->be->download(dst, m->logits, (size_t)(m->b * m->L * m->cfg.vocab_padded) * sizeof(float));
}

int sk_mamba_lm_backward(sk_mamba_lm *m) {
    if (!(m->flags & SK_MODEL_GRADS)) return sk_error(SK_EINVAL, "mamba backward: model created without gradients");
    if (!m->fwd_ok || !m->have_dlogits || m->fwd_state)
        return sk_error(SK_EINVAL, "mamba backward: needs a preceding forward with targets and no state");
    if (m->fwd_chunked) return sk_mamba_lm_backward_chunked(m);
    TRY(sk_mamba_lm_head_backward(m));
    return sk_mamba_lm_backbone_backward(m, NULL, NULL);
}

int sk_mamba_lm_step(sk_mamba_lm *m, sk_mamba_lm_state *st, const int32_t *tokens, float *logits) {
    TRY(sk_mamba_lm_forward(m, tokens, NULL, st->b, 1, NULL, st, NULL));
    return logits ? sk_mamba_lm_logits(m, logits) : SK_OK;
}
