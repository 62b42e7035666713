/* sk_mamba.c — the Mamba LM (sk_mamba.h): arenas, parameter table, init, the backbone and head
 * passes, recurrent states, and the entry points that take the chunked path (sk_mamba_chunk.c,
 * which calls back only through the table chunk_ops below). Checkpoints: sk_mamba_io.c.
 *
 * Shapes (rows = b*L): d = d_model, Di = d_inner, V = vocab_padded.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "models/mamba_chunk_impl.h"
#include "models/resblock_impl.h"
#include "models/sk_head.h"
#include "models/sk_init.h"
#include "src/sk_rng.h"

static int sk_mamba_lm_state_make(const sk_mamba_lm *m, int64_t b, int alloc, sk_mamba_lm_state **out);
static void sk_mamba_lm_release(sk_mamba_lm *m);
static int infer_states(sk_mamba_lm *m, int alloc);

int sk_mamba_lm_create(sk_mamba_lm **out, const sk_mamba_config *cin, const sk_backend *be, int64_t max_batch,
                       int64_t max_len, int flags) {
    *out = NULL;
    if (max_batch < 1 || max_len < 1) return sk_error(SK_EINVAL, "mamba: batch and length must be >= 1");
    int64_t nlogits;
    TRY(sk_block_check_sizes(&cin->blk, max_batch, max_len, "mamba"));
    TRY(sk_size_mul("mamba", "the logits (batch x length x vocabulary)", &nlogits, 3,
                    (int64_t[]){max_batch, max_len, cin->vocab_padded}));
    if ((flags & SK_MODEL_INFER) && (flags & SK_MODEL_GRADS))
        return sk_error(SK_EINVAL, "mamba: an inference model (SK_MODEL_INFER) has no gradients");
    TRY(sk_backend_require_groups(be, SK_OPS_MODEL));
    if (sk_ssm_is_s4d(&cin->blk)) TRY(sk_backend_require_groups(be, SK_OPS_S4D));
    if (cin->blk.block == SK_BLOCK_S4_MLP) TRY(sk_backend_require_groups(be, SK_OPS_S4MLP));
    sk_mamba_lm *m = calloc(1, sizeof *m);
    if (!m) return sk_error(SK_ENOMEM, "mamba: out of memory");
    m->cfg = *cin;
    const sk_mamba_config *c = &m->cfg;
    const sk_block_config *bc = &c->blk;
    m->be = be, m->max_b = max_batch, m->max_L = max_len, m->flags = flags;
    const int64_t d = bc->d_model, V = c->vocab_padded;
    const int s4mlp = bc->block == SK_BLOCK_S4_MLP;
    const int noemb = (flags & SK_MAMBA_NO_EMBEDDING) != 0; /* no embedding, no LM head, no logits */
    const int64_t Vl = noemb ? 0 : V;
    const int64_t nl = c->n_layer, rows = max_batch * max_len;
    /* the working buffers: the whole batch, or one piece of an inference forward */
    const int infer = (flags & SK_MODEL_INFER) != 0;
    m->piece_L = infer && max_len > SK_MODEL_INFER_ROWS ? SK_MODEL_INFER_ROWS : max_len;
    m->piece_b = infer ? SK_MODEL_INFER_ROWS / m->piece_L : max_batch;
    if (m->piece_b > max_batch) m->piece_b = max_batch;
    if (m->piece_b < 1) m->piece_b = 1;
    const int64_t prow = m->piece_b * m->piece_L;
    const int maxp = 16 * (int)nl + 3; /* parameters per layer: at most 15 (S4+MLP), see below */
    m->params = calloc((size_t)maxp, sizeof *m->params);
    m->bind_w = calloc((size_t)maxp, sizeof *m->bind_w), m->bind_g = calloc((size_t)maxp, sizeof *m->bind_g);
    m->w = calloc((size_t)nl, sizeof *m->w), m->gw = calloc((size_t)nl, sizeof *m->gw);
    m->act = calloc((size_t)nl, sizeof *m->act);
    m->norm_w = calloc((size_t)nl, sizeof(float *)), m->gnorm_w = calloc((size_t)nl, sizeof(float *));
    m->res = calloc((size_t)nl + 1, sizeof(float *)), m->hn = calloc((size_t)nl, sizeof(float *));
    m->rstd = calloc((size_t)nl, sizeof(float *));
    m->host_loss = malloc((size_t)rows * sizeof(float));
    if (!m->params || !m->bind_w || !m->bind_g || !m->w || !m->gw || !m->act || !m->norm_w || !m->gnorm_w || !m->res || !m->hn || !m->rstd || !m->host_loss) {
        sk_mamba_lm_release(m);
        return sk_error(SK_ENOMEM, "mamba: out of memory");
    }
    /* ---- parameter table (checkpoint names: models/README.md §Checkpoint names) ---- */
    char nm[96];
    sk_ptable pt = {m->params, m->bind_w, m->bind_g, &m->np};
    if (!noemb) sk_ptable_add(&pt, "backbone.embedding.weight", 2, V, d, 0, 0, &m->emb, &m->gemb);
    for (int64_t l = 0; l < nl; l++) {
        snprintf(nm, sizeof nm, "backbone.layers.%lld.", (long long)l);
        sk_mamba_block_params(&pt, bc, nm, &m->norm_w[l], &m->gnorm_w[l], &m->w[l], &m->gw[l]);
    }
    sk_ptable_add(&pt, "backbone.norm_f.weight", 1, d, 0, 0, 1, &m->norm_f, &m->gnorm_f);
    if (!c->tie_embeddings && !noemb) sk_ptable_add(&pt, "lm_head.weight", 2, V, d, 0, 0, &m->head, &m->ghead);
    /* ---- arenas ---- */
    sk_arena_init(&m->pa, "parameters", sizeof(float));
    sk_arena_init(&m->ga, "gradients", sizeof(float));
    sk_arena_init(&m->aa, "activations", sizeof(float));
    int rc = 0;
    for (int i = 0; i < m->np && !rc; i++) {
        rc = sk_arena_add(&m->pa, m->params[i].name, m->params[i].numel, (void **)&m->params[i].w);
        if (!rc && (flags & SK_MODEL_GRADS))
            rc = sk_arena_add(&m->ga, m->params[i].name, m->params[i].numel, (void **)&m->params[i].g);
    }
