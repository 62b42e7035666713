/* sk_mamba_chunk.c — chunked training of the Mamba LM with recomputation (sk_mamba.h,
 * sk_mamba_lm_set_chunk; models/README.md §Chunking), behind mamba_chunk_impl.h. It reaches the
 * LM's passes only through the table (sk_lm_chunk_ops) sk_mamba.c hands to sk_lm_chunker_set.
 *
 * A sequence of L positions is cut into chunks [c*C, min((c+1)*C, L)), c = 0..n-1. With s_c the
 * recurrent state (every block's conv and SSM state) at the start of chunk c (s_0 = 0 or the
 * caller's state):
 *   forward:  for c = 0..n-1: bound[c] = s_c; run all layers on chunk c from s_c (giving s_{c+1});
 *             loss += sum of the chunk's target cross-entropies / count (count = all targets).
 *   backward: g_n = 0; for c = n-1..0: s = bound[c]; recompute chunk c (the last chunk's
 *             activations are still in place after the forward); dlogits = (softmax - onehot) /
 *             count; back through the head and the layers with dL/ds_{c+1} = g_{c+1} (dst_out),
 *             which gives g_c = dL/ds_c (dst_in; not needed for c = 0).
 * Since the block's state carry is exact (chunked calls equal one call), the loss and every
 * gradient equal those of the unchunked model up to fp32 summation order.
 */
#include <stdlib.h>
#include <string.h>
#include "models/mamba_chunk_impl.h"

struct sk_lm_chunker {
    const sk_lm_chunk_ops *ops;       /* the LM's passes */
    int64_t chunk, max_total, nslots; /* nslots = ceil(max_total / chunk) boundary states */
    sk_mamba_lm_state *ws, *ga, *gb;  /* working state and two state gradients, for max_b sequences */
    int64_t S;                        /* floats in one state (its arena) */
    float *bound;                     /* backend (nslots, S): the state at the start of each chunk */
    int32_t *tok, *tgt;               /* host (max_b, max_total): the chunked forward's inputs */
    uint8_t *reset;                   /* host (max_b, max_total) */
    int32_t *ctok, *ctgt;             /* host (max_b, chunk): one chunk's */
    uint8_t *creset;
    int64_t b, L, count;              /* the last chunked forward */
    int has_tgt, has_reset, last_kept; /* last_kept: the last chunk's activations are in place */
};

int64_t sk_lm_chunker_chunk(const sk_mamba_lm *m) { return m->ch ? m->ch->chunk : 0; }

void sk_lm_chunker_free(sk_mamba_lm *m) {
    struct sk_lm_chunker *h = m->ch;
    if (!h) return;
    h->ops->state_free(h->ws), h->ops->state_free(h->ga), h->ops->state_free(h->gb);
    if (h->bound) m->be->free(h->bound);
    free(h->tok), free(h->tgt), free(h->reset), free(h->ctok), free(h->ctgt), free(h->creset);
    free(h);
    m->ch = NULL;
}

