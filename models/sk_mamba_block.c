/* sk_mamba_block.c — the Mamba block (forward / backward / step), its parameter names and its
 * activation and scratch plans (mamba_block_impl.h). The math: models/README.md §Block kinds.
 *
 * Shapes (rows = b*L): d = d_model, Di = d_inner, N = d_state, R = dt_rank, W = d_conv. Every
 * tensor is row-major with the feature axis fastest.
 */
#include <stdio.h>
#include "models/mamba_block_impl.h"
#include "models/ssm_impl.h"

/* ================================ the block ================================================ */

/* Scan arguments shared by the forward and the backward of a block. */
static sk_scan_f32 block_scan(const sk_block_config *c, const sk_mamba_act *act, const sk_mamba_w *w, int64_t b,
                              int64_t L, const uint8_t *reset, sk_mamba_scratch *scr) {
    /* complex S6: B and C are N (re, im) pairs each, A = -exp(A_log) + i A_imag (models/README.md §Block kinds) */
    const int64_t Di = c->d_inner, N = c->d_state, NK = sk_ssm_nk(c), R = c->dt_rank, Dx = R + 2 * NK;
    const int cplx = sk_ssm_complex(c);
    sk_scan_f32 p = {
        .batch = b, .len = L, .dim = Di, .dstate = N, .chunk = SK_SCAN_CHUNK_DEFAULT,
        .flags = SK_SCAN_SOFTPLUS | SK_SCAN_A_NEG_EXP | (cplx ? SK_SCAN_COMPLEX : 0), /* delta = softplus(dt + dt_bias) */
        .u = act->xc, .delta = act->dt, .delta_bias = w->dt_proj_b, .A = w->A_log, .A_imag = cplx ? w->A_imag : NULL,
        .B = act->xdbl + R, .C = act->xdbl + R + NK, .ldb = Dx, .ldc = Dx, /* x_dbl = [dt_in | B | C] */
        .D = w->D, .z = act->xz + Di, .ldz = 2 * Di,                      /* z = second half of in_proj */
        .reset = reset, .h0 = act->has_state ? act->ssm0 : NULL, .ckpt = act->ckpt,
        .work = scr->scan_work, .work_len = scr->scan_work_len,
    };
    return p;
}

int sk_mamba_block_forward(const sk_backend *be, const sk_block_config *c, float *out, sk_mamba_act *act,
                           const float *in, const sk_mamba_w *w, int64_t b, int64_t L, const uint8_t *reset,
                           sk_mamba_state *st, sk_mamba_scratch *scr) {
    const int64_t d = c->d_model, Di = c->d_inner, NK = sk_ssm_nk(c), R = c->dt_rank, W = c->d_conv, Dx = R + 2 * NK;
    const int64_t rows = b * L;
    act->has_state = st != NULL;
    if (st) { /* keep the initial state for the backward */
        TRY(be->copy(act->conv0, st->conv, (size_t)(b * (W - 1) * Di) * sizeof(float)));
        TRY(be->copy(act->ssm0, st->ssm, (size_t)(b * Di * NK) * sizeof(float)));
    }
    /* 1. xz = in @ in_proj^T                        (rows, 2Di) */
    TRY(be->gemm(0, 1, rows, 2 * Di, d, 1, in, d, w->in_proj, d, 0, act->xz, 2 * Di));
    /* 2. xc = SiLU(conv1d(x) + conv_b), x = xz[:, :Di] (rows, Di) */
    sk_conv1d_f32 cv = {.batch = b, .len = L, .dim = Di, .width = W, .act = SK_ACT_SILU, .x = act->xz, .ldx = 2 * Di,
                        .w = w->conv_w, .bias = w->conv_b, .reset = reset, .state_in = st ? act->conv0 : NULL,
                        .out = act->xc, .state_out = st ? st->conv : NULL};
    TRY(be->conv1d_fwd(&cv));
    if (sk_ssm_is_s4d(c)) { /* Mamba-S4: 3-5. y = S4D(xc) (ZOH, constant B/C) + D xc, times SiLU(z) */
        TRY(sk_s4d_forward(be, c, act->y, act, act->xc, act->xz + Di, 2 * Di, w, b, L, reset, st ? act->ssm0 : NULL,
                           st ? st->ssm : NULL, scr));
        return be->gemm(0, 1, rows, d, Di, 1, act->y, Di, w->out_proj, Di, 0, out, d);
    }
    /* 3. x_dbl = xc @ x_proj^T                      (rows, R + 2N; R + 4N complex) */
    TRY(be->gemm(0, 1, rows, Dx, Di, 1, act->xc, Di, w->x_proj, Di, 0, act->xdbl, Dx));
    /* 4. dt = x_dbl[:, :R] @ dt_proj.weight^T (bias added inside the scan) (rows, Di) */
    TRY(be->gemm(0, 1, rows, Di, R, 1, act->xdbl, Dx, w->dt_proj_w, R, 0, act->dt, Di));
    /* 5. y = selective_scan(xc, dt, A, B, C, D, z, dt_bias, softplus)   (rows, Di) */
    sk_scan_f32 p = block_scan(c, act, w, b, L, reset, scr);
    p.out = act->y;
    p.hT = st ? st->ssm : NULL;
    TRY(be->scan_fwd(&p));
    /* 6. out = y @ out_proj^T                       (rows, d) */
    TRY(be->gemm(0, 1, rows, d, Di, 1, act->y, Di, w->out_proj, Di, 0, out, d));
    return SK_OK;
}