#define A(name, count, ptr)                                                                        \
    if (!rc) rc = sk_arena_add(&m->aa, name, count, (void **)(ptr))
    /* inference: two residual streams taken in turn and one layer's slots, shared by all layers */
    for (int64_t l = 0; l <= (infer ? 1 : nl); l++) A("residual", prow * d, &m->res[l]);
    /* one block's activations: its residual stream, norm output, 1/rms and mixer slots */
    const int64_t act0 = sk_arena_bytes(&m->aa) - prow * d * (int64_t)sizeof(float);
    for (int64_t l = 0; l < (infer ? 1 : nl); l++) {
        A("norm_out", prow * d, &m->hn[l]);
        A("norm_rstd", prow, &m->rstd[l]);
        if (!rc) rc = sk_mamba_act_plan(&m->aa, bc, &m->act[l], m->piece_b, m->piece_L);
        if (l == 0) m->act_block = sk_arena_bytes(&m->aa) - act0;
    }
    if (s4mlp) A("ones", prow, &m->ones);
    A("mixer_out", prow * d, &m->mo);
    A("norm_f_out", rows * d, &m->hf);
    A("norm_f_rstd", rows, &m->rstdf);
    A("logits", rows * Vl, &m->logits);
    A("losses", rows, &m->losses);
    A("tokens", rows, &m->tok);
    A("targets", rows, &m->tgt);
    A("resets", (rows + 3) / 4, &m->reset);
    if (flags & SK_MODEL_GRADS) {
        A("dlogits", rows * Vl, &m->dlogits);
        A("d_norm_f_out", rows * d, &m->dhf);
        A("d_residual", rows * d, &m->dr);
        A("d_norm_out", rows * d, &m->dhn);
    }
    if (!rc) rc = sk_mamba_scratch_plan(&m->aa, bc, &m->scr, be, m->piece_b, m->piece_L, flags & SK_MODEL_GRADS);