int sk_lm_chunker_set(sk_mamba_lm *m, const sk_lm_chunk_ops *ops, int64_t chunk, int64_t max_total) {
    sk_lm_chunker_free(m);
    if (chunk == 0) return SK_OK;
    if (chunk < 1 || chunk > m->max_L)
        return sk_error(SK_EINVAL, "mamba: chunk %lld outside [1, %lld] (the model's length)", (long long)chunk,
                        (long long)m->max_L);
    if (max_total < chunk)
        return sk_error(SK_EINVAL, "mamba: longest chunked length %lld is below the chunk %lld", (long long)max_total,
                        (long long)chunk);
    struct sk_lm_chunker *h = calloc(1, sizeof *h);
    if (!h) return sk_error(SK_ENOMEM, "mamba: out of memory");
    m->ch = h;
    h->ops = ops, h->chunk = chunk, h->max_total = max_total, h->nslots = (max_total + chunk - 1) / chunk;
    const int alloc = !(m->flags & SK_MODEL_PLAN);
    const int64_t B = m->max_b;
    int rc = ops->state_make(m, B, alloc, &h->ws);
    if (!rc && (m->flags & SK_MODEL_GRADS)) rc = ops->state_make(m, B, alloc, &h->ga);
    if (!rc && (m->flags & SK_MODEL_GRADS)) rc = ops->state_make(m, B, alloc, &h->gb);
    if (!rc) h->S = h->ws->arena.total;
    int64_t nbytes; /* the boundary states and the host copies of the inputs fit 64 bits */
    if (!rc) rc = sk_size_mul("mamba", "the boundary states of chunked training", &nbytes, 3, (int64_t[]){h->nslots, h->S, 4});
    if (!rc) rc = sk_size_mul("mamba", "the chunked inputs (batch x longest length)", &nbytes, 3, (int64_t[]){B, max_total, 4});
    if (!rc && alloc) rc = m->be->alloc((void **)&h->bound, (size_t)(h->nslots * h->S) * sizeof(float));
    if (!rc && alloc) {
        h->tok = malloc((size_t)(B * max_total) * sizeof(int32_t)), h->tgt = malloc((size_t)(B * max_total) * sizeof(int32_t));
        h->reset = malloc((size_t)(B * max_total));
        h->ctok = malloc((size_t)(B * chunk) * sizeof(int32_t)), h->ctgt = malloc((size_t)(B * chunk) * sizeof(int32_t));
        h->creset = malloc((size_t)(B * chunk));
        if (!h->tok || !h->tgt || !h->reset || !h->ctok || !h->ctgt || !h->creset)
            rc = sk_error(SK_ENOMEM, "mamba: out of memory for chunked inputs of %lld tokens", (long long)(B * max_total));
    }
    if (rc) sk_lm_chunker_free(m);
    return rc;
}

void sk_lm_chunker_memory(const sk_mamba_lm *m, sk_model_mem *o) {
    const struct sk_lm_chunker *h = m->ch;
    if (h) {
        o->chunk_states = (h->nslots + 1 + ((m->flags & SK_MODEL_GRADS) ? 2 : 0)) * h->S * (int64_t)sizeof(float);
        o->host += m->max_b * (h->max_total + h->chunk) * (2 * (int64_t)sizeof(int32_t) + 1);
    }
}

/* Copy the first b sequences' states between two state objects (layouts may be for different
 * batch sizes). */
static int state_copy(const sk_mamba_lm *m, sk_mamba_lm_state *dst, const sk_mamba_lm_state *src, int64_t b) {
    const sk_block_config *c = &m->cfg.blk;
    const size_t conv = (size_t)(b * (c->d_conv - 1) * c->d_inner) * sizeof(float);
    const size_t ssm = (size_t)(b * sk_ssm_dim(c) * sk_ssm_nk(c)) * sizeof(float);
    for (int64_t l = 0; l < m->cfg.n_layer; l++) {
        if (src->layer[l].conv) TRY(m->be->copy(dst->layer[l].conv, src->layer[l].conv, conv));
        TRY(m->be->copy(dst->layer[l].ssm, src->layer[l].ssm, ssm));
    }
    return SK_OK;
}

/* Gather chunk [c0, c0 + Lc) of every sequence into the (b, Lc) host buffers. */
static void gather(struct sk_lm_chunker *h, int64_t c0, int64_t Lc) {
    for (int64_t s = 0; s < h->b; s++) {
        memcpy(h->ctok + s * Lc, h->tok + s * h->L + c0, (size_t)Lc * sizeof(int32_t));
        if (h->has_tgt) memcpy(h->ctgt + s * Lc, h->tgt + s * h->L + c0, (size_t)Lc * sizeof(int32_t));
        if (h->has_reset) memcpy(h->creset + s * Lc, h->reset + s * h->L + c0, (size_t)Lc);
    }
}

/* Forward of chunk c from the working state (all layers, then the head; dlogits kept with
 * gradients): *loss = the chunk's sum of cross-entropies / count. */