/* Backward of the selective SSM part of a Mamba block (steps 5-3: scan, dt_proj, x_proj):
 * from scr->dy, writes scr->dxc (=), dz into scr->dxz[:, Di:], adds the parameter gradients. */
static int s6_backward(const sk_backend *be, const sk_block_config *c, sk_mamba_w *dw, const sk_mamba_w *w,
                       const sk_mamba_act *act, int64_t b, int64_t L, const uint8_t *reset,
                       const sk_mamba_state *dst_out, sk_mamba_state *dst_in, sk_mamba_scratch *scr) {
    const int64_t Di = c->d_inner, NK = sk_ssm_nk(c), R = c->dt_rank, Dx = R + 2 * NK, rows = b * L;
    /* 5. scan backward: dxc (=), ddt (=), dz -> dxz[:, Di:], dB, dC -> dx_dbl[:, R:], params += */
    sk_scan_f32 p = block_scan(c, act, w, b, L, reset, scr);
    p.dout = scr->dy, p.dhT = dst_out ? dst_out->ssm : NULL;
    p.du = scr->dxc, p.ddelta = scr->ddt, p.dz = scr->dxz + Di, p.dB = scr->dxdbl + R, p.dC = scr->dxdbl + R + NK;
    p.dh0 = dst_in && act->has_state ? dst_in->ssm : NULL;
    p.dA = dw->A_log, p.dA_imag = dw->A_imag, p.dD = dw->D, p.ddelta_bias = dw->dt_proj_b;
    TRY(be->scan_bwd(&p));
    /* 4. d dt_proj.weight += ddt^T x_dbl[:, :R];  dx_dbl[:, :R] = ddt @ dt_proj.weight */
    TRY(be->gemm(1, 0, Di, R, rows, 1, scr->ddt, Di, act->xdbl, Dx, 1, dw->dt_proj_w, R));
    TRY(be->gemm(0, 0, rows, R, Di, 1, scr->ddt, Di, w->dt_proj_w, R, 0, scr->dxdbl, Dx));
    /* 3. d x_proj += dx_dbl^T xc;  dxc += dx_dbl @ x_proj */
    TRY(be->gemm(1, 0, Dx, Di, rows, 1, scr->dxdbl, Dx, act->xc, Di, 1, dw->x_proj, Di));
    TRY(be->gemm(0, 0, rows, Di, Dx, 1, scr->dxdbl, Dx, w->x_proj, Di, 1, scr->dxc, Di));
    return SK_OK;
}