#undef A
    const int alloc = !(flags & SK_MODEL_PLAN); /* a plan only sizes the arenas */
    if (!rc && alloc) rc = sk_arena_alloc_on(&m->pa, be, &m->pbase);
    if (!rc && alloc && (flags & SK_MODEL_GRADS)) rc = sk_arena_alloc_on(&m->ga, be, &m->gbase);
    if (!rc && alloc) rc = sk_arena_alloc_on(&m->aa, be, &m->abase);
    if (!rc && infer) rc = infer_states(m, alloc);
    if (rc) {
        sk_mamba_lm_release(m);
        return rc;
    }
    /* ---- named views of the parameter table ---- */
    for (int i = 0; i < m->np; i++) {
        if (m->bind_w[i]) *m->bind_w[i] = m->params[i].w;
        if (m->bind_g[i]) *m->bind_g[i] = m->params[i].g;
    }
    if (c->tie_embeddings) m->head = m->emb, m->ghead = m->gemb;
    for (int64_t l = 1; infer && l < nl; l++) { /* the shared slots of an inference model */
        if (l > 1) m->res[l] = m->res[l & 1];
        m->hn[l] = m->hn[0], m->rstd[l] = m->rstd[0], m->act[l] = m->act[0];
    }
    if (infer) m->res[nl] = m->res[nl & 1];
    m->scr.ones = m->ones;
    if (s4mlp && alloc) { /* the ones vector of the bias GEMMs */
        float *h1 = malloc((size_t)prow * sizeof(float));
        rc = h1 ? SK_OK : sk_error(SK_ENOMEM, "mamba: out of memory");
        for (int64_t i = 0; !rc && i < prow; i++) h1[i] = 1.0f;
        if (!rc) rc = be->upload(m->ones, h1, (size_t)prow * sizeof(float));
        free(h1);
        if (rc) {
            sk_mamba_lm_release(m);
            return rc;
        }
    }
    *out = m;
    return SK_OK;
}


/* An inference model's state window (no memory of its own) and its one-row zero state. */
static int infer_states(sk_mamba_lm *m, int alloc) {
    m->view = calloc(1, sizeof *m->view);
    if (!m->view || !(m->view->layer = calloc((size_t)m->cfg.n_layer, sizeof *m->view->layer)))
        return sk_error(SK_ENOMEM, "mamba: out of memory");
    m->view->be = m->be;
    return m->max_L > m->piece_L ? sk_mamba_lm_state_make(m, 1, alloc, &m->zero) : SK_OK;
}

static void sk_mamba_lm_release(sk_mamba_lm *m) {
    if (!m) return;
    if (m->view) free(m->view->layer);
    free(m->view);
    sk_mamba_lm_state_free(m->zero);
    if (m->be) {
        m->be->free(m->pbase);
        m->be->free(m->gbase);
        m->be->free(m->abase);
    }
    m->pa.base = m->ga.base = m->aa.base = NULL; /* owned by the backend, not the arena */
    sk_arena_free(&m->pa), sk_arena_free(&m->ga), sk_arena_free(&m->aa);
    free(m->params), free(m->bind_w), free(m->bind_g), free(m->w), free(m->gw), free(m->act), free(m->norm_w), free(m->gnorm_w);
    free(m->res), free(m->hn), free(m->rstd), free(m->host_loss);
    free(m);
}