static int chunk_forward(sk_mamba_lm *m, int64_t c, double *loss) {
    struct sk_lm_chunker *h = m->ch;
    const int64_t c0 = c * h->chunk, Lc = h->L - c0 < h->chunk ? h->L - c0 : h->chunk;
    gather(h, c0, Lc);
    TRY(h->ops->backbone_forward(m, h->ctok, h->b, Lc, h->has_reset ? h->creset : NULL, h->ws));
    return h->ops->head_forward(m, h->has_tgt ? h->ctgt : NULL, h->b * Lc, h->count, loss);
}

int sk_lm_chunker_forward(sk_mamba_lm *m, const int32_t *tokens, const int32_t *targets, int64_t b, int64_t L,
                                const uint8_t *reset, sk_mamba_lm_state *st, int64_t count, double *loss) {
    struct sk_lm_chunker *h = m->ch;
    const int64_t V = m->cfg.vocab_padded, S = h->S;
    m->fwd_ok = 0, m->fwd_chunked = 0, m->have_dlogits = 0;
    if (m->flags & SK_MODEL_PLAN) return sk_error(SK_EINVAL, "mamba: a memory plan (SK_MODEL_PLAN) cannot run");
    if (b < 1 || b > m->max_b || L > h->max_total)
        return sk_error(SK_EINVAL, "mamba: batch %lld x length %lld exceeds the chunked model's %lld x %lld",
                        (long long)b, (long long)L, (long long)m->max_b, (long long)h->max_total);
    if (st && st->b != b)
        return sk_error(SK_EINVAL, "mamba: state holds %lld sequences, batch has %lld", (long long)st->b, (long long)b);
    for (int64_t i = 0; i < b * L; i++)
        if (tokens[i] < 0 || tokens[i] >= V)
            return sk_error(SK_EINVAL, "token %d at batch %lld position %lld is outside the vocabulary [0, %lld)",
                            tokens[i], (long long)(i / L), (long long)(i % L), (long long)V);
    h->b = b, h->L = L, h->count = count, h->has_tgt = targets != NULL, h->has_reset = reset != NULL;
    h->last_kept = 0;
    memcpy(h->tok, tokens, (size_t)(b * L) * sizeof(int32_t));
    if (targets) memcpy(h->tgt, targets, (size_t)(b * L) * sizeof(int32_t));
    if (reset) memcpy(h->reset, reset, (size_t)(b * L));
    h->ws->b = b;
    if (st) TRY(state_copy(m, h->ws, st, b));
    else TRY(h->ops->state_reset(h->ws));
    const int64_t n = (L + h->chunk - 1) / h->chunk;
    double total = 0;
    for (int64_t c = 0; c < n; c++) {
        TRY(m->be->copy(h->bound + c * S, h->ws->base, (size_t)S * sizeof(float))); /* bound[c] = s_c */
        double lc = 0;
        TRY(chunk_forward(m, c, &lc));
        total += lc;
    }
    if (st) TRY(state_copy(m, st, h->ws, b));
    if (targets && loss) *loss = total;
    h->last_kept = 1;
    m->fwd_ok = 1, m->fwd_chunked = L, m->fwd_state = st != NULL, m->fwd_reset = reset != NULL;
    return SK_OK;
}

int sk_lm_chunker_backward(sk_mamba_lm *m) {
    struct sk_lm_chunker *h = m->ch;
    const int64_t n = (h->L + h->chunk - 1) / h->chunk, S = h->S;
    sk_mamba_lm_state *gout = NULL, *gin = h->ga; /* dL/d(state after the chunk), dL/d(state before it) */
    h->ga->b = h->gb->b = h->b;
    for (int64_t c = n - 1; c >= 0; c--) {
        if (!(c == n - 1 && h->last_kept)) { /* recompute chunk c from its boundary state */
            TRY(m->be->copy(h->ws->base, h->bound + c * S, (size_t)S * sizeof(float)));
            TRY(chunk_forward(m, c, NULL));
        }
        TRY(h->ops->head_backward(m));
        TRY(h->ops->backbone_backward(m, gout, c > 0 ? gin : NULL));
        gout = gin, gin = gin == h->ga ? h->gb : h->ga;
    }
    h->last_kept = 0; /* the activations are now chunk 0's */
    return SK_OK;
}