int sk_mamba_block_backward(const sk_backend *be, const sk_block_config *c, float *din, sk_mamba_w *dw,
                            const float *dout, const float *in, const sk_mamba_w *w, const sk_mamba_act *act,
                            int64_t b, int64_t L, const uint8_t *reset, const sk_mamba_state *dst_out,
                            sk_mamba_state *dst_in, sk_mamba_scratch *scr) {
    const int64_t d = c->d_model, Di = c->d_inner, W = c->d_conv, rows = b * L;
    /* 6. d out_proj += dout^T y;  dy = dout @ out_proj */
    TRY(be->gemm(1, 0, d, Di, rows, 1, dout, d, act->y, Di, 1, dw->out_proj, Di));
    TRY(be->gemm(0, 0, rows, Di, d, 1, dout, d, w->out_proj, Di, 0, scr->dy, Di));
    if (sk_ssm_is_s4d(c)) { /* Mamba-S4: S4D backward gives dxc (=), dz -> dxz[:, Di:], parameters += */
        TRY(sk_s4d_backward(be, c, scr->dxc, scr->dxz + Di, dw, scr->dy, act, act->xc, act->xz + Di, 2 * Di, w, b, L,
                            reset, act->has_state ? act->ssm0 : NULL, dst_out ? dst_out->ssm : NULL,
                            dst_in && act->has_state ? dst_in->ssm : NULL, scr));
    } else {
        TRY(s6_backward(be, c, dw, w, act, b, L, reset, dst_out, dst_in, scr));
    }
    /* 2. conv backward: dx -> dxz[:, :Di] */
    sk_conv1d_f32 cv = {.batch = b, .len = L, .dim = Di, .width = W, .act = SK_ACT_SILU, .x = act->xz, .ldx = 2 * Di,
                        .w = w->conv_w, .bias = w->conv_b, .reset = reset,
                        .state_in = act->has_state ? act->conv0 : NULL, .dout = scr->dxc,
                        .dstate_out = dst_out ? dst_out->conv : NULL, .dx = scr->dxz, .dw = dw->conv_w,
                        .dbias = dw->conv_b, .dstate_in = dst_in && act->has_state ? dst_in->conv : NULL};
    TRY(be->conv1d_bwd(&cv));
    /* 1. d in_proj += dxz^T in;  din = dxz @ in_proj */
    TRY(be->gemm(1, 0, 2 * Di, d, rows, 1, scr->dxz, 2 * Di, in, d, 1, dw->in_proj, d));
    TRY(be->gemm(0, 0, rows, d, 2 * Di, 1, scr->dxz, 2 * Di, w->in_proj, d, 0, din, d));
    return SK_OK;
}

int sk_mamba_block_step(const sk_backend *be, const sk_block_config *c, sk_mamba_state *st, float *out,
                        const float *in, const sk_mamba_w *w, int64_t b, sk_mamba_act *act, sk_mamba_scratch *scr) {
    /* One position: the forward with L = 1 and the state carried in place (the conv and scan
     * kernels allow state_out == state_in, hT == h0). */
    return sk_mamba_block_forward(be, c, out, act, in, w, b, 1, NULL, st, scr);
}

/* ================================ activation plans ======================================== */

int sk_mamba_act_plan(sk_arena *aa, const sk_block_config *c, sk_mamba_act *a, int64_t max_b, int64_t max_L) {
    const int64_t d = c->d_model, Di = c->d_inner, W = c->d_conv, R = c->dt_rank, rows = max_b * max_L;
    const int64_t H = sk_ssm_dim(c), NK = sk_ssm_nk(c), Dx = R + 2 * NK;
    const int64_t nch = (max_L + SK_SCAN_CHUNK_DEFAULT - 1) / SK_SCAN_CHUNK_DEFAULT;
    const int s4d = sk_ssm_is_s4d(c), s4mlp = c->block == SK_BLOCK_S4_MLP;
    int rc = 0;
#define A(name, count, ptr)                                                                        \
    if (!rc) rc = sk_arena_add(aa, name, count, (void **)(ptr))
    if (!s4mlp) {
        A("xz", rows * 2 * Di, &a->xz);
        A("xc", rows * Di, &a->xc);
        A("conv_state0", max_b * (W - 1) * Di, &a->conv0);
    }
    if (!s4d) {
        A("x_dbl", rows * Dx, &a->xdbl);
        A("dt", rows * Di, &a->dt);
    } else {
        A("s4d_dt", H, &a->s4_dt);
        A("s4d_Bz", H * NK, &a->s4_Bz);
    }
    A("y", rows * H, &a->y);
    A("scan_ckpt", max_b * nch * H * NK, &a->ckpt);
    A("ssm_state0", max_b * H * NK, &a->ssm0);
    if (s4mlp) {
        A("s4_gelu", rows * d, &a->g);
        A("s4_pre_glu", rows * 2 * d, &a->pre);
        A("mlp_residual_in", rows * d, &a->mid);
        A("norm2_out", rows * d, &a->hn2);
        A("norm2_rstd", rows, &a->rstd2);
        A("mlp_fc1", rows * 2 * d, &a->f1);
        A("mlp_gelu", rows * 2 * d, &a->g1);
    }
    return rc;
}