const sk_mamba_config *sk_mamba_lm_config(const sk_mamba_lm *m) { return &m->cfg; }
const sk_backend *sk_mamba_lm_backend(const sk_mamba_lm *m) { return m->be; }
int sk_mamba_lm_nparams(const sk_mamba_lm *m) { return m->np; }
const sk_param *sk_mamba_lm_param(const sk_mamba_lm *m, int i) { return i >= 0 && i < m->np ? &m->params[i] : NULL; }
int64_t sk_mamba_lm_numel(const sk_mamba_lm *m) {
    int64_t n = 0;
    for (int i = 0; i < m->np; i++) n += m->params[i].numel;
    return n;
}
float *sk_mamba_lm_flat(const sk_mamba_lm *m, int grads, int64_t *n) {
    if (grads && !(m->flags & SK_MODEL_GRADS)) {
        *n = 0;
        return NULL;
    }
    *n = grads ? m->ga.total : m->pa.total;
    return grads ? m->gbase : m->pbase;
}
int64_t sk_mamba_lm_max_batch(const sk_mamba_lm *m) { return m->max_b; }
int64_t sk_mamba_lm_max_len(const sk_mamba_lm *m) { return m->max_L; }
void sk_mamba_lm_print_memory(const sk_mamba_lm *m, int verbose) {
    sk_arena_print(&m->pa, verbose);
    if (m->flags & SK_MODEL_GRADS) sk_arena_print(&m->ga, verbose);
    sk_arena_print(&m->aa, verbose);
}


int sk_mamba_lm_init(sk_mamba_lm *m, uint64_t seed) {
    const sk_mamba_config *c = &m->cfg;
    if (m->flags & SK_MODEL_PLAN) return sk_error(SK_EINVAL, "mamba: a memory plan (SK_MODEL_PLAN) has no parameters");
    int64_t maxn = 0;
    for (int i = 0; i < m->np; i++) maxn = m->params[i].numel > maxn ? m->params[i].numel : maxn;
    float *h = malloc((size_t)maxn * sizeof(float));
    if (!h) return sk_error(SK_ENOMEM, "mamba init: out of memory");
    int rc = 0;
    for (int i = 0; i < m->np && !rc; i++) {
        const sk_param *p = &m->params[i];
        sk_rng r;
        sk_rng_seed(&r, seed, (uint64_t)i);
        rc = sk_block_param_init(&c->blk, c->n_layer, p->name, h, p->numel, &r);
        if (!rc) rc = m->be->upload(p->w, h, (size_t)p->numel * sizeof(float));
    }
    free(h);
    return rc;
}

/* ---- forward / backward ---- */

/* Rows [i, i + g) of st as a state of g sequences (an inference model's window). */
static sk_mamba_lm_state *state_window(sk_mamba_lm *m, sk_mamba_lm_state *st, int64_t i, int64_t g) {
    const sk_block_config *c = &m->cfg.blk;
    const int64_t conv = (c->d_conv - 1) * c->d_inner, ssm = sk_ssm_dim(c) * sk_ssm_nk(c);
    m->view->b = g;
    for (int64_t l = 0; l < m->cfg.n_layer; l++) {
        m->view->layer[l].conv = st->layer[l].conv ? st->layer[l].conv + i * conv : NULL;
        m->view->layer[l].ssm = st->layer[l].ssm + i * ssm;
    }
    return m->view;
}

/* The backbone over positions [t, t + n) of rows [i, i + g) of the uploaded (b, L) tokens (a
 * contiguous block: g = 1 or n = L): r_0 = embedding, r_{l+1} = r_l + Mamba_l(RMSNorm_l(r_l)),
 * then hf = RMSNorm_f(r_n) into the same rows of hf. Each residual add runs fused with the norm
 * after it (the next layer's, the last one's with RMSNorm_f): one pass over the stream per layer. */
