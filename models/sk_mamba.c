/* sk_mamba.c — the Mamba block (forward / backward / step) and the Mamba LM (arenas, init,
 * forward + loss, backward, recurrent step). Checkpoint I/O is in sk_mamba_io.c. See sk_mamba.h.
 *
 * Shapes (rows = b*L): d = d_model, Di = d_inner, N = d_state, R = dt_rank, W = d_conv,
 * V = vocab_padded. Every tensor is row-major with the feature axis fastest.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "models/sk_mamba.h"
#include "models/sk_mamba_internal.h"
#include "models/sk_ssm.h"
#include "src/sk_rng.h"

#define TRY(x)                                                                                     \
    do {                                                                                           \
        int rc_ = (x);                                                                             \
        if (rc_) return rc_;                                                                       \
    } while (0)

/* ================================ the block ================================================ */

/* Scan arguments shared by the forward and the backward of a block. */
static sk_scan_f32 block_scan(const sk_mamba_config *c, const sk_mamba_act *act, const sk_mamba_w *w, int64_t b,
                              int64_t L, const uint8_t *reset, sk_mamba_scratch *scr) {
    /* complex S6: B and C are N (re, im) pairs each, A = -exp(A_log) + i A_imag (sk_ssm.h) */
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

int sk_mamba_block_forward(const sk_backend *be, const sk_mamba_config *c, float *out, sk_mamba_act *act,
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
static int s6_backward(const sk_backend *be, const sk_mamba_config *c, sk_mamba_w *dw, const sk_mamba_w *w,
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

int sk_mamba_block_backward(const sk_backend *be, const sk_mamba_config *c, float *din, sk_mamba_w *dw,
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

int sk_mamba_block_step(const sk_backend *be, const sk_mamba_config *c, sk_mamba_state *st, float *out,
                        const float *in, const sk_mamba_w *w, int64_t b, sk_mamba_act *act, sk_mamba_scratch *scr) {
    /* One position: the forward with L = 1 and the state carried in place (the conv and scan
     * kernels allow state_out == state_in, hT == h0). */
    return sk_mamba_block_forward(be, c, out, act, in, w, b, 1, NULL, st, scr);
}

int sk_resblock_forward(const sk_backend *be, const sk_mamba_config *c, float *out, const float *in, float *hn,
                        float *rstd, float *mo, const float *norm_w, sk_mamba_act *a, const sk_mamba_w *w, int64_t b,
                        int64_t L, const uint8_t *reset, sk_mamba_state *st, sk_mamba_scratch *scr) {
    const int64_t d = c->d_model, rows = b * L;
    const size_t bytes = (size_t)(rows * d) * sizeof(float);
    TRY(be->rmsnorm_fwd(hn, rstd, in, norm_w, rows, d, (float)c->norm_epsilon));
    if (c->block == SK_BLOCK_S4_MLP) {
        /* S4+MLP (sk_ssm.h): mid = in + S4(RMSNorm(in)); out = mid + MLP(RMSNorm2(mid)) */
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

int sk_resblock_backward(const sk_backend *be, const sk_mamba_config *c, float *dr, float *dhn, float *gnorm_w,
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

/* ================================ activation plans ======================================== */

int sk_mamba_act_plan(sk_arena *aa, const sk_mamba_config *c, sk_mamba_act *a, int64_t max_b, int64_t max_L) {
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

int sk_mamba_scratch_plan(sk_arena *aa, const sk_mamba_config *c, sk_mamba_scratch *s, const sk_backend *be,
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

/* ================================ the language model ======================================= */

/* Point every slot of a size table into one backend allocation. */
int sk_arena_alloc_on(sk_arena *a, const sk_backend *be, void **base) {
    int64_t bytes = sk_arena_bytes(a);
    TRY(be->alloc(base, (size_t)bytes));
    for (int64_t i = 0; i < a->nslots; i++) {
        sk_arena_slot *s = &a->slots[i];
        if (s->ptr) *s->ptr = s->count ? (char *)*base + s->offset * (int64_t)a->elem_size : NULL;
    }
    return SK_OK;
}

/* Append a parameter; *vw / *vg (when given) become views of its value / gradient once the
 * arenas are allocated. */
sk_param *sk_ptable_add(sk_ptable *t, const char *name, int ndim, int64_t s0, int64_t s1, int64_t s2, int nowd,
                        float **vw, float **vg) {
    t->bind_w[*t->np] = vw, t->bind_g[*t->np] = vg;
    sk_param *p = &t->params[(*t->np)++];
    snprintf(p->name, sizeof p->name, "%s", name);
    p->ndim = ndim, p->shape[0] = s0, p->shape[1] = s1, p->shape[2] = s2;
    p->numel = s0 * (ndim > 1 ? s1 : 1) * (ndim > 2 ? s2 : 1);
    p->no_weight_decay = nowd;
    return p;
}

void sk_mamba_block_params(sk_ptable *t, const sk_mamba_config *c, const char *prefix, float **norm_w, float **gnorm_w,
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

int sk_mamba_lm_create(sk_mamba_lm **out, const sk_mamba_config *cin, const sk_backend *be, int64_t max_batch,
                       int64_t max_len, int flags) {
    *out = NULL;
    if (max_batch < 1 || max_len < 1) return sk_error(SK_EINVAL, "mamba: batch and length must be >= 1");
    TRY(sk_backend_require_groups(be, SK_OPS_MODEL));
    if (sk_ssm_is_s4d(cin)) TRY(sk_backend_require_groups(be, SK_OPS_S4D));
    if (cin->block == SK_BLOCK_S4_MLP) TRY(sk_backend_require_groups(be, SK_OPS_S4MLP));
    sk_mamba_lm *m = calloc(1, sizeof *m);
    if (!m) return sk_error(SK_ENOMEM, "mamba: out of memory");
    m->cfg = *cin;
    const sk_mamba_config *c = &m->cfg;
    m->be = be, m->max_b = max_batch, m->max_L = max_len, m->flags = flags;
    const int64_t d = c->d_model, V = c->vocab_padded;
    const int s4mlp = c->block == SK_BLOCK_S4_MLP;
    const int64_t nl = c->n_layer, rows = max_batch * max_len;
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
        sk_mamba_lm_free(m);
        return sk_error(SK_ENOMEM, "mamba: out of memory");
    }
    /* ---- parameter table (checkpoint names, mamba-v1.md §4.5; other kinds: sk_ssm.h) ---- */
    char nm[96];
    sk_ptable pt = {m->params, m->bind_w, m->bind_g, &m->np};
    sk_ptable_add(&pt, "backbone.embedding.weight", 2, V, d, 0, 0, &m->emb, &m->gemb);
    for (int64_t l = 0; l < nl; l++) {
        snprintf(nm, sizeof nm, "backbone.layers.%lld.", (long long)l);
        sk_mamba_block_params(&pt, c, nm, &m->norm_w[l], &m->gnorm_w[l], &m->w[l], &m->gw[l]);
    }
    sk_ptable_add(&pt, "backbone.norm_f.weight", 1, d, 0, 0, 1, &m->norm_f, &m->gnorm_f);
    if (!c->tie_embeddings) sk_ptable_add(&pt, "lm_head.weight", 2, V, d, 0, 0, &m->head, &m->ghead);
    /* ---- arenas ---- */
    sk_arena_init(&m->pa, "parameters", sizeof(float));
    sk_arena_init(&m->ga, "gradients", sizeof(float));
    sk_arena_init(&m->aa, "activations", sizeof(float));
    int rc = 0;
    for (int i = 0; i < m->np && !rc; i++) {
        rc = sk_arena_add(&m->pa, m->params[i].name, m->params[i].numel, (void **)&m->params[i].w);
        if (!rc && (flags & SK_MAMBA_GRADS))
            rc = sk_arena_add(&m->ga, m->params[i].name, m->params[i].numel, (void **)&m->params[i].g);
    }
#define A(name, count, ptr)                                                                        \
    if (!rc) rc = sk_arena_add(&m->aa, name, count, (void **)(ptr))
    for (int64_t l = 0; l <= nl; l++) A("residual", rows * d, &m->res[l]);
    /* one block's activations: its residual stream, norm output, 1/rms and mixer slots */
    const int64_t act0 = sk_arena_bytes(&m->aa) - rows * d * (int64_t)sizeof(float);
    for (int64_t l = 0; l < nl; l++) {
        A("norm_out", rows * d, &m->hn[l]);
        A("norm_rstd", rows, &m->rstd[l]);
        if (!rc) rc = sk_mamba_act_plan(&m->aa, c, &m->act[l], max_batch, max_len);
        if (l == 0) m->act_block = sk_arena_bytes(&m->aa) - act0;
    }
    if (s4mlp) A("ones", rows, &m->ones);
    A("mixer_out", rows * d, &m->mo);
    A("norm_f_out", rows * d, &m->hf);
    A("norm_f_rstd", rows, &m->rstdf);
    A("logits", rows * V, &m->logits);
    A("losses", rows, &m->losses);
    A("tokens", rows, &m->tok);
    A("targets", rows, &m->tgt);
    A("resets", (rows + 3) / 4, &m->reset);
    if (flags & SK_MAMBA_GRADS) {
        A("dlogits", rows * V, &m->dlogits);
        A("d_norm_f_out", rows * d, &m->dhf);
        A("d_residual", rows * d, &m->dr);
        A("d_norm_out", rows * d, &m->dhn);
    }
    if (!rc) rc = sk_mamba_scratch_plan(&m->aa, c, &m->scr, be, max_batch, max_len, flags & SK_MAMBA_GRADS);
#undef A
    const int alloc = !(flags & SK_MAMBA_PLAN); /* a plan only sizes the arenas */
    if (!rc && alloc) rc = sk_arena_alloc_on(&m->pa, be, &m->pbase);
    if (!rc && alloc && (flags & SK_MAMBA_GRADS)) rc = sk_arena_alloc_on(&m->ga, be, &m->gbase);
    if (!rc && alloc) rc = sk_arena_alloc_on(&m->aa, be, &m->abase);
    if (rc) {
        sk_mamba_lm_free(m);
        return rc;
    }
    /* ---- named views of the parameter table ---- */
    for (int i = 0; i < m->np; i++) {
        if (m->bind_w[i]) *m->bind_w[i] = m->params[i].w;
        if (m->bind_g[i]) *m->bind_g[i] = m->params[i].g;
    }
    if (c->tie_embeddings) m->head = m->emb, m->ghead = m->gemb;
    m->scr.ones = m->ones;
    if (s4mlp && alloc) { /* the ones vector of the bias GEMMs */
        float *h1 = malloc((size_t)rows * sizeof(float));
        rc = h1 ? SK_OK : sk_error(SK_ENOMEM, "mamba: out of memory");
        for (int64_t i = 0; !rc && i < rows; i++) h1[i] = 1.0f;
        if (!rc) rc = be->upload(m->ones, h1, (size_t)rows * sizeof(float));
        free(h1);
        if (rc) {
            sk_mamba_lm_free(m);
            return rc;
        }
    }
    *out = m;
    return SK_OK;
}

void sk_mamba_lm_free(sk_mamba_lm *m) {
    if (!m) return;
    if (m->be) {
        m->be->free(m->pbase);
        m->be->free(m->gbase);
        m->be->free(m->abase);
    }
    m->pa.base = m->ga.base = m->aa.base = NULL; /* owned by the backend, not the arena */
    sk_arena_free(&m->pa), sk_arena_free(&m->ga), sk_arena_free(&m->aa);
    free(m->params), free(m->bind_w), free(m->bind_g), free(m->w), free(m->gw), free(m->act), free(m->norm_w), free(m->gnorm_w);
    free(m->res), free(m->hn), free(m->rstd), free(m->host_loss);
    sk_mamba_lm_chunk_free(m);
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
    if (grads && !(m->flags & SK_MAMBA_GRADS)) {
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
    if (m->flags & SK_MAMBA_GRADS) sk_arena_print(&m->ga, verbose);
    sk_arena_print(&m->aa, verbose);
}

/* ---- initialization ---- */
static void fill_uniform(sk_rng *r, float *h, int64_t n, double bound) {
    for (int64_t i = 0; i < n; i++) h[i] = (float)((2 * sk_rng_uniform(r) - 1) * bound);
}

int sk_mamba_param_init(const sk_mamba_config *c, const char *name, float *h, int64_t n, sk_rng *r) {
    const double W = (double)c->d_conv, Di = (double)c->d_inner, d = (double)c->d_model, R = (double)c->dt_rank;
    int rc = SK_OK;
#define ENDS(s) (strlen(name) >= strlen(s) && !strcmp(name + strlen(name) - strlen(s), s))
    if (ENDS("embedding.weight")) { /* nn.Embedding re-init: N(0, 0.02) */
        for (int64_t j = 0; j < n; j++) h[j] = (float)(0.02 * sk_rng_normal(r));
    } else if (ENDS("mixer.D") && c->block == SK_BLOCK_S4_MLP) { /* S4 block: D ~ N(0, 1) */
        for (int64_t j = 0; j < n; j++) h[j] = (float)sk_rng_normal(r);
    } else if (ENDS("norm.weight") || ENDS("norm2.weight") || ENDS("norm_f.weight") || ENDS("mixer.D")) {
        for (int64_t j = 0; j < n; j++) h[j] = 1.0f;
    } else if (ENDS("in_proj.weight")) {
        fill_uniform(r, h, n, 1 / sqrt(d)); /* kaiming_uniform(a=sqrt 5): U(+-1/sqrt(fan_in)) */
    } else if (ENDS("conv1d.weight") || ENDS("conv1d.bias")) {
        fill_uniform(r, h, n, 1 / sqrt(W)); /* nn.Conv1d default, fan_in = 1 * W */
    } else if (ENDS("x_proj.weight")) {
        fill_uniform(r, h, n, 1 / sqrt(Di));
    } else if (ENDS("dt_proj.weight")) {
        fill_uniform(r, h, n, c->dt_scale / sqrt(R)); /* dt_init "random": U(+-R^-0.5 dt_scale) */
    } else if (ENDS("dt_proj.bias")) {
        /* dt = exp(U (ln dt_max - ln dt_min) + ln dt_min), floored; bias = dt + log(-expm1(-dt)) */
        for (int64_t j = 0; j < n; j++) {
            double dt = exp(sk_rng_uniform(r) * (log(c->dt_max) - log(c->dt_min)) + log(c->dt_min));
            if (dt < c->dt_init_floor) dt = c->dt_init_floor;
            h[j] = (float)(dt + log(-expm1(-dt)));
        }
    } else if (ENDS("A_log")) { /* S4D-Real: log(n+1); complex (S4D-Lin): log 0.5 */
        for (int64_t j = 0; j < n; j++) h[j] = (float)(sk_ssm_complex(c) ? log(0.5) : log((double)(j % c->d_state + 1)));
    } else if (ENDS("A_imag")) { /* S4D-Lin: pi n */
        for (int64_t j = 0; j < n; j++) h[j] = (float)(M_PI * (double)(j % c->d_state));
    } else if (ENDS("mixer.log_dt")) { /* log dt ~ U[log dt_min, log dt_max] (sashimi-s4.md §3.2) */
        for (int64_t j = 0; j < n; j++) h[j] = (float)(log(c->dt_min) + sk_rng_uniform(r) * (log(c->dt_max) - log(c->dt_min)));
    } else if (ENDS("mixer.B")) { /* B = 1 (+0i) */
        for (int64_t j = 0; j < n; j++) h[j] = sk_ssm_complex(c) && j % 2 ? 0.0f : 1.0f;
    } else if (ENDS("mixer.C")) { /* randn: real N(0, 1); complex re, im ~ N(0, 1/2) */
        for (int64_t j = 0; j < n; j++) h[j] = (float)(sk_rng_normal(r) * (sk_ssm_complex(c) ? sqrt(0.5) : 1.0));
    } else if (ENDS("output_linear.weight") || ENDS("output_linear.bias") || ENDS("fc1.weight") || ENDS("fc1.bias")) {
        fill_uniform(r, h, n, 1 / sqrt(d)); /* nn.Linear default, fan_in = d */
    } else if (ENDS("fc2.weight") || ENDS("fc2.bias")) {
        fill_uniform(r, h, n, 1 / sqrt(2 * d)); /* fan_in = 2d */
    } else if (ENDS("out_proj.weight")) {
        /* rescale_prenorm_residual: U(+-1/sqrt(fan_in)) / sqrt(n_layer) (n_residuals_per_layer = 1) */
        fill_uniform(r, h, n, 1 / sqrt(Di) / sqrt((double)c->n_layer));
    } else if (ENDS("lm_head.weight")) {
        fill_uniform(r, h, n, 1 / sqrt(d));
    } else {
        rc = sk_error(SK_EINVAL, "init: no rule for %s", name);
    }
#undef ENDS
    return rc;
}

int sk_mamba_lm_init(sk_mamba_lm *m, uint64_t seed) {
    const sk_mamba_config *c = &m->cfg;
    if (m->flags & SK_MAMBA_PLAN) return sk_error(SK_EINVAL, "mamba: a memory plan (SK_MAMBA_PLAN) has no parameters");
    int64_t maxn = 0;
    for (int i = 0; i < m->np; i++) maxn = m->params[i].numel > maxn ? m->params[i].numel : maxn;
    float *h = malloc((size_t)maxn * sizeof(float));
    if (!h) return sk_error(SK_ENOMEM, "mamba init: out of memory");
    int rc = 0;
    for (int i = 0; i < m->np && !rc; i++) {
        const sk_param *p = &m->params[i];
        sk_rng r;
        sk_rng_seed(&r, seed, (uint64_t)i);
        rc = sk_mamba_param_init(c, p->name, h, p->numel, &r);
        if (!rc) rc = m->be->upload(p->w, h, (size_t)p->numel * sizeof(float));
    }
    free(h);
    return rc;
}

/* ---- forward / backward ---- */

/* The backbone: hf = RMSNorm_f(r_n), r_0 = embedding(tokens), r_{l+1} = r_l + Mamba_l(RMSNorm_l(r_l)).
 * Checks the tokens; leaves the last forward's shape in m (fwd_ok, no logits). */
int sk_mamba_lm_backbone_forward(sk_mamba_lm *m, const int32_t *tokens, int64_t b, int64_t L, const uint8_t *reset,
                                 sk_mamba_lm_state *st) {
    const sk_mamba_config *c = &m->cfg;
    const sk_backend *be = m->be;
    const int64_t d = c->d_model, V = c->vocab_padded, rows = b * L, nl = c->n_layer;
    m->fwd_ok = 0, m->have_dlogits = 0, m->fwd_chunked = 0;
    m->have_losses = 0;
    if (m->flags & SK_MAMBA_PLAN) return sk_error(SK_EINVAL, "mamba: a memory plan (SK_MAMBA_PLAN) cannot run");
    if (b < 1 || L < 1 || b > m->max_b || L > m->max_L)
        return sk_error(SK_EINVAL, "mamba: batch %lld x length %lld exceeds the model's %lld x %lld", (long long)b,
                        (long long)L, (long long)m->max_b, (long long)m->max_L);
    if (st && st->b != b)
        return sk_error(SK_EINVAL, "mamba: state holds %lld sequences, batch has %lld", (long long)st->b, (long long)b);
    for (int64_t i = 0; i < rows; i++)
        if (tokens[i] < 0 || tokens[i] >= V)
            return sk_error(SK_EINVAL, "token %d at batch %lld position %lld is outside the vocabulary [0, %lld)",
                            tokens[i], (long long)(i / L), (long long)(i % L), (long long)V);
    TRY(be->upload(m->tok, tokens, (size_t)rows * sizeof(int32_t)));
    if (reset) TRY(be->upload(m->reset, reset, (size_t)rows));
    const uint8_t *rs = reset ? (const uint8_t *)m->reset : NULL;
    /* r_0 = embedding(tokens) */
    TRY(be->embed_fwd(m->res[0], (const int32_t *)m->tok, m->emb, rows, V, d));
    for (int64_t l = 0; l < nl; l++) /* r_{l+1} = r_l + Mamba_l(RMSNorm_l(r_l)) */
        TRY(sk_resblock_forward(be, c, m->res[l + 1], m->res[l], m->hn[l], m->rstd[l], m->mo, m->norm_w[l], &m->act[l],
                                &m->w[l], b, L, rs, st ? &st->layer[l] : NULL, &m->scr));
    /* hf = RMSNorm_f(r_n)   (rows, d) */
    TRY(be->rmsnorm_fwd(m->hf, m->rstdf, m->res[nl], m->norm_f, rows, d, (float)c->norm_epsilon));
    m->b = b, m->L = L, m->fwd_ok = 1, m->fwd_state = st != NULL, m->fwd_reset = reset != NULL;
    return SK_OK;
}

/* logits = hf @ head^T (rows, V); with targets, *loss = sum of their cross-entropies / count and,
 * with gradients, dlogits = (softmax - onehot) / count is kept for the backward. */
int sk_mamba_lm_head_forward(sk_mamba_lm *m, const int32_t *targets, int64_t rows, int64_t count, double *loss) {
    const sk_backend *be = m->be;
    const int64_t d = m->cfg.d_model, V = m->cfg.vocab_padded;
    TRY(be->gemm(0, 1, rows, V, d, 1, m->hf, d, m->head, d, 0, m->logits, V));
    m->have_dlogits = 0;
    if (targets) {
        float *dl = (m->flags & SK_MAMBA_GRADS) ? m->dlogits : NULL;
        TRY(sk_head_xent(be, loss, dl, m->logits, targets, (int32_t *)m->tgt, m->losses, m->host_loss, rows, V, count));
        m->have_dlogits = dl != NULL;
        m->have_losses = 1;
    }
    return SK_OK;
}

/* head: d head += dlogits^T hf;  dhf = dlogits @ head   (rows = b * L of the last backbone forward) */
int sk_mamba_lm_head_backward(sk_mamba_lm *m) {
    const sk_backend *be = m->be;
    const int64_t d = m->cfg.d_model, V = m->cfg.vocab_padded, rows = m->b * m->L;
    TRY(be->gemm(1, 0, V, d, rows, 1, m->dlogits, V, m->hf, d, 1, m->ghead, d));
    return be->gemm(0, 0, rows, d, V, 1, m->dlogits, V, m->head, d, 0, m->dhf, d);
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

int sk_mamba_lm_forward_hidden(sk_mamba_lm *m, const int32_t *tokens, int64_t b, int64_t L, const uint8_t *reset) {
    return sk_mamba_lm_backbone_forward(m, tokens, b, L, reset, NULL);
}
int sk_mamba_lm_forward_hidden_state(sk_mamba_lm *m, const int32_t *tokens, int64_t b, int64_t L, const uint8_t *reset,
                                     sk_mamba_lm_state *st) {
    return sk_mamba_lm_backbone_forward(m, tokens, b, L, reset, st);
}
const float *sk_mamba_lm_hidden(const sk_mamba_lm *m) { return m->hf; }
float *sk_mamba_lm_dhidden(sk_mamba_lm *m) { return m->dhf; }

const float *sk_mamba_lm_position_losses(const sk_mamba_lm *m) {
    return m->fwd_ok && m->have_losses && !m->fwd_chunked ? m->host_loss : NULL; /* a chunked forward keeps none */
}

int sk_mamba_lm_logits(const sk_mamba_lm *m, float *dst) {
    if (!m->fwd_ok) return sk_error(SK_EINVAL, "mamba: no forward to take logits from");
    if (m->fwd_chunked)
        return sk_error(SK_EINVAL, "mamba: the logits of a chunked forward (length %lld > chunk %lld) are not kept; "
                                   "forward chunk by chunk with a state instead", (long long)m->fwd_chunked,
                        (long long)sk_mamba_lm_chunk(m));
    return m->be->download(dst, m->logits, (size_t)(m->b * m->L * m->cfg.vocab_padded) * sizeof(float));
}

/* The backbone's backward from dhf = dLoss/dhf (rows, d): parameter gradients += ; dst_out / dst_in:
 * the state gradients of sk_mamba_block_backward for every layer (NULL = 0 / not needed). */
int sk_mamba_lm_backbone_backward(sk_mamba_lm *m, const sk_mamba_lm_state *dst_out, sk_mamba_lm_state *dst_in) {
    const sk_mamba_config *c = &m->cfg;
    const sk_backend *be = m->be;
    const int64_t d = c->d_model, b = m->b, L = m->L, rows = b * L, nl = c->n_layer;
    const uint8_t *rs = m->fwd_reset ? (const uint8_t *)m->reset : NULL;
    /* dr = dL/dr_n from the final norm */
    TRY(be->memzero(m->dr, (size_t)(rows * d) * sizeof(float)));
    TRY(be->rmsnorm_bwd(m->dr, m->gnorm_f, m->dhf, m->res[nl], m->norm_f, m->rstdf, rows, d));
    for (int64_t l = nl - 1; l >= 0; l--) /* dr_l = dr_{l+1} + RMSNorm_l^T(Mamba_l^T(dr_{l+1})), in place */
        TRY(sk_resblock_backward(be, c, m->dr, m->dhn, m->gnorm_w[l], &m->gw[l], m->res[l], m->hn[l], m->rstd[l],
                                 m->norm_w[l], &m->act[l], &m->w[l], b, L, rs, dst_out ? &dst_out->layer[l] : NULL,
                                 dst_in ? &dst_in->layer[l] : NULL, &m->scr));
    TRY(be->embed_bwd(m->gemb, (const int32_t *)m->tok, m->dr, rows, c->vocab_padded, d));
    return SK_OK;
}

int sk_mamba_lm_backward(sk_mamba_lm *m) {
    if (!(m->flags & SK_MAMBA_GRADS)) return sk_error(SK_EINVAL, "mamba backward: model created without gradients");
    if (!m->fwd_ok || !m->have_dlogits || m->fwd_state)
        return sk_error(SK_EINVAL, "mamba backward: needs a preceding forward with targets and no state");
    if (m->fwd_chunked) return sk_mamba_lm_backward_chunked(m);
    TRY(sk_mamba_lm_head_backward(m));
    return sk_mamba_lm_backbone_backward(m, NULL, NULL);
}

int sk_mamba_lm_backward_hidden(sk_mamba_lm *m) {
    if (!(m->flags & SK_MAMBA_GRADS)) return sk_error(SK_EINVAL, "mamba backward: model created without gradients");
    if (!m->fwd_ok || m->fwd_state || m->fwd_chunked)
        return sk_error(SK_EINVAL, "mamba backward: needs a preceding unchunked forward with no state");
    return sk_mamba_lm_backbone_backward(m, NULL, NULL);
}

int sk_mamba_lm_zero_grad(sk_mamba_lm *m) {
    if (!(m->flags & SK_MAMBA_GRADS)) return sk_error(SK_EINVAL, "mamba: model created without gradients");
    return m->be->memzero(m->gbase, (size_t)sk_arena_bytes(&m->ga));
}

/* ---- recurrent state ---- */
int sk_mamba_lm_state_create(sk_mamba_lm *m, int64_t b, sk_mamba_lm_state **out) {
    return sk_mamba_lm_state_make(m, b, !(m->flags & SK_MAMBA_PLAN), out);
}

int sk_mamba_lm_state_make(const sk_mamba_lm *m, int64_t b, int alloc, sk_mamba_lm_state **out) {
    *out = NULL;
    if (b < 1 || b > m->max_b) return sk_error(SK_EINVAL, "mamba state: batch %lld outside [1, %lld]", (long long)b, (long long)m->max_b);
    const sk_mamba_config *c = &m->cfg;
    sk_mamba_lm_state *st = calloc(1, sizeof *st);
    if (!st || !(st->layer = calloc((size_t)c->n_layer, sizeof *st->layer))) {
        free(st);
        return sk_error(SK_ENOMEM, "mamba state: out of memory");
    }
    st->be = m->be, st->b = b;
    sk_arena_init(&st->arena, "state", sizeof(float));
    int rc = 0;
    for (int64_t l = 0; l < c->n_layer && !rc; l++) {
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

int sk_mamba_lm_step(sk_mamba_lm *m, sk_mamba_lm_state *st, const int32_t *tokens, float *logits) {
    TRY(sk_mamba_lm_forward(m, tokens, NULL, st->b, 1, NULL, st, NULL));
    return logits ? sk_mamba_lm_logits(m, logits) : SK_OK;
}