int sk_mamba_scratch_plan(sk_arena *aa, const sk_block_config *c, sk_mamba_scratch *s, const sk_backend *be,
                          int64_t max_b, int64_t max_L, int grads) {
    const int64_t d = c->d_model, Di = c->d_inner, N = c->d_state, R = c->dt_rank, rows = max_b * max_L;
    const int64_t H = sk_ssm_dim(c), NK = sk_ssm_nk(c), Dx = R + 2 * NK;
    const int s4d = sk_ssm_is_s4d(c), s4mlp = c->block == SK_BLOCK_S4_MLP;
    int rc = 0;
    sk_scan_f32 probe = {.batch = max_b, .len = max_L, .dim = H, .dstate = N, .chunk = SK_SCAN_CHUNK_DEFAULT,
                         .flags = sk_ssm_complex(c) ? SK_SCAN_COMPLEX : 0};
    s->scan_work_len = be->scan_work_len(&probe);
    A("scan_work", s->scan_work_len, &s->scan_work);
    if (grads) {
        if (!s4mlp) {
            A("d_xz", rows * 2 * Di, &s->dxz);
            A("d_xc", rows * Di, &s->dxc);
        } else {
            A("d_2d_a", rows * 2 * d, &s->d2a);
            A("d_2d_b", rows * 2 * d, &s->d2b);
        }
        if (!s4d) {
            A("d_x_dbl", rows * Dx, &s->dxdbl);
            A("d_dt", rows * Di, &s->ddt);
        } else {
            A("d_s4d_dt", H, &s->s4_ddt);
            A("d_s4d_Bz", H * NK, &s->s4_dBz);
        }
        A("d_y", rows * H, &s->dy);
    }
#undef A
    return rc;
}


void sk_mamba_block_params(sk_ptable *t, const sk_block_config *c, const char *prefix, float **norm_w, float **gnorm_w,
                           sk_mamba_w *w, sk_mamba_w *g) {
    const int64_t d = c->d_model, Di = c->d_inner, N = c->d_state, R = c->dt_rank, W = c->d_conv;
    const int cplx = sk_ssm_complex(c), s4d = sk_ssm_is_s4d(c), s4mlp = c->block == SK_BLOCK_S4_MLP;
    const int64_t H = sk_ssm_dim(c), NK = sk_ssm_nk(c), K = cplx ? 2 : 1, Dx = R + 2 * NK;
    char nm[96];
#define P(suffix, field, ...) (snprintf(nm, sizeof nm, "%s%s", prefix, suffix), sk_ptable_add(t, nm, __VA_ARGS__, &w->field, &g->field))
    sk_ptable_add(t, (snprintf(nm, sizeof nm, "%snorm.weight", prefix), nm), 1, d, 0, 0, 1, norm_w, gnorm_w);
    if (!s4mlp) {
        P("mixer.in_proj.weight", in_proj, 2, 2 * Di, d, 0, 0);
        P("mixer.conv1d.weight", conv_w, 3, Di, 1, W, 0);
        P("mixer.conv1d.bias", conv_b, 1, Di, 0, 0, 1);
    }
    if (!s4d) {
        P("mixer.x_proj.weight", x_proj, 2, Dx, Di, 0, 0);
        P("mixer.dt_proj.weight", dt_proj_w, 2, Di, R, 0, 0);
        P("mixer.dt_proj.bias", dt_proj_b, 1, Di, 0, 0, 1);
    } else {
        P("mixer.log_dt", log_dt, 1, H, 0, 0, 1);
    }
    P("mixer.A_log", A_log, 2, H, N, 0, 1);
    if (cplx) P("mixer.A_imag", A_imag, 2, H, N, 0, 1);
    if (s4d) {
        P("mixer.B", B, cplx ? 3 : 2, H, N, K, 1);
        P("mixer.C", C, cplx ? 3 : 2, H, N, K, 0);
    }
    P("mixer.D", D, 1, H, 0, 0, 1);
    if (!s4mlp) {
        P("mixer.out_proj.weight", out_proj, 2, d, Di, 0, 0);
    } else {
        P("mixer.output_linear.weight", glu_w, 2, 2 * d, d, 0, 0);
        P("mixer.output_linear.bias", glu_b, 1, 2 * d, 0, 0, 1);
        P("norm2.weight", norm2, 1, d, 0, 0, 1);
        P("mlp.fc1.weight", fc1_w, 2, 2 * d, d, 0, 0);
        P("mlp.fc1.bias", fc1_b, 1, 2 * d, 0, 0, 1);
        P("mlp.fc2.weight", fc2_w, 2, d, 2 * d, 0, 0);
        P("mlp.fc2.bias", fc2_b, 1, d, 0, 0, 1);
    }
#undef P
}