static int backbone_piece(sk_mamba_lm *m, int64_t i, int64_t t, int64_t g, int64_t n, int64_t L, const uint8_t *rs,
                          sk_mamba_lm_state *st) {
    const sk_mamba_config *c = &m->cfg;
    const sk_backend *be = m->be;
    const int64_t d = c->blk.d_model, rows = g * n, nl = c->n_layer, o = i * L + t;
    const float eps = (float)c->blk.norm_epsilon;
    if (m->in) TRY(be->copy(m->res[0], m->in + o * d, (size_t)(rows * d) * sizeof(float)));
    else TRY(be->embed_fwd(m->res[0], (const int32_t *)m->tok + o, m->emb, rows, c->vocab_padded, d));
    if (nl == 0) return be->rmsnorm_fwd(m->hf + o * d, m->rstdf + o, m->res[0], m->norm_f, rows, d, eps);
    TRY(be->rmsnorm_fwd(m->hn[0], m->rstd[0], m->res[0], m->norm_w[0], rows, d, eps));
    for (int64_t l = 0; l < nl; l++) {
        const int last = l == nl - 1;
        TRY(sk_resblock_forward_next(be, &c->blk, m->res[l + 1], m->res[l], m->hn[l], m->mo, &m->act[l], &m->w[l], g,
                                     n, rs ? rs + o : NULL, st ? &st->layer[l] : NULL, &m->scr,
                                     last ? m->hf + o * d : m->hn[l + 1], last ? m->rstdf + o : m->rstd[l + 1],
                                     last ? m->norm_f : m->norm_w[l + 1]));
    }
    return SK_OK;
}

/* The backbone: hf = RMSNorm_f(r_n), r_0 = embedding(tokens) or the given r0 (backend memory, then
 * tokens is NULL), r_{l+1} = r_l + Mamba_l(RMSNorm_l(r_l)).
 * Checks the tokens; leaves the last forward's shape in m (fwd_ok, no logits). */
static int backbone_run(sk_mamba_lm *m, const int32_t *tokens, const float *r0, int64_t b, int64_t L,
                        const uint8_t *reset, sk_mamba_lm_state *st) {
    const sk_backend *be = m->be;
    const int64_t V = m->cfg.vocab_padded, rows = b * L;
    m->fwd_ok = 0, m->have_dlogits = 0, m->fwd_chunked = 0;
    m->have_losses = 0, m->in = NULL;
    if (tokens && (m->flags & SK_MAMBA_NO_EMBEDDING))
        return sk_error(SK_EINVAL, "mamba: this backbone has no token embedding (its input is given, e.g. audio "
                                   "frames): it takes no tokens");
    if (m->flags & SK_MODEL_PLAN) return sk_error(SK_EINVAL, "mamba: a memory plan (SK_MODEL_PLAN) cannot run");
    if (b < 1 || L < 1 || b > m->max_b || L > m->max_L)
        return sk_error(SK_EINVAL, "mamba: batch %lld x length %lld exceeds the model's %lld x %lld", (long long)b,
                        (long long)L, (long long)m->max_b, (long long)m->max_L);
    if (st && st->b != b)
        return sk_error(SK_EINVAL, "mamba: state holds %lld sequences, batch has %lld", (long long)st->b, (long long)b);
    for (int64_t i = 0; tokens && i < rows; i++)
        if (tokens[i] < 0 || tokens[i] >= V)
            return sk_error(SK_EINVAL, "token %d at batch %lld position %lld is outside the vocabulary [0, %lld)",
                            tokens[i], (long long)(i / L), (long long)(i % L), (long long)V);
    if (tokens) TRY(be->upload(m->tok, tokens, (size_t)rows * sizeof(int32_t)));
    m->in = tokens ? NULL : r0;
    if (reset) TRY(be->upload(m->reset, reset, (size_t)rows));
    const uint8_t *rs = reset ? (const uint8_t *)m->reset : NULL;
    if (!(m->flags & SK_MODEL_INFER)) TRY(backbone_piece(m, 0, 0, b, L, L, rs, st));
    else if (L <= m->piece_L) /* inference: groups of whole rows */
        for (int64_t i = 0; i < b; i += m->piece_b) {
            const int64_t g = b - i < m->piece_b ? b - i : m->piece_b;
            TRY(backbone_piece(m, i, 0, g, L, L, rs, st ? state_window(m, st, i, g) : NULL));
        }
    else /* inference, rows longer than a piece: each row piece by piece with its state carried */
        for (int64_t i = 0; i < b; i++) {
            sk_mamba_lm_state *s = st ? state_window(m, st, i, 1) : m->zero;
            if (!st) TRY(sk_mamba_lm_state_reset(s));
            for (int64_t t = 0; t < L; t += m->piece_L)
                TRY(backbone_piece(m, i, t, 1, L - t < m->piece_L ? L - t : m->piece_L, L, rs, s));
        }
    m->b = b, m->L = L, m->fwd_ok = 1, m->fwd_state = st != NULL, m->fwd_reset = reset != NULL;
    return SK_OK;
}
static int sk_mamba_lm_backbone_forward(sk_mamba_lm *m, const int32_t *tokens, int64_t b, int64_t L, const uint8_t *reset,
                                        sk_mamba_lm_state *st) {
    return backbone_run(m, tokens, NULL, b, L, reset, st);
}

