/* sk_resblock.c — the pre-norm residual layer (resblock_impl.h). */
#include "models/resblock_impl.h"
#include "models/ssm_impl.h"

int sk_resblock_forward(const sk_backend *be, const sk_block_config *c, float *out, const float *in, float *hn,
                        float *rstd, float *mo, const float *norm_w, sk_mamba_act *a, const sk_mamba_w *w, int64_t b,
                        int64_t L, const uint8_t *reset, sk_mamba_state *st, sk_mamba_scratch *scr) {
    const int64_t d = c->d_model, rows = b * L;
    const size_t bytes = (size_t)(rows * d) * sizeof(float);
    TRY(be->rmsnorm_fwd(hn, rstd, in, norm_w, rows, d, (float)c->norm_epsilon));
    if (c->block == SK_BLOCK_S4_MLP) {
        /* S4+MLP (models/README.md §Block kinds): mid = in + S4(RMSNorm(in)); out = mid + MLP(RMSNorm2(mid)) */
        TRY(sk_s4block_forward(be, c, mo, a, hn, w, b, L, reset, st, scr));
        TRY(be->copy(a->mid, in, bytes));
        TRY(be->axpy(a->mid, mo, 1.0f, rows * d));
        TRY(be->rmsnorm_fwd(a->hn2, a->rstd2, a->mid, w->norm2, rows, d, (float)c->norm_epsilon));
        TRY(sk_mlp_forward(be, c, mo, a, a->hn2, w, rows, scr));
        TRY(be->copy(out, a->mid, bytes));
    } else {
        TRY(sk_mamba_block_forward(be, c, mo, a, hn, w, b, L, reset, st, scr));
        TRY(be->copy(out, in, bytes));
    }
    return be->axpy(out, mo, 1.0f, rows * d);
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
