/* test_nnops.c — the non-scan CPU kernels: causal depthwise conv1d (state in/out, resets, step),
 * RMSNorm, SiLU/softplus, embedding, softmax cross-entropy, AdamW and GEMM (blocked and library).
 * Each float64 reference backward is checked by central finite differences (every element,
 * relative error <= 1e-6), each fp32 version against the float64 reference (<= 1e-5), plus small
 * hand-computed values that do not go through the reference code. */
#include "kernels/cpu/sk_cpu.h"
#include "tests/kernels/kt_util.h"

/* ---------------- conv1d ---------------- */
typedef struct ccase {
    int64_t b, L, D, W, ldx;
    int act, has_bias, has_state, has_reset;
    double *x, *w, *bias, *sin, *wout, *wst, *out, *sout;
    uint8_t *reset;
    sk_conv1d_f64 p;
} ccase;

static double cc_loss(void *ctx) {
    ccase *c = ctx;
    if (sk_conv1d_fwd_ref_f64(&c->p)) abort();
    double l = 0;
    for (int64_t i = 0; i < c->b * c->L * c->D; i++) l += c->out[i] * c->wout[i];
    for (int64_t i = 0; i < c->b * (c->W - 1) * c->D; i++) l += c->sout[i] * c->wst[i];
    return l;
}