/* logits = hf @ head^T (rows, V); with targets, *loss = sum of their cross-entropies / count and,
 * with gradients, dlogits = (softmax - onehot) / count is kept for the backward. */
static int sk_mamba_lm_head_forward(sk_mamba_lm *m, const int32_t *targets, int64_t rows, int64_t count, double *loss) {
    const sk_backend *be = m->be;
    const int64_t d = m->cfg.blk.d_model, V = m->cfg.vocab_padded;
    TRY(be->gemm(0, 1, rows, V, d, 1, m->hf, d, m->head, d, 0, m->logits, V));
    m->have_dlogits = 0;
    if (targets) {
        float *dl = (m->flags & SK_MODEL_GRADS) ? m->dlogits : NULL;
        TRY(sk_head_xent(be, loss, dl, m->logits, targets, (int32_t *)m->tgt, m->losses, m->host_loss, rows, V, count));
        m->have_dlogits = dl != NULL;
        m->have_losses = 1;
    }
    return SK_OK;
}

/* head: d head += dlogits^T hf;  dhf = dlogits @ head   (rows = b * L of the last backbone forward) */
static int sk_mamba_lm_head_backward(sk_mamba_lm *m) {
    const sk_backend *be = m->be;
    const int64_t d = m->cfg.blk.d_model, V = m->cfg.vocab_padded, rows = m->b * m->L;
    TRY(be->gemm(1, 0, V, d, rows, 1, m->dlogits, V, m->hf, d, 1, m->ghead, d));
    return be->gemm(0, 0, rows, d, V, 1, m->dlogits, V, m->head, d, 0, m->dhf, d);
}


int sk_mamba_lm_forward_hidden(sk_mamba_lm *m, const int32_t *tokens, int64_t b, int64_t L, const uint8_t *reset) {
    return sk_mamba_lm_backbone_forward(m, tokens, b, L, reset, NULL);
}
int sk_mamba_lm_forward_hidden_state(sk_mamba_lm *m, const int32_t *tokens, int64_t b, int64_t L, const uint8_t *reset,
                                     sk_mamba_lm_state *st) {
    return sk_mamba_lm_backbone_forward(m, tokens, b, L, reset, st);
}
int sk_mamba_lm_forward_input(sk_mamba_lm *m, const float *r0, int64_t b, int64_t L) {
    if (!r0) return sk_error(SK_EINVAL, "mamba: no input given");
    return backbone_run(m, NULL, r0, b, L, NULL, NULL);
}
const float *sk_mamba_lm_hidden(const sk_mamba_lm *m) { return m->hf; }
const float *sk_mamba_lm_dinput(const sk_mamba_lm *m) { return m->dr; }
float *sk_mamba_lm_dhidden(sk_mamba_lm *m) { return m->dhf; }

const float *sk_mamba_lm_position_losses(const sk_mamba_lm *m) {
    return m->fwd_ok && m->have_losses && !m->fwd_chunked ? m->host_loss : NULL; /* a chunked forward keeps none */
}


