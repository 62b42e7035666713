/* sk_ssm.c — the S4D layer, the S4 block, the MLP block and the linear layer (ssm_impl.h). The
 * complex S6 and Mamba-S4 mixers live in the Mamba block (sk_mamba_block.c), which calls sk_s4d_*
 * for the latter.
 * Shapes: rows = b*L, d = d_model, H = sk_ssm_dim, N = d_state, NK = sk_ssm_nk. */
#include "models/ssm_impl.h"

/* Scan arguments of the S4D layer: delta = NULL with delta_bias = dt (per-channel step, no
 * softplus), A = -exp(A_log) (+ i A_imag), constant B = the ZOH-folded Bz, constant C. */
static sk_scan_f32 s4d_scan(const sk_block_config *c, const sk_mamba_act *act, const float *u, const float *z,
                            int64_t ldz, const sk_mamba_w *w, int64_t b, int64_t L, const uint8_t *reset,
                            const float *h0, sk_mamba_scratch *scr) {
    sk_scan_f32 p = {
        .batch = b, .len = L, .dim = sk_ssm_dim(c), .dstate = c->d_state, .chunk = SK_SCAN_CHUNK_DEFAULT,
        .flags = SK_SCAN_A_NEG_EXP | SK_SCAN_CONST_B | SK_SCAN_CONST_C | (sk_ssm_complex(c) ? SK_SCAN_COMPLEX : 0),
        .u = u, .delta_bias = act->s4_dt, .A = w->A_log, .A_imag = sk_ssm_complex(c) ? w->A_imag : NULL,
        .B = act->s4_Bz, .C = w->C, .D = w->D, .z = z, .ldz = ldz, .reset = reset, .h0 = h0, .ckpt = act->ckpt,
        .work = scr->scan_work, .work_len = scr->scan_work_len,
    };
    return p;
}

int sk_s4d_forward(const sk_backend *be, const sk_block_config *c, float *y, sk_mamba_act *act, const float *u,
                   const float *z, int64_t ldz, const sk_mamba_w *w, int64_t b, int64_t L, const uint8_t *reset,
                   const float *h0, float *hT, sk_mamba_scratch *scr) {
    const int64_t H = sk_ssm_dim(c), N = c->d_state;
    /* dt = exp(log_dt);  Bz = B (e^{dt A} - 1) / (dt A)   (ZOH, models/README.md §Block kinds) */
    TRY(be->s4d_zoh_fwd(act->s4_dt, act->s4_Bz, w->log_dt, w->A_log, sk_ssm_complex(c) ? w->A_imag : NULL, w->B, H, N));
    sk_scan_f32 p = s4d_scan(c, act, u, z, ldz, w, b, L, reset, h0, scr);
    p.out = y, p.hT = hT;
    return be->scan_fwd(&p);
}

int sk_s4d_backward(const sk_backend *be, const sk_block_config *c, float *du, float *dz, sk_mamba_w *dw,
                    const float *dy, const sk_mamba_act *act, const float *u, const float *z, int64_t ldz,
                    const sk_mamba_w *w, int64_t b, int64_t L, const uint8_t *reset, const float *h0,
                    const float *dhT, float *dh0, sk_mamba_scratch *scr) {
    const int64_t H = sk_ssm_dim(c), N = c->d_state, NK = sk_ssm_nk(c);
    const int cplx = sk_ssm_complex(c);
    /* the scan adds into d dt (its ddelta_bias) and d Bz (constant dB): start them at 0 */
    TRY(be->memzero(scr->s4_ddt, (size_t)H * sizeof(float)));
    TRY(be->memzero(scr->s4_dBz, (size_t)(H * NK) * sizeof(float)));
    sk_scan_f32 p = s4d_scan(c, act, u, z, ldz, w, b, L, reset, h0, scr);
    p.dout = dy, p.dhT = dhT, p.du = du, p.dz = dz, p.dB = scr->s4_dBz, p.dC = dw->C, p.dh0 = dh0;
    p.dA = dw->A_log, p.dA_imag = cplx ? dw->A_imag : NULL, p.dD = dw->D, p.ddelta_bias = scr->s4_ddt;
    TRY(be->scan_bwd(&p));
    /* through the ZOH fold into log_dt, A_log, A_imag, B (+=) */
    return be->s4d_zoh_bwd(dw->log_dt, dw->A_log, cplx ? dw->A_imag : NULL, dw->B, scr->s4_ddt, scr->s4_dBz, w->log_dt,
                           w->A_log, cplx ? w->A_imag : NULL, w->B, H, N);
}