static void test_conv(int64_t b, int64_t L, int64_t D, int64_t W, int act, int has_bias, int has_state, int has_reset) {
    ccase c = {.b = b, .L = L, .D = D, .W = W, .ldx = 2 * D + 1, .act = act};
    int64_t nx = b * L * c.ldx, ns = b * (W - 1) * D;
    c.x = kt_randd(nx, -2, 2), c.w = kt_randd(D * W, -1, 1), c.bias = has_bias ? kt_randd(D, -1, 1) : NULL;
    c.sin = has_state ? kt_randd(ns, -2, 2) : NULL, c.wout = kt_randd(b * L * D, -1, 1), c.wst = kt_randd(ns, -1, 1);
    c.out = kt_zerod(b * L * D), c.sout = kt_zerod(ns), c.reset = calloc((size_t)(b * L), 1);
    if (has_reset)
        for (int64_t i = 0; i < b * L; i++) c.reset[i] = sk_rng_uniform(&kt_rng) < 0.2;
    double *all[] = {c.x, c.w, c.bias, c.sin, c.wout, c.wst};
    int64_t nall[] = {nx, D * W, D, ns, b * L * D, ns};
    for (int k = 0; k < 6; k++)
        if (all[k]) kt_round(all[k], nall[k]);
    sk_conv1d_f64 p = {.batch = b, .len = L, .dim = D, .width = W, .act = act, .x = c.x, .ldx = c.ldx, .w = c.w,
                       .bias = c.bias, .reset = has_reset ? c.reset : NULL, .state_in = c.sin, .out = c.out,
                       .state_out = c.sout};
    c.p = p;
    cc_loss(&c);
    double *dx = kt_zerod(nx), *dw = kt_zerod(D * W), *db = kt_zerod(D), *dsin = kt_zerod(ns);
    sk_conv1d_f64 q = p;
    q.dout = c.wout, q.dstate_out = c.wst, q.dx = dx, q.dw = dw, q.dbias = db, q.dstate_in = has_state ? dsin : NULL;
    SK_CHECK(sk_conv1d_bwd_ref_f64(&q) == 0, "conv bwd: %s", sk_errmsg());
    char tag[96], nm[128];
    snprintf(tag, sizeof tag, "conv b=%lld L=%lld D=%lld W=%lld act=%d", (long long)b, (long long)L, (long long)D, (long long)W, act);
    /* dx is only meaningful on the D used columns; the padding columns must stay 0 (FD gives 0) */
    snprintf(nm, sizeof nm, "%s: fd dx", tag); KT_FD(nm, cc_loss, &c, c.x, nx, dx, 1e-6);
    snprintf(nm, sizeof nm, "%s: fd dw", tag); KT_FD(nm, cc_loss, &c, c.w, D * W, dw, 1e-6);
    if (c.bias) { snprintf(nm, sizeof nm, "%s: fd dbias", tag); KT_FD(nm, cc_loss, &c, c.bias, D, db, 1e-6); }
    if (c.sin) { snprintf(nm, sizeof nm, "%s: fd dstate_in", tag); KT_FD(nm, cc_loss, &c, c.sin, ns, dsin, 1e-6); }
    cc_loss(&c);
    /* fp32 vs f64 */
    float *xf = kt_tof(c.x, nx), *wf = kt_tof(c.w, D * W), *bf = kt_tof(c.bias, D), *sf = kt_tof(c.sin, ns);
    float *of = kt_zerof(b * L * D), *sof = kt_zerof(ns), *woutf = kt_tof(c.wout, b * L * D), *wstf = kt_tof(c.wst, ns);
    float *dxf = kt_zerof(nx), *dwf = kt_zerof(D * W), *dbf = kt_zerof(D), *dsf = kt_zerof(ns);
    sk_conv1d_f32 pf = {.batch = b, .len = L, .dim = D, .width = W, .act = act, .x = xf, .ldx = c.ldx, .w = wf, .bias = bf,
                        .reset = p.reset, .state_in = sf, .out = of, .state_out = sof, .dout = woutf, .dstate_out = wstf,
                        .dx = dxf, .dw = dwf, .dbias = dbf, .dstate_in = sf ? dsf : NULL};
    SK_CHECK(sk_conv1d_fwd_f32(&pf) == 0 && sk_conv1d_bwd_f32(&pf) == 0, "conv f32: %s", sk_errmsg());
    snprintf(nm, sizeof nm, "%s: f32 out", tag); KT_REL(nm, of, c.out, b * L * D, 1e-5);
    snprintf(nm, sizeof nm, "%s: f32 state_out", tag); KT_REL(nm, sof, c.sout, ns, 1e-5);
    snprintf(nm, sizeof nm, "%s: f32 dx", tag); KT_REL(nm, dxf, dx, nx, 1e-5);
    snprintf(nm, sizeof nm, "%s: f32 dw", tag); KT_REL(nm, dwf, dw, D * W, 1e-5);
    if (c.bias) { snprintf(nm, sizeof nm, "%s: f32 dbias", tag); KT_REL(nm, dbf, db, D, 1e-5); }
    if (c.sin) { snprintf(nm, sizeof nm, "%s: f32 dstate_in", tag); KT_REL(nm, dsf, dsin, ns, 1e-5); }
    /* step: L calls of length 1 with state_out == state_in equal the forward */
    {
        float *st = c.sin ? kt_tof(c.sin, ns) : kt_zerof(ns), *o = kt_zerof(b * L * D);
        for (int64_t t = 0; t < L; t++) {
            float *xt = kt_zerof(b * D), *ot = kt_zerof(b * D);
            uint8_t rs[64];
            for (int64_t i = 0; i < b; i++) {
                memcpy(xt + i * D, xf + (i * L + t) * c.ldx, (size_t)D * 4);
                rs[i] = p.reset ? p.reset[i * L + t] : 0;
            }
            sk_conv1d_f32 ps = {.batch = b, .len = 1, .dim = D, .width = W, .act = act, .x = xt, .ldx = D, .w = wf,
                                .bias = bf, .reset = rs, .state_in = st, .out = ot, .state_out = st};
            SK_CHECK(sk_conv1d_fwd_f32(&ps) == 0, "conv step");
            for (int64_t i = 0; i < b; i++) memcpy(o + (i * L + t) * D, ot + i * D, (size_t)D * 4);
            free(xt), free(ot);
        }
        snprintf(nm, sizeof nm, "%s: step out", tag); KT_REL(nm, o, c.out, b * L * D, 1e-5);
        snprintf(nm, sizeof nm, "%s: step state", tag); KT_REL(nm, st, c.sout, ns, 1e-5);
        free(st), free(o);
    }
    float *fl[] = {xf, wf, bf, sf, of, sof, woutf, wstf, dxf, dwf, dbf, dsf};
    for (int k = 0; k < 12; k++) free(fl[k]);
    double *dl[] = {c.x, c.w, c.bias, c.sin, c.wout, c.wst, c.out, c.sout, dx, dw, db, dsin};
    for (int k = 0; k < 12; k++) free(dl[k]);
    free(c.reset);
}

/* hand example: W = 3, one channel, x = 1,2,3 with state (-1, 5), reset at t=2:
 * out0 = w0*-1 + w1*5 + w2*1; out1 = w0*5 + w1*1 + w2*2; out2 (new sequence) = w2*3 */