/* The backbone's backward from dhf = dLoss/dhf (rows, d): parameter gradients += ; dst_out / dst_in:
 * the state gradients of sk_mamba_block_backward for every layer (NULL = 0 / not needed). */
static int sk_mamba_lm_backbone_backward(sk_mamba_lm *m, const sk_mamba_lm_state *dst_out, sk_mamba_lm_state *dst_in) {
    const sk_mamba_config *c = &m->cfg;
    const sk_backend *be = m->be;
    const int64_t d = c->blk.d_model, b = m->b, L = m->L, rows = b * L, nl = c->n_layer;
    const uint8_t *rs = m->fwd_reset ? (const uint8_t *)m->reset : NULL;
    /* dr = dL/dr_n from the final norm */
    TRY(be->memzero(m->dr, (size_t)(rows * d) * sizeof(float)));
    TRY(be->rmsnorm_bwd(m->dr, m->gnorm_f, m->dhf, m->res[nl], m->norm_f, m->rstdf, rows, d));
    for (int64_t l = nl - 1; l >= 0; l--) /* dr_l = dr_{l+1} + RMSNorm_l^T(Mamba_l^T(dr_{l+1})), in place */
        TRY(sk_resblock_backward(be, &c->blk, m->dr, m->dhn, m->gnorm_w[l], &m->gw[l], m->res[l], m->hn[l], m->rstd[l],
                                 m->norm_w[l], &m->act[l], &m->w[l], b, L, rs, dst_out ? &dst_out->layer[l] : NULL,
                                 dst_in ? &dst_in->layer[l] : NULL, &m->scr));
    if (!m->in) TRY(be->embed_bwd(m->gemb, (const int32_t *)m->tok, m->dr, rows, c->vocab_padded, d));
    return SK_OK; /* m->dr is dL/dr_0 (sk_mamba_lm_dinput) */
}


int sk_mamba_lm_backward_hidden(sk_mamba_lm *m) {
    if (!(m->flags & SK_MODEL_GRADS)) return sk_error(SK_EINVAL, "mamba backward: model created without gradients");
    if (!m->fwd_ok || m->fwd_state || m->fwd_chunked)
        return sk_error(SK_EINVAL, "mamba backward: needs a preceding unchunked forward with no state");
    return sk_mamba_lm_backbone_backward(m, NULL, NULL);
}

int sk_mamba_lm_zero_grad(sk_mamba_lm *m) {
    if (!(m->flags & SK_MODEL_GRADS)) return sk_error(SK_EINVAL, "mamba: model created without gradients");
    return m->be->memzero(m->gbase, (size_t)sk_arena_bytes(&m->ga));
}

/* ---- recurrent state ---- */
int sk_mamba_lm_state_create(sk_mamba_lm *m, int64_t b, sk_mamba_lm_state **out) {
    return sk_mamba_lm_state_make(m, b, !(m->flags & SK_MODEL_PLAN), out);
}

static int sk_mamba_lm_state_make(const sk_mamba_lm *m, int64_t b, int alloc, sk_mamba_lm_state **out) {
    *out = NULL;
    if (b < 1 || b > m->max_b) return sk_error(SK_EINVAL, "mamba state: batch %lld outside [1, %lld]", (long long)b, (long long)m->max_b);
    const sk_block_config *c = &m->cfg.blk;
    const int64_t nl = m->cfg.n_layer;
    sk_mamba_lm_state *st = calloc(1, sizeof *st);
    if (!st || !(st->layer = calloc((size_t)nl, sizeof *st->layer))) {
        free(st);
        return sk_error(SK_ENOMEM, "mamba state: out of memory");
    }
    st->be = m->be, st->b = b;
    sk_arena_init(&st->arena, "state", sizeof(float));
    int rc = 0;
    for (int64_t l = 0; l < nl && !rc; l++) {
        if (c->block != SK_BLOCK_S4_MLP)
            rc = sk_arena_add(&st->arena, "conv_state", b * (c->d_conv - 1) * c->d_inner, (void **)&st->layer[l].conv);
        if (!rc) rc = sk_arena_add(&st->arena, "ssm_state", b * sk_ssm_dim(c) * sk_ssm_nk(c), (void **)&st->layer[l].ssm);
    }
    if (!rc && alloc) rc = sk_arena_alloc_on(&st->arena, m->be, &st->base);
    if (rc) {
        sk_mamba_lm_state_free(st);
        return rc;
    }
    *out = st;
    return SK_OK;
}
int64_t sk_mamba_lm_state_batch(const sk_mamba_lm_state *st) { return st->b; }
int sk_mamba_lm_state_reset(sk_mamba_lm_state *st) {
    return st->be->memzero(st->base, (size_t)sk_arena_bytes(&st->arena));
}
void sk_mamba_lm_state_free(sk_mamba_lm_state *st) {
    if (!st) return;
    st->be->free(st->base);
    st->arena.base = NULL;
    sk_arena_free(&st->arena);
    free(st->layer);
    free(st);
}

