/* sk_resblock.c — the pre-norm residual layer (resblock_impl.h). */
#include "models/resblock_impl.h"
#include "models/ssm_impl.h"

/* The mixer of the layer on hn = RMSNorm(in): mo = Mamba(hn); or, S4+MLP (models/README.md §Block
 * kinds), mid = in + S4(hn) with its RMSNorm2 fused (add_rmsnorm_fwd), then mo = MLP(RMSNorm2(mid)).
 * *base: the stream mo is added onto (in, or mid). */
static int mixer_forward(const sk_backend *be, const sk_block_config *c, const float **base, const float *in,
                         const float *hn, float *mo, sk_mamba_act *a, const sk_mamba_w *w, int64_t b, int64_t L,
                         const uint8_t *reset, sk_mamba_state *st, sk_mamba_scratch *scr) {
    const int64_t d = c->d_model, rows = b * L;
    *base = in;
    if (c->block != SK_BLOCK_S4_MLP) return sk_mamba_block_forward(be, c, mo, a, hn, w, b, L, reset, st, scr);
    TRY(sk_s4block_forward(be, c, mo, a, hn, w, b, L, reset, st, scr));
    TRY(be->add_rmsnorm_fwd(a->mid, a->hn2, a->rstd2, in, mo, w->norm2, rows, d, (float)c->norm_epsilon));
    *base = a->mid;
    return sk_mlp_forward(be, c, mo, a, a->hn2, w, rows, scr);
}

int sk_resblock_forward(const sk_backend *be, const sk_block_config *c, float *out, const float *in, float *hn,
                        float *rstd, float *mo, const float *norm_w, sk_mamba_act *a, const sk_mamba_w *w, int64_t b,
                        int64_t L, const uint8_t *reset, sk_mamba_state *st, sk_mamba_scratch *scr) {
    const int64_t d = c->d_model, rows = b * L;
    const float *base;
    TRY(be->rmsnorm_fwd(hn, rstd, in, norm_w, rows, d, (float)c->norm_epsilon));
    TRY(mixer_forward(be, c, &base, in, hn, mo, a, w, b, L, reset, st, scr));
    TRY(be->copy(out, base, (size_t)(rows * d) * sizeof(float)));
    return be->axpy(out, mo, 1.0f, rows * d);
}

int sk_resblock_forward_next(const sk_backend *be, const sk_block_config *c, float *out, const float *in,
                             const float *hn, float *mo, sk_mamba_act *a, const sk_mamba_w *w, int64_t b, int64_t L,
                             const uint8_t *reset, sk_mamba_state *st, sk_mamba_scratch *scr, float *next_hn,
                             float *next_rstd, const float *next_w) {
    const int64_t d = c->d_model, rows = b * L;
    const float *base;
    TRY(mixer_forward(be, c, &base, in, hn, mo, a, w, b, L, reset, st, scr));
    return be->add_rmsnorm_fwd(out, next_hn, next_rstd, base, mo, next_w, rows, d, (float)c->norm_epsilon);
}

int sk_resblock_backward(const sk_backend *be, const sk_block_config *c, float *dr, float *dhn, float *gnorm_w,
                         sk_mamba_w *gw, const float *in, const float *hn, const float *rstd, const float *norm_w,
                         const sk_mamba_act *a, const sk_mamba_w *w, int64_t b, int64_t L, const uint8_t *reset,
                         const sk_mamba_state *dst_out, sk_mamba_state *dst_in, sk_mamba_scratch *scr) {
    const int64_t d = c->d_model, rows = b * L;
    if (c->block == SK_BLOCK_S4_MLP) {
        /* through the MLP residual (dr becomes dL/dmid), then the S4 block */
        TRY(sk_mlp_backward(be, c, dhn, gw, dr, a->hn2, w, a, rows, scr));
        TRY(be->rmsnorm_bwd(dr, gw->norm2, dhn, a->mid, w->norm2, a->rstd2, rows, d));
        TRY(sk_s4block_backward(be, c, dhn, gw, dr, hn, w, a, b, L, reset, dst_out, dst_in, scr));
    } else {
        TRY(sk_mamba_block_backward(be, c, dhn, gw, dr, hn, w, a, b, L, reset, dst_out, dst_in, scr));
    }
    return be->rmsnorm_bwd(dr, gnorm_w, dhn, in, norm_w, rstd, rows, d);
}