static void test_conv_hand(void) {
    double x[3] = {1, 2, 3}, w[3] = {0.5, -1, 2}, st[2] = {-1, 5}, out[3], so[2];
    uint8_t rs[3] = {0, 0, 1};
    sk_conv1d_f64 p = {.batch = 1, .len = 3, .dim = 1, .width = 3, .x = x, .ldx = 1, .w = w, .reset = rs,
                       .state_in = st, .out = out, .state_out = so};
    SK_CHECK(sk_conv1d_fwd_ref_f64(&p) == 0, "conv hand");
    SK_CHECK(out[0] == -0.5 - 5 + 2 && out[1] == 2.5 - 1 + 4 && out[2] == 6, "conv hand out %g %g %g", out[0], out[1], out[2]);
    SK_CHECK(so[0] == 0 && so[1] == 3, "conv hand state_out %g %g (reset masks position 1)", so[0], so[1]);
}

/* ---------------- RMSNorm, activations, embedding, cross-entropy ---------------- */
typedef struct nctx {
    int kind; /* 0 rmsnorm, 1 silu, 2 softplus, 3 xent, 4 gelu */
    int64_t rows, d;
    double *x, *w, *wout, *out, *aux;
    int32_t *tgt;
} nctx;

static int act_of(int kind) { return kind == 1 ? SK_ACT_SILU : kind == 4 ? SK_ACT_GELU : SK_ACT_SOFTPLUS; }
static const char *act_name(int kind) { return kind == 1 ? "silu" : kind == 4 ? "gelu" : "softplus"; }

static double n_loss(void *ctx) {
    nctx *c = ctx;
    double l = 0;
    if (c->kind == 0) {
        sk_rmsnorm_fwd_f64(c->out, c->aux, c->x, c->w, c->rows, c->d, 1e-5);
    } else if (c->kind == 3) {
        if (sk_xent_f64(c->aux, NULL, c->x, c->tgt, c->rows, c->d, -1, 1)) abort();
        for (int64_t r = 0; r < c->rows; r++) l += c->aux[r];
        return l;
    } else {
        sk_act_fwd_f64(c->out, c->x, c->rows * c->d, act_of(c->kind));
    }
    for (int64_t i = 0; i < c->rows * c->d; i++) l += c->out[i] * c->wout[i];
    return l;
}

static void test_rmsnorm(int64_t rows, int64_t d) {
    nctx c = {0, rows, d, kt_randd(rows * d, -2, 2), kt_randd(d, 0.5, 1.5), kt_randd(rows * d, -1, 1), kt_zerod(rows * d), kt_zerod(rows), NULL};
    kt_round(c.x, rows * d), kt_round(c.w, d), kt_round(c.wout, rows * d);
    n_loss(&c);
    double *dx = kt_zerod(rows * d), *dw = kt_zerod(d);
    sk_rmsnorm_bwd_f64(dx, dw, c.wout, c.x, c.w, c.aux, rows, d);
    KT_FD("rmsnorm fd dx", n_loss, &c, c.x, rows * d, dx, 1e-6);
    KT_FD("rmsnorm fd dw", n_loss, &c, c.w, d, dw, 1e-6);
    n_loss(&c);
    float *xf = kt_tof(c.x, rows * d), *wf = kt_tof(c.w, d), *gf = kt_tof(c.wout, rows * d), *of = kt_zerof(rows * d);
    float *rf = kt_zerof(rows), *dxf = kt_zerof(rows * d), *dwf = kt_zerof(d);
    sk_rmsnorm_fwd_f32(of, rf, xf, wf, rows, d, 1e-5f);
    sk_rmsnorm_bwd_f32(dxf, dwf, gf, xf, wf, rf, rows, d);
    KT_REL("rmsnorm f32 out", of, c.out, rows * d, 1e-5);
    KT_REL("rmsnorm f32 dx", dxf, dx, rows * d, 1e-5);
    KT_REL("rmsnorm f32 dw", dwf, dw, d, 1e-5);
    /* hand: x = (3, 4), w = 1: rms = sqrt(12.5 + eps) */
    double x2[2] = {3, 4}, w2[2] = {1, 1}, o2[2], r2;
    sk_rmsnorm_fwd_f64(o2, &r2, x2, w2, 1, 2, 1e-5);
    SK_CHECK(fabs(o2[1] - 4 / sqrt(12.5 + 1e-5)) < 1e-15, "rmsnorm hand");
    free(c.x), free(c.w), free(c.wout), free(c.out), free(c.aux), free(dx), free(dw);
    free(xf), free(wf), free(gf), free(of), free(rf), free(dxf), free(dwf);
}