void sk_mamba_lm_free(sk_mamba_lm *m) {
    if (!m) return;
    sk_lm_chunker_free(m);
    sk_mamba_lm_release(m);
}

/* ---- chunked training: the passes sk_mamba_chunk.c drives ---- */
static const sk_lm_chunk_ops chunk_ops = {
    .backbone_forward = sk_mamba_lm_backbone_forward, .backbone_backward = sk_mamba_lm_backbone_backward,
    .head_forward = sk_mamba_lm_head_forward, .head_backward = sk_mamba_lm_head_backward,
    .state_make = sk_mamba_lm_state_make, .state_reset = sk_mamba_lm_state_reset, .state_free = sk_mamba_lm_state_free,
};
int sk_mamba_lm_set_chunk(sk_mamba_lm *m, int64_t chunk, int64_t max_total_len) {
    if (chunk && (m->flags & SK_MODEL_INFER))
        return sk_error(SK_EINVAL, "mamba: an inference model (SK_MODEL_INFER) cuts long forwards itself: no chunked training");
    return sk_lm_chunker_set(m, &chunk_ops, chunk, max_total_len);
}
int64_t sk_mamba_lm_chunk(const sk_mamba_lm *m) { return sk_lm_chunker_chunk(m); }
void sk_mamba_lm_memory(const sk_mamba_lm *m, sk_model_mem *o) {
    memset(o, 0, sizeof *o);
    o->params = sk_arena_bytes(&m->pa);
    o->grads = (m->flags & SK_MODEL_GRADS) ? sk_arena_bytes(&m->ga) : 0;
    o->acts = sk_arena_bytes(&m->aa);
    o->act_block = m->act_block, o->nblocks = m->cfg.n_layer;
    o->host = m->max_b * m->max_L * (int64_t)sizeof(float); /* host_loss */
    sk_lm_chunker_memory(m, o);
}

int sk_mamba_lm_forward(sk_mamba_lm *m, const int32_t *tokens, const int32_t *targets, int64_t b, int64_t L,
                        const uint8_t *reset, sk_mamba_lm_state *st, double *loss) {
    const int64_t V = m->cfg.vocab_padded, rows = b * L;
    if (m->flags & SK_MAMBA_NO_EMBEDDING) {
        m->fwd_ok = 0;
        return sk_error(SK_EINVAL, "mamba: a backbone without token embedding has no language-model forward");
    }
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
        return sk_lm_chunker_forward(m, tokens, targets, b, L, reset, st, count, loss);
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
    if (m->fwd_chunked) return sk_lm_chunker_backward(m);
    TRY(sk_mamba_lm_head_backward(m));
    return sk_mamba_lm_backbone_backward(m, NULL, NULL);
}

int sk_mamba_lm_step(sk_mamba_lm *m, sk_mamba_lm_state *st, const int32_t *tokens, float *logits) {
    TRY(sk_mamba_lm_forward(m, tokens, NULL, st->b, 1, NULL, st, NULL));
    return logits ? sk_mamba_lm_logits(m, logits) : SK_OK;
}