int sk_linear_fwd(const sk_backend *be, float *out, const float *x, const float *W, const float *bias, int64_t rows,
                  int64_t n, int64_t k, const float *ones) {
    TRY(be->gemm(0, 1, rows, n, k, 1, x, k, W, k, 0, out, n));
    return be->gemm(0, 0, rows, n, 1, 1, ones, 1, bias, n, 1, out, n); /* += ones (rows, 1) @ bias (1, n) */
}
int sk_linear_bwd(const sk_backend *be, float *dx, float dx_beta, float *dW, float *dbias, const float *dout,
                  const float *x, const float *W, int64_t rows, int64_t n, int64_t k, const float *ones) {
    TRY(be->gemm(1, 0, n, k, rows, 1, dout, n, x, k, 1, dW, k));
    TRY(be->gemm(1, 0, n, 1, rows, 1, dout, n, ones, 1, 1, dbias, 1));
    return dx ? be->gemm(0, 0, rows, k, n, 1, dout, n, W, k, dx_beta, dx, k) : SK_OK;
}

int sk_s4block_forward(const sk_backend *be, const sk_block_config *c, float *out, sk_mamba_act *act,
                       const float *in, const sk_mamba_w *w, int64_t b, int64_t L, const uint8_t *reset,
                       sk_mamba_state *st, sk_mamba_scratch *scr) {
    const int64_t d = c->d_model, rows = b * L;
    act->has_state = st != NULL;
    if (st) TRY(be->copy(act->ssm0, st->ssm, (size_t)(b * d * sk_ssm_nk(c)) * sizeof(float)));
    /* 1. y = S4D(in) + D in                          (rows, d) */
    TRY(sk_s4d_forward(be, c, act->y, act, in, NULL, 0, w, b, L, reset, st ? act->ssm0 : NULL, st ? st->ssm : NULL, scr));
    /* 2. g = GELU(y) */
    TRY(be->act_fwd(act->g, act->y, rows * d, SK_ACT_GELU));
    /* 3. pre = g @ output_linear^T + bias             (rows, 2d) */
    TRY(sk_linear_fwd(be, act->pre, act->g, w->glu_w, w->glu_b, rows, 2 * d, d, scr->ones));
    /* 4. out = pre[:, :d] * sigmoid(pre[:, d:])       (GLU) */
    return be->glu_fwd(out, act->pre, rows, d);
}

int sk_s4block_backward(const sk_backend *be, const sk_block_config *c, float *din, sk_mamba_w *dw,
                        const float *dout, const float *in, const sk_mamba_w *w, const sk_mamba_act *act, int64_t b,
                        int64_t L, const uint8_t *reset, const sk_mamba_state *dst_out, sk_mamba_state *dst_in,
                        sk_mamba_scratch *scr) {
    const int64_t d = c->d_model, rows = b * L;
    /* 4. d pre (rows, 2d) */
    TRY(be->glu_bwd(scr->d2a, dout, act->pre, rows, d));
    /* 3. d output_linear +=, dg (rows, d) -> dy buffer */
    TRY(sk_linear_bwd(be, scr->dy, 0, dw->glu_w, dw->glu_b, scr->d2a, act->g, w->glu_w, rows, 2 * d, d, scr->ones));
    /* 2. dy = dg * GELU'(y)   (in place: act_bwd reads dout[i] before writing dx[i]) */
    TRY(be->act_bwd(scr->dy, scr->dy, act->y, rows * d, SK_ACT_GELU));
    /* 1. S4D backward: din (=), parameters (+=), initial-state gradient */
    return sk_s4d_backward(be, c, din, NULL, dw, scr->dy, act, in, NULL, 0, w, b, L, reset,
                           act->has_state ? act->ssm0 : NULL, dst_out ? dst_out->ssm : NULL,
                           dst_in && act->has_state ? dst_in->ssm : NULL, scr);
}

int sk_mlp_forward(const sk_backend *be, const sk_block_config *c, float *out, sk_mamba_act *act, const float *in,
                   const sk_mamba_w *w, int64_t rows, sk_mamba_scratch *scr) {
    const int64_t d = c->d_model;
    TRY(sk_linear_fwd(be, act->f1, in, w->fc1_w, w->fc1_b, rows, 2 * d, d, scr->ones)); /* f1 = fc1(in)   (rows, 2d) */
    TRY(be->act_fwd(act->g1, act->f1, rows * 2 * d, SK_ACT_GELU));            /* g1 = GELU(f1) */
    return sk_linear_fwd(be, out, act->g1, w->fc2_w, w->fc2_b, rows, d, 2 * d, scr->ones); /* out = fc2(g1) (rows, d) */
}

int sk_mlp_backward(const sk_backend *be, const sk_block_config *c, float *din, sk_mamba_w *dw, const float *dout,
                    const float *in, const sk_mamba_w *w, const sk_mamba_act *act, int64_t rows,
                    sk_mamba_scratch *scr) {
    const int64_t d = c->d_model;
    TRY(sk_linear_bwd(be, scr->d2a, 0, dw->fc2_w, dw->fc2_b, dout, act->g1, w->fc2_w, rows, d, 2 * d, scr->ones)); /* d g1 */
    TRY(be->act_bwd(scr->d2b, scr->d2a, act->f1, rows * 2 * d, SK_ACT_GELU));                          /* d f1 */
    return sk_linear_bwd(be, din, 0, dw->fc1_w, dw->fc1_b, scr->d2b, in, w->fc1_w, rows, 2 * d, d, scr->ones);
}