static void test_act(int kind) {
    int64_t n = 257;
    nctx c = {kind, 1, n, kt_randd(n, -25, 25), NULL, kt_randd(n, -1, 1), kt_zerod(n), NULL, NULL};
    kt_round(c.x, n);
    double *dx = kt_zerod(n);
    sk_act_bwd_f64(dx, c.wout, c.x, n, act_of(kind));
    char nm[64];
    snprintf(nm, sizeof nm, "%s fd", act_name(kind));
    KT_FD(nm, n_loss, &c, c.x, n, dx, 1e-6);
    n_loss(&c);
    float *xf = kt_tof(c.x, n), *of = kt_zerof(n), *gf = kt_tof(c.wout, n), *dxf = kt_zerof(n);
    sk_act_fwd_f32(of, xf, n, act_of(kind));
    sk_act_bwd_f32(dxf, gf, xf, n, act_of(kind));
    snprintf(nm, sizeof nm, "%s f32", act_name(kind));
    KT_REL(nm, of, c.out, n, 1e-5);
    snprintf(nm, sizeof nm, "d%s f32", act_name(kind));
    KT_REL(nm, dxf, dx, n, 1e-5);
    double one = 1, o;
    sk_act_fwd_f64(&o, &one, 1, act_of(kind));
    /* silu(1) = sigmoid(1); softplus(1) = log(1 + e); gelu(1) = Phi(1) = 0.841344746068542948... */
    double hand = kind == 1 ? 1 / (1 + exp(-1.0)) : kind == 4 ? 0.8413447460685429486 : log(1 + exp(1.0));
    SK_CHECK(fabs(o - hand) < 1e-15, "%s hand: %.17g vs %.17g", act_name(kind), o, hand);
    double big = 30;
    sk_act_fwd_f64(&o, &big, 1, SK_ACT_SOFTPLUS);
    SK_CHECK(o == 30, "softplus threshold 20: softplus(30) = 30 exactly");
    free(c.x), free(c.wout), free(c.out), free(dx), free(xf), free(of), free(gf), free(dxf);
}

static void test_xent(void) {
    int64_t rows = 7, V = 13;
    int32_t tgt[7] = {0, 12, -1, 5, 5, 3, -1};
    nctx c = {3, rows, V, kt_randd(rows * V, -4, 4), NULL, NULL, NULL, kt_zerod(rows), tgt};
    kt_round(c.x, rows * V);
    double *dl = kt_zerod(rows * V), *loss = kt_zerod(rows);
    SK_CHECK(sk_xent_f64(loss, dl, c.x, tgt, rows, V, -1, 1) == 0, "xent");
    KT_FD("xent fd dlogits", n_loss, &c, c.x, rows * V, dl, 1e-6);
    /* independent value: row 0 by direct log-sum-exp */
    double s = 0;
    for (int j = 0; j < V; j++) s += exp(c.x[j]);
    SK_CHECK(fabs(loss[0] - (log(s) - c.x[0])) < 1e-12, "xent hand row 0");
    SK_CHECK(loss[2] == 0 && loss[6] == 0 && dl[2 * V + 3] == 0, "ignored rows: zero loss and gradient");
    float *xf = kt_tof(c.x, rows * V), *lf = kt_zerof(rows), *dlf = kt_tof(c.x, rows * V);
    SK_CHECK(sk_xent_f32(lf, dlf, dlf, tgt, rows, V, -1, 0.25f) == 0, "xent f32 in place");
    for (int64_t i = 0; i < rows * V; i++) dl[i] *= 0.25;
    KT_REL("xent f32 loss", lf, loss, rows, 1e-5);
    KT_REL("xent f32 dlogits (aliasing logits, scale)", dlf, dl, rows * V, 1e-5);
    int32_t bad[1] = {13};
    SK_CHECK(sk_xent_f32(lf, NULL, xf, bad, 1, V, -1, 1) == SK_EINVAL, "target out of range refused");
    free(c.x), free(c.aux), free(dl), free(loss), free(xf), free(lf), free(dlf);
}

static void test_embed(void) {
    int64_t V = 11, d = 5, rows = 9;
    int32_t tok[9] = {3, 0, 10, 3, 3, 7, 1, 0, 9};
    double *W = kt_randd(V * d, -1, 1), *g = kt_randd(rows * d, -1, 1), *out = kt_zerod(rows * d), *dW = kt_zerod(V * d);
    sk_embed_fwd_f64(out, tok, W, rows, V, d);
    sk_embed_bwd_f64(dW, tok, g, rows, V, d);
    int ok = 1;
    for (int64_t r = 0; r < rows; r++)
        for (int64_t j = 0; j < d; j++) ok &= out[r * d + j] == W[tok[r] * d + j];
    SK_CHECK(ok, "embedding rows copied");
    double want = g[0 * d + 2] + g[3 * d + 2] + g[4 * d + 2]; /* token 3 appears at rows 0, 3, 4 */
    SK_CHECK(fabs(dW[3 * d + 2] - want) < 1e-15 && dW[2 * d] == 0, "embedding gradient sums repeats");
    float *Wf = kt_tof(W, V * d), *gf = kt_tof(g, rows * d), *of = kt_zerof(rows * d), *dWf = kt_zerof(V * d);
    sk_embed_fwd_f32(of, tok, Wf, rows, V, d);
    sk_embed_bwd_f32(dWf, tok, gf, rows, V, d);
    KT_REL("embed f32", of, out, rows * d, 1e-6);
    KT_REL("embed bwd f32", dWf, dW, V * d, 1e-5);
    int32_t bad[1] = {11};
    SK_CHECK(sk_embed_fwd_f32(of, bad, Wf, 1, V, d) == SK_EINVAL, "token outside vocabulary refused");
    free(W), free(g), free(out), free(dW), free(Wf), free(gf), free(of), free(dWf);
}

static void test_adamw(void) {
    /* two steps by the formula, computed here independently of adamw_ref.inc */
    double p = 0.5, g1 = 0.2, g2 = -0.4, lr = 0.01, b1 = 0.9, b2 = 0.95, eps = 1e-8, wd = 0.1;
    double m = 0, v = 0, pe = p;
    double gs[2] = {g1, g2};
    for (int t = 1; t <= 2; t++) {
        pe *= 1 - lr * wd;
        m = b1 * m + (1 - b1) * gs[t - 1];
        v = b2 * v + (1 - b2) * gs[t - 1] * gs[t - 1];
        pe -= lr * (m / (1 - pow(b1, t))) / (sqrt(v / (1 - pow(b2, t))) + eps);
    }
    double P[1] = {p}, M1[1] = {0}, V1[1] = {0};
    float Pf[1] = {(float)p}, Mf[1] = {0}, Vf[1] = {0};
    for (int t = 1; t <= 2; t++) {
        double G[1] = {gs[t - 1]};
        float Gf[1] = {(float)gs[t - 1]};
        sk_adamw_f64(P, G, M1, V1, 1, lr, b1, b2, eps, wd, t);
        sk_adamw_f32(Pf, Gf, Mf, Vf, 1, (float)lr, (float)b1, (float)b2, (float)eps, (float)wd, t);
    }
    SK_CHECK(fabs(P[0] - pe) < 1e-15, "adamw f64 two steps %.17g vs %.17g", P[0], pe);
    SK_CHECK(fabs(Pf[0] - pe) / fabs(pe) < 1e-6, "adamw f32 two steps %.9g vs %.9g", Pf[0], pe);
    SK_CHECK(sk_adamw_f32(Pf, Pf, Mf, Vf, 1, 0.1f, 0.9f, 0.9f, 1e-8f, 0, 0) == SK_EINVAL, "adamw step 0 refused");
}

static void test_gemm(void) {
    /* hand 2x2: [1 2; 3 4] [5 6; 7 8] = [19 22; 43 50] */
    double a[4] = {1, 2, 3, 4}, bm[4] = {5, 6, 7, 8}, c[4];
    sk_gemm_ref_f64(0, 0, 2, 2, 2, 1, a, 2, bm, 2, 0, c, 2);
    SK_CHECK(c[0] == 19 && c[1] == 22 && c[2] == 43 && c[3] == 50, "gemm hand");
    int64_t M = 37, N = 29, K = 301;
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            int64_t lda = (ta ? M : K) + 3, ldb = (tb ? K : N) + 2, ldc = N + 1;
            int64_t na = (ta ? K : M) * lda, nb = (tb ? N : K) * ldb, nc = M * ldc;
            double *A = kt_randd(na, -1, 1), *B = kt_randd(nb, -1, 1), *C = kt_randd(nc, -1, 1);
            kt_round(A, na), kt_round(B, nb), kt_round(C, nc);
            float *Af = kt_tof(A, na), *Bf = kt_tof(B, nb), *C1 = kt_tof(C, nc), *C2 = kt_tof(C, nc);
            sk_gemm_ref_f64(ta, tb, M, N, K, 0.75, A, lda, B, ldb, 0.5, C, ldc);
            SK_CHECK(sk_gemm_blocked_f32(ta, tb, M, N, K, 0.75f, Af, lda, Bf, ldb, 0.5f, C1, ldc) == 0, "blocked");
            SK_CHECK(sk_gemm_f32(ta, tb, M, N, K, 0.75f, Af, lda, Bf, ldb, 0.5f, C2, ldc) == 0, "library gemm");
            char nm[64];
            snprintf(nm, sizeof nm, "gemm blocked ta=%d tb=%d", ta, tb); KT_REL(nm, C1, C, nc, 1e-5);
            snprintf(nm, sizeof nm, "gemm library ta=%d tb=%d", ta, tb); KT_REL(nm, C2, C, nc, 1e-5);
            free(A), free(B), free(C), free(Af), free(Bf), free(C1), free(C2);
        }
    /* few rows of A B^T (sk_gemm_rows_f32, what sk_gemm_f32 uses for M <= SK_GEMM_ROWS_MAX): N not
     * a multiple of 4, K with and without a tail past 16-lane vectors, beta 0 and not */
    const int64_t Ks[] = {301, 64, 5};
    for (int64_t m = 1; m <= SK_GEMM_ROWS_MAX; m++)
        for (int kk = 0; kk < 3; kk++)
            for (int bz = 0; bz < 2; bz++) {
                const int64_t Kr = Ks[kk], lda = Kr + 3, ldb = Kr + 1, ldc = N + 2, na = m * lda, nb = N * ldb, nc = m * ldc;
                const double beta = bz ? 0 : -0.5;
                double *A = kt_randd(na, -1, 1), *B = kt_randd(nb, -1, 1), *C = kt_randd(nc, -1, 1);
                kt_round(A, na), kt_round(B, nb), kt_round(C, nc);
                float *Af = kt_tof(A, na), *Bf = kt_tof(B, nb), *C1 = kt_tof(C, nc), *C2 = kt_tof(C, nc);
                sk_gemm_ref_f64(0, 1, m, N, Kr, 1.25, A, lda, B, ldb, beta, C, ldc);
                SK_CHECK(sk_gemm_rows_f32(m, N, Kr, 1.25f, Af, lda, Bf, ldb, (float)beta, C1, ldc) == 0, "rows");
                SK_CHECK(sk_gemm_f32(0, 1, m, N, Kr, 1.25f, Af, lda, Bf, ldb, (float)beta, C2, ldc) == 0, "library rows");
                char nm[80];
                snprintf(nm, sizeof nm, "gemm rows M=%lld K=%lld beta=%g", (long long)m, (long long)Kr, beta);
                KT_REL(nm, C1, C, nc, 1e-5);
                SK_CHECK(!memcmp(C1, C2, (size_t)nc * sizeof(float)), "sk_gemm_f32 routes M=%lld to the rows kernel", (long long)m);
                free(A), free(B), free(C), free(Af), free(Bf), free(C1), free(C2);
            }
    SK_CHECK(sk_gemm_rows_f32(2, 3, 4, 1, NULL, 3, NULL, 4, 0, NULL, 3) == SK_EINVAL, "rows: lda < K refused");
}

int main(void) {
    sk_rng_seed(&kt_rng, 99, 0);
    test_conv_hand();
    test_conv(2, 1, 3, 4, SK_ACT_SILU, 1, 1, 0);  /* L = 1 < W-1: state shifts through */
    test_conv(2, 13, 5, 4, SK_ACT_SILU, 1, 1, 1); /* prime L, resets */
    test_conv(3, 7, 4, 3, SK_ACT_NONE, 0, 0, 1);
    test_conv(2, 2, 3, 5, SK_ACT_SILU, 1, 1, 1);  /* L < W-1 with resets */
    test_conv(2, 40, 37, 4, SK_ACT_SILU, 1, 1, 1); /* vector blocks of 16 + a tail (test_fused: longer) */
    test_conv(1, 9, 18, 9, SK_ACT_SILU, 1, 1, 1);   /* W above the vector kernels' limit: the reference */
    test_rmsnorm(6, 21);
    test_act(1);
    test_act(2);
    test_act(4);
    test_xent();
    test_embed();
    test_adamw();
    test_gemm();
    KT_REPORT("test_nnops");
    return sk_test_finish("test_nnops");
}
