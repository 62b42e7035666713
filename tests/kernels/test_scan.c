/* test_scan.c — selective scan, real and complex (SK_SCAN_COMPLEX), variable or constant B/C
 * (SK_SCAN_CONST_B/C), per-position or per-channel delta (delta = NULL): (1) the float64
 * reference backward against central finite differences (every input element, including h0,
 * A_imag and the final-state gradient, with resets);
 * (2) the optimized fp32 forward/backward (and the fp32 reference) against the float64 reference
 * (relative error <= 1e-5 per tensor); (3) chunked calls with state carry equal one call; (4) a
 * hand-computed 1-channel example. Shapes cover L = 1, prime L, N not a multiple of 8, batch >= 2,
 * several checkpoint chunks and D not a multiple of the vector block; L = 1 with real variable B/C
 * runs the step kernel (fwd_step_real). */
#include <complex.h>
#ifdef SSMKIT_HAVE_OPENMP
#include <omp.h>
#endif
#include "kernels/cpu/sk_cpu.h"
#include "tests/kernels/kt_util.h"

typedef struct scase {
    int64_t b, L, D, N, chunk, ldb, ldc, ldz;
    unsigned flags;
    int has_z, has_D, has_bias, has_reset, has_h0, has_dhT, no_delta;
    double *u, *delta, *bias, *A, *Ai, *B, *C, *Dv, *z, *h0, *wout, *whT;
    uint8_t *reset;
    sk_scan_f64 p; /* reference problem */
    double *out, *hT, *ckpt;
} scase;

static int64_t nck(const scase *s) {
    int64_t ch = s->chunk ? s->chunk : SK_SCAN_CHUNK_DEFAULT;
    return (s->L + ch - 1) / ch;
}

/* components per mode, sizes of B, C (a (b, L, ld) tensor or a constant (D, N*K) matrix), of
 * one state (b, D, N*K) and of the per-position delta (0 when delta = NULL) */
static int64_t kk(const scase *s) { return (s->flags & SK_SCAN_COMPLEX) ? 2 : 1; }
static int64_t nB(const scase *s) { return (s->flags & SK_SCAN_CONST_B) ? s->D * s->N * kk(s) : s->b * s->L * s->ldb; }
static int64_t nC(const scase *s) { return (s->flags & SK_SCAN_CONST_C) ? s->D * s->N * kk(s) : s->b * s->L * s->ldc; }
static int64_t nH(const scase *s) { return s->b * s->D * s->N * kk(s); }
static int64_t nDl(const scase *s) { return s->no_delta ? 0 : s->b * s->L * s->D; }

static void sc_init(scase *s) {
    int64_t b = s->b, L = s->L, D = s->D, N = s->N, K = kk(s);
    s->ldb = N * K + 3, s->ldc = N * K + 5, s->ldz = D + 2; /* strided slices, as in the model */
    s->u = kt_randd(b * L * D, -1, 1);
    s->delta = s->no_delta ? NULL : kt_randd(b * L * D, -3, 1);
    /* above the softplus threshold (a real decay then vanishes; a complex one would turn by up
     * to 150 rad, which fp32 cannot follow to 1e-5, so not without softplus's decay there) */
    if (s->delta && (K == 1 || (s->flags & SK_SCAN_SOFTPLUS))) s->delta[0] = 25;
    /* a per-channel step (S4D) without softplus must be positive, else the states explode */
    int pos_dt = s->no_delta && !(s->flags & SK_SCAN_SOFTPLUS);
    s->bias = s->has_bias ? kt_randd(D, pos_dt ? 0.05 : -1, 0.5) : NULL;
    s->A = (s->flags & SK_SCAN_A_NEG_EXP) ? kt_randd(D * N, -1, 1.5) : kt_randd(D * N, -2, -0.1);
    s->Ai = K == 2 ? kt_randd(D * N, -6, 6) : NULL; /* rotations of up to several turns per step */
    s->B = kt_randd(nB(s), -1, 1);
    s->C = kt_randd(nC(s), -1, 1);
    s->Dv = s->has_D ? kt_randd(D, -1, 1) : NULL;
    s->z = s->has_z ? kt_randd(b * L * s->ldz, -2, 2) : NULL;
    s->h0 = s->has_h0 ? kt_randd(nH(s), -1, 1) : NULL;
    s->wout = kt_randd(b * L * D, -1, 1);
    s->whT = s->has_dhT ? kt_randd(nH(s), -1, 1) : NULL;
    s->reset = calloc((size_t)(b * L + 1), 1);
    if (s->has_reset)
        for (int64_t i = 0; i < b * L; i++) s->reset[i] = sk_rng_uniform(&kt_rng) < 0.15;
    double *arrs[] = {s->u, s->delta, s->bias, s->A, s->Ai, s->B, s->C, s->Dv, s->z, s->h0, s->wout, s->whT};
    int64_t ns[] = {b * L * D, nDl(s), D, D * N, D * N, nB(s), nC(s), D, b * L * s->ldz, nH(s), b * L * D, nH(s)};
    for (int k = 0; k < 12; k++)
        if (arrs[k]) kt_round(arrs[k], ns[k]);
    s->out = kt_zerod(b * L * D), s->hT = kt_zerod(nH(s)), s->ckpt = kt_zerod(nck(s) * nH(s));
    sk_scan_f64 p = {.batch = b, .len = L, .dim = D, .dstate = N, .chunk = s->chunk, .flags = s->flags,
                     .u = s->u, .delta = s->delta, .delta_bias = s->bias, .A = s->A, .A_imag = s->Ai, .B = s->B,
                     .C = s->C, .ldb = s->ldb, .ldc = s->ldc, .D = s->Dv, .z = s->z, .ldz = s->ldz,
                     .reset = s->has_reset ? s->reset : NULL, .h0 = s->h0, .out = s->out, .hT = s->hT, .ckpt = s->ckpt};
    s->p = p;
}

static void sc_free(scase *s) {
    double *arrs[] = {s->u, s->delta, s->bias, s->A, s->Ai, s->B, s->C, s->Dv, s->z, s->h0, s->wout, s->whT, s->out, s->hT, s->ckpt};
    for (int k = 0; k < 15; k++) free(arrs[k]);
    free(s->reset);
}

/* loss = sum out * wout + sum hT * whT */
static double sc_loss(void *ctx) {
    scase *s = ctx;
    if (sk_scan_fwd_ref_f64(&s->p)) abort();
    double l = 0;
    for (int64_t i = 0; i < s->b * s->L * s->D; i++) l += s->out[i] * s->wout[i];
    if (s->whT)
        for (int64_t i = 0; i < nH(s); i++) l += s->hT[i] * s->whT[i];
    return l;
}

typedef struct grads {
    double *du, *ddelta, *dz, *dB, *dC, *dh0, *dA, *dAi, *dD, *dbias;
} grads;

static grads ref_grads(scase *s) {
    int64_t b = s->b, L = s->L, D = s->D, N = s->N;
    grads g = {kt_zerod(b * L * D), kt_zerod(b * L * D), kt_zerod(b * L * s->ldz), kt_zerod(nB(s)),
               kt_zerod(nC(s)), kt_zerod(nH(s)), kt_zerod(D * N), kt_zerod(D * N), kt_zerod(D), kt_zerod(D)};
    sk_scan_f64 p = s->p;
    sc_loss(s); /* fills ckpt (unused by the reference backward) */
    p.dout = s->wout, p.dhT = s->whT, p.du = g.du, p.ddelta = s->delta ? g.ddelta : NULL, p.dz = g.dz, p.dB = g.dB;
    p.dC = g.dC, p.dh0 = g.dh0, p.dA = g.dA, p.dA_imag = g.dAi, p.dD = g.dD, p.ddelta_bias = g.dbias;
    SK_CHECK(sk_scan_bwd_ref_f64(&p) == 0, "reference backward: %s", sk_errmsg());
    return g;
}
static void free_grads(grads *g) {
    free(g->du), free(g->ddelta), free(g->dz), free(g->dB), free(g->dC), free(g->dh0), free(g->dA), free(g->dAi);
    free(g->dD), free(g->dbias);
}

static void test_fd(scase *s, const char *tag) {
    grads g = ref_grads(s);
    char nm[128];
    int64_t b = s->b, L = s->L, D = s->D, N = s->N;
#define FD(field, arr, n)                                                                          \
    if (arr) {                                                                                     \
        snprintf(nm, sizeof nm, "%s: fd d%s", tag, field);                                         \
        KT_FD(nm, sc_loss, s, arr, n, g_arr, 1e-6);                                                \
    }
    double *g_arr;
    g_arr = g.du; FD("u", s->u, b * L * D);
    g_arr = g.ddelta; FD("delta", s->delta, b * L * D);
    g_arr = g.dbias; FD("delta_bias", s->bias, D);
    g_arr = g.dA; FD("A", s->A, D * N);
    g_arr = g.dAi; FD("A_imag", s->Ai, D * N);
    g_arr = g.dB; FD("B", s->B, nB(s));
    g_arr = g.dC; FD("C", s->C, nC(s));
    g_arr = g.dD; FD("D", s->Dv, D);
    g_arr = g.dz; FD("z", s->z, b * L * s->ldz);
    g_arr = g.dh0; FD("h0", s->h0, nH(s));
#undef FD
    free_grads(&g);
}

/* fp32 optimized (and fp32 reference) vs float64 reference, forward and backward */
/* Which optimized backward test_f32 runs (0: sk_scan_bwd_f32; v > 0: the kernel lab's version v),
 * and the FNV-1a hash of the bytes of its last backward's outputs (bitwise reproducibility). */
static int f32_version;
static uint64_t f32_hash;
static void hash_bytes(uint64_t *h, const float *x, int64_t n) {
    const unsigned char *c = (const unsigned char *)x;
    for (int64_t i = 0; x && i < n * (int64_t)sizeof(float); i++) *h = (*h ^ c[i]) * 1099511628211ull;
}

static void test_f32(scase *s, const char *tag, int use_ref) {
    int64_t b = s->b, L = s->L, D = s->D, N = s->N;
    grads g = ref_grads(s); /* also leaves the reference out/hT */
    float *u = kt_tof(s->u, b * L * D), *delta = kt_tof(s->delta, b * L * D), *bias = kt_tof(s->bias, D);
    float *A = kt_tof(s->A, D * N), *Ai = kt_tof(s->Ai, D * N), *B = kt_tof(s->B, nB(s)), *C = kt_tof(s->C, nC(s));
    float *Dv = kt_tof(s->Dv, D), *z = kt_tof(s->z, b * L * s->ldz), *h0 = kt_tof(s->h0, nH(s));
    float *wout = kt_tof(s->wout, b * L * D), *whT = kt_tof(s->whT, nH(s));
    float *out = kt_zerof(b * L * D), *hT = kt_zerof(nH(s)), *ckpt = kt_zerof(nck(s) * nH(s));
    sk_scan_f32 p = {.batch = b, .len = L, .dim = D, .dstate = N, .chunk = s->chunk, .flags = s->flags, .u = u,
                     .delta = delta, .delta_bias = bias, .A = A, .A_imag = Ai, .B = B, .C = C, .ldb = s->ldb,
                     .ldc = s->ldc, .D = Dv, .z = z, .ldz = s->ldz, .reset = s->p.reset, .h0 = h0, .out = out,
                     .hT = hT, .ckpt = ckpt};
    int rc = use_ref ? sk_scan_fwd_ref_f32(&p) : sk_scan_fwd_f32(&p);
    SK_CHECK(rc == 0, "%s: fwd: %s", tag, sk_errmsg());
    char nm[160];
    snprintf(nm, sizeof nm, "%s: out", tag); KT_REL(nm, out, s->out, b * L * D, 1e-5);
    snprintf(nm, sizeof nm, "%s: hT", tag); KT_REL(nm, hT, s->hT, nH(s), 1e-5);
    snprintf(nm, sizeof nm, "%s: ckpt", tag); KT_REL(nm, ckpt, s->ckpt, nck(s) * nH(s), 1e-5);
    float *du = kt_zerof(b * L * D), *dd = kt_zerof(b * L * D), *dz = kt_zerof(b * L * s->ldz);
    float *dB = kt_zerof(nB(s)), *dC = kt_zerof(nC(s)), *dh0 = kt_zerof(nH(s));
    float *dA = kt_zerof(D * N), *dAi = kt_zerof(D * N), *dD = kt_zerof(D), *dbias = kt_zerof(D);
    p.dout = wout, p.dhT = whT, p.du = du, p.ddelta = delta ? dd : NULL, p.dz = dz, p.dB = dB, p.dC = dC, p.dh0 = dh0;
    p.dA = dA, p.dA_imag = dAi, p.dD = dD, p.ddelta_bias = dbias;
    rc = use_ref ? sk_scan_bwd_ref_f32(&p) : f32_version ? sk_scan_bwd_version_f32(&p, f32_version) : sk_scan_bwd_f32(&p);
    SK_CHECK(rc == 0, "%s: bwd: %s", tag, sk_errmsg());
    f32_hash = 14695981039346656037ull;
    const float *outs[] = {du, delta ? dd : NULL, dz, dB, dC, dh0, dA, dAi, dD, dbias};
    const int64_t nouts[] = {b * L * D, b * L * D, b * L * s->ldz, nB(s), nC(s), nH(s), D * N, D * N, D, D};
    for (int k = 0; k < 10; k++) hash_bytes(&f32_hash, outs[k], nouts[k]);
#define CMP(nmx, got, ref, n)                                                                      \
    snprintf(nm, sizeof nm, "%s: %s", tag, nmx);                                                   \
    KT_REL(nm, got, ref, n, 1e-5)
    CMP("du", du, g.du, b * L * D);
    if (s->delta) { CMP("ddelta", dd, g.ddelta, b * L * D); }
    if (s->z) { CMP("dz", dz, g.dz, b * L * s->ldz); }
    CMP("dB", dB, g.dB, nB(s));
    CMP("dC", dC, g.dC, nC(s));
    CMP("dh0", dh0, g.dh0, nH(s));
    CMP("dA", dA, g.dA, D * N);
    if (s->Ai) { CMP("dA_imag", dAi, g.dAi, D * N); }
    if (s->Dv) { CMP("dD", dD, g.dD, D); }
    if (s->bias) { CMP("ddelta_bias", dbias, g.dbias, D); }
#undef CMP
    float *arrs[] = {u, delta, bias, A, Ai, B, C, Dv, z, h0, wout, whT, out, hT, ckpt, du, dd, dz, dB, dC, dh0, dA, dAi, dD, dbias};
    for (size_t k = 0; k < sizeof arrs / sizeof *arrs; k++) free(arrs[k]);
    free_grads(&g);
}

/* Forward over [0, L1) then [L1, L) with the state carried (fp32 optimized, h0 == hT aliasing)
 * equals one call (split = 1..L-1); so does the step, L calls with len = 1 (split = 0). */
static void test_carry(scase *s, const char *tag) {
    int64_t b = s->b, L = s->L, D = s->D, N = s->N;
    const int cB = (s->flags & SK_SCAN_CONST_B) != 0, cC = (s->flags & SK_SCAN_CONST_C) != 0;
    sc_loss(s); /* reference full-length out and hT */
    for (int split = 0; split < L; split += (split == 0 ? 1 : L > 8 ? L / 3 : 1)) {
        float *ut = kt_tof(s->u, b * L * D), *dt = kt_tof(s->delta, b * L * D), *Bt = kt_tof(s->B, nB(s));
        float *Ct = kt_tof(s->C, nC(s)), *zt = kt_tof(s->z, b * L * s->ldz), *A = kt_tof(s->A, D * N);
        float *Ai = kt_tof(s->Ai, D * N), *bias = kt_tof(s->bias, D), *Dv = kt_tof(s->Dv, D);
        float *h = s->h0 ? kt_tof(s->h0, nH(s)) : kt_zerof(nH(s)), *out = kt_zerof(b * L * D);
        /* pieces are rows [t0, t1) of every batch: copy them into contiguous (b, n, .) buffers */
        for (int64_t t0 = 0; t0 < L;) {
            int64_t n = split == 0 ? 1 : t0 == 0 ? split : L - split;
            float *u = kt_zerof(b * n * D), *d = kt_zerof(b * n * D), *B = kt_zerof(b * n * s->ldb);
            float *C = kt_zerof(b * n * s->ldc), *z = kt_zerof(b * n * s->ldz), *o = kt_zerof(b * n * D);
            uint8_t *rs = calloc((size_t)(b * n), 1);
            for (int64_t i = 0; i < b; i++)
                for (int64_t t = 0; t < n; t++) {
                    int64_t src = i * L + t0 + t, dst = i * n + t;
                    memcpy(u + dst * D, ut + src * D, (size_t)D * 4);
                    if (dt) memcpy(d + dst * D, dt + src * D, (size_t)D * 4);
                    if (!cB) memcpy(B + dst * s->ldb, Bt + src * s->ldb, (size_t)s->ldb * 4);
                    if (!cC) memcpy(C + dst * s->ldc, Ct + src * s->ldc, (size_t)s->ldc * 4);
                    if (zt) memcpy(z + dst * s->ldz, zt + src * s->ldz, (size_t)s->ldz * 4);
                    rs[dst] = s->p.reset ? s->p.reset[src] : 0;
                }
            sk_scan_f32 p = {.batch = b, .len = n, .dim = D, .dstate = N, .chunk = s->chunk, .flags = s->flags, .u = u,
                             .delta = dt ? d : NULL, .delta_bias = bias, .A = A, .A_imag = Ai, .B = cB ? Bt : B,
                             .C = cC ? Ct : C, .ldb = s->ldb, .ldc = s->ldc, .D = Dv, .z = zt ? z : NULL, .ldz = s->ldz,
                             .reset = rs, .h0 = h, .out = o, .hT = h};
            SK_CHECK(sk_scan_fwd_f32(&p) == 0, "carry fwd: %s", sk_errmsg());
            for (int64_t i = 0; i < b; i++) memcpy(out + (i * L + t0) * D, o + i * n * D, (size_t)(n * D) * 4);
            free(u), free(d), free(B), free(C), free(z), free(o), free(rs);
            t0 += n;
        }
        char nm[160];
        snprintf(nm, sizeof nm, "%s: %s %d out", tag, split ? "split" : "step", split);
        KT_REL(nm, out, s->out, b * L * D, 1e-5);
        snprintf(nm, sizeof nm, "%s: %s %d hT", tag, split ? "split" : "step", split);
        KT_REL(nm, h, s->hT, nH(s), 1e-5);
        free(ut), free(dt), free(Bt), free(Ct), free(zt), free(A), free(Ai), free(bias), free(Dv), free(h), free(out);
    }
}

/* One channel, N = 2, L = 2, no softplus, hand-computed:
 * h1 = d1 B1 u1; y1 = C1.h1; h2 = e^{d2 A} h1 + d2 B2 u2; y2 = C2.h2 + D u2 */
static void test_hand(void) {
    double u[2] = {1, 2}, dl[2] = {0.5, 0.25}, A[2] = {-1, -2}, B[4] = {1, 2, 3, 4}, C[4] = {1, 1, 0.5, -1}, Dv[1] = {3};
    double out[2], hT[2];
    sk_scan_f64 p = {.batch = 1, .len = 2, .dim = 1, .dstate = 2, .u = u, .delta = dl, .A = A, .B = B, .C = C,
                     .ldb = 2, .ldc = 2, .D = Dv, .out = out, .hT = hT};
    SK_CHECK(sk_scan_fwd_ref_f64(&p) == 0, "hand: %s", sk_errmsg());
    double h1[2] = {0.5 * 1 * 1, 0.5 * 2 * 1};
    double h2[2] = {exp(-0.25) * h1[0] + 0.25 * 3 * 2, exp(-0.5) * h1[1] + 0.25 * 4 * 2};
    SK_CHECK(fabs(out[0] - (h1[0] + h1[1] + 3 * 1)) < 1e-14, "hand y1 %g", out[0]);
    SK_CHECK(fabs(out[1] - (0.5 * h2[0] - h2[1] + 3 * 2)) < 1e-14, "hand y2 %g", out[1]);
    SK_CHECK(fabs(hT[0] - h2[0]) < 1e-14 && fabs(hT[1] - h2[1]) < 1e-14, "hand hT");
}

static void test_vmath(void) {
    double worst = 0, worst_sp = 0;
    for (int i = 0; i <= 200000; i++) {
        float x = -87.0f + 175.0f * i / 200000.0f;
        double e = exp((double)x), r = fabs(sk_vexpf_test(x) - e) / e;
        if (r > worst) worst = r;
        float y = -30.0f + 60.0f * i / 200000.0f;
        double sp = y > 20 ? y : log1p(exp((double)y)), rs = fabs(sk_vsoftplusf_test(y) - sp) / sp;
        if (rs > worst_sp) worst_sp = rs;
    }
    SK_CHECK(worst < 4e-7, "vexpf max relative error %.3g", worst);
    SK_CHECK(worst_sp < 4e-7, "vsoftplusf max relative error %.3g", worst_sp);
    /* sin/cos: absolute error over |x| <= 200 (dlt * A_imag of the complex scan) */
    double worst_sc = 0;
    for (int i = 0; i <= 400000; i++) {
        float x = -200.0f + 400.0f * i / 400000.0f, sn, cs;
        sk_vsincosf_test(x, &sn, &cs);
        double e = fmax(fabs(sn - sin((double)x)), fabs(cs - cos((double)x)));
        if (e > worst_sc) worst_sc = e;
    }
    SK_CHECK(worst_sc < 5e-7, "vsincosf max absolute error %.3g", worst_sc);
}

/* One channel, one complex mode, L = 2, hand-computed with C99 complex arithmetic:
 * h1 = d1 B1 u1; y1 = 2 Re(C1 h1); h2 = e^{d2 A} h1 + d2 B2 u2; y2 = 2 Re(C2 h2) */
static void test_hand_complex(void) {
    double u[2] = {1, -2}, dl[2] = {0.5, 0.25}, Ar[1] = {-0.5}, Ai[1] = {3.0};
    double B[4] = {1, 2, -1, 0.5}, C[4] = {0.5, -1, 2, 1}, out[2], hT[2];
    sk_scan_f64 p = {.batch = 1, .len = 2, .dim = 1, .dstate = 1, .flags = SK_SCAN_COMPLEX, .u = u, .delta = dl,
                     .A = Ar, .A_imag = Ai, .B = B, .C = C, .ldb = 2, .ldc = 2, .out = out, .hT = hT};
    SK_CHECK(sk_scan_fwd_ref_f64(&p) == 0, "hand complex: %s", sk_errmsg());
    double _Complex A = -0.5 + 3.0 * I, h1 = 0.5 * (1 + 2 * I) * 1, h2 = cexp(0.25 * A) * h1 + 0.25 * (-1 + 0.5 * I) * -2;
    double y1 = 2 * creal((0.5 - 1 * I) * h1), y2 = 2 * creal((2 + 1 * I) * h2);
    SK_CHECK(fabs(out[0] - y1) < 1e-14 && fabs(out[1] - y2) < 1e-14, "hand complex y %g %g vs %g %g", out[0], out[1], y1, y2);
    SK_CHECK(fabs(hT[0] - creal(h2)) < 1e-14 && fabs(hT[1] - cimag(h2)) < 1e-14, "hand complex hT");
}

/* Every numbered version of the optimized backward (sk_scan_bwd_version_f32, the kernel lab's
 * scan_bwd v1, v2, ...) against the float64 reference: the real mode with variable B/C (the only
 * one the older versions keep), resets, several chunks, D past whole blocks (several groups over
 * two threads), N past one vector. The default (newest) version gives the same bits on every call
 * for a given thread count; the older versions refuse the other modes. */
static void test_versions(void) {
    scase s = {.b = 2, .L = 300, .D = 72, .N = 18, .flags = SK_SCAN_SOFTPLUS | SK_SCAN_A_NEG_EXP, .has_z = 1,
               .has_D = 1, .has_bias = 1, .has_reset = 1, .has_h0 = 1, .has_dhT = 1};
    sc_init(&s);
    char tag[96];
    for (int v = 1; v <= SK_SCAN_BWD_VERSIONS; v++) {
        f32_version = v;
        snprintf(tag, sizeof tag, "backward v%d (b=2 L=300 D=72 N=18, resets)", v);
        test_f32(&s, tag, 0);
    }
    f32_version = 0;
#ifdef SSMKIT_HAVE_OPENMP
    const int saved = omp_get_max_threads();
    for (int th = 1; th <= 2; th++) {
        omp_set_num_threads(th);
#else
    for (int th = 1; th <= 1; th++) {
#endif
        snprintf(tag, sizeof tag, "backward, %d thread(s), twice", th);
        test_f32(&s, tag, 0);
        const uint64_t first = f32_hash;
        test_f32(&s, tag, 0);
        SK_CHECK(f32_hash == first, "%s: the second call's outputs differ in their bits", tag);
    }
#ifdef SSMKIT_HAVE_OPENMP
    omp_set_num_threads(saved);
#endif
    sc_free(&s);
    float x[64] = {0};
    sk_scan_f32 q = {.batch = 1, .len = 1, .dim = 1, .dstate = 1, .flags = SK_SCAN_CONST_B, .u = x, .delta = x, .A = x,
                     .B = x, .C = x, .ldb = 1, .ldc = 1, .out = x, .dout = x, .du = x, .ddelta = x, .dB = x, .dC = x, .dA = x};
    SK_CHECK(sk_scan_bwd_version_f32(&q, 1) == SK_EUNSUP && strstr(sk_errmsg(), "variable B and C"), "v1, constant B: %s",
             sk_errmsg());
    SK_CHECK(sk_scan_bwd_version_f32(&q, SK_SCAN_BWD_VERSIONS + 1) == SK_EINVAL, "no such version: %s", sk_errmsg());
}

int main(void) {
    sk_rng_seed(&kt_rng, 1234, 0);
    test_hand();
    test_hand_complex();
    test_vmath();
    test_versions();
    struct {
        int64_t b, L, D, N, chunk;
        unsigned flags;
        int z, Dp, bias, reset, h0, dhT, nodelta;
    } cfg[] = {
        {2, 1, 3, 5, 0, SK_SCAN_SOFTPLUS, 1, 1, 1, 0, 1, 1, 0},                       /* L = 1 */
        {2, 13, 11, 6, 4, SK_SCAN_SOFTPLUS | SK_SCAN_A_NEG_EXP, 1, 1, 1, 1, 1, 1, 0}, /* prime L, chunks, resets */
        {3, 7, 9, 3, 0, 0, 0, 0, 0, 1, 0, 0, 0},                                      /* bare: no z/D/bias/softplus */
        {2, 17, 5, 16, 5, SK_SCAN_SOFTPLUS, 1, 1, 1, 0, 0, 1, 0},                     /* N = 16, no h0 */
        /* complex (S6 complex: variable B/C as (re, im) pairs) */
        {2, 1, 3, 5, 0, SK_SCAN_COMPLEX | SK_SCAN_SOFTPLUS | SK_SCAN_A_NEG_EXP, 1, 1, 1, 0, 1, 1, 0},
        {2, 13, 11, 6, 4, SK_SCAN_COMPLEX | SK_SCAN_SOFTPLUS | SK_SCAN_A_NEG_EXP, 1, 1, 1, 1, 1, 1, 0},
        {3, 7, 9, 3, 0, SK_SCAN_COMPLEX, 0, 0, 0, 1, 0, 0, 0},
        /* constant B and/or C, real and complex; per-channel delta (S4D) */
        {2, 11, 10, 7, 3, SK_SCAN_CONST_B | SK_SCAN_CONST_C | SK_SCAN_A_NEG_EXP, 0, 1, 1, 1, 1, 1, 1},
        {2, 11, 10, 7, 3, SK_SCAN_COMPLEX | SK_SCAN_CONST_B | SK_SCAN_CONST_C | SK_SCAN_A_NEG_EXP, 1, 1, 1, 1, 1, 1, 1},
        {2, 5, 9, 4, 2, SK_SCAN_COMPLEX | SK_SCAN_CONST_B | SK_SCAN_SOFTPLUS, 1, 0, 1, 0, 1, 1, 0},
        {3, 5, 9, 4, 0, SK_SCAN_CONST_C | SK_SCAN_SOFTPLUS, 1, 1, 1, 1, 0, 1, 0},
        {2, 1, 4, 3, 0, SK_SCAN_COMPLEX | SK_SCAN_CONST_C | SK_SCAN_A_NEG_EXP, 1, 1, 1, 0, 1, 1, 1},
        /* L = 1, real, variable B/C: the step kernel (fwd_step_real) with N past one vector (18 = 16 + 2),
         * D not a multiple of 16, resets; then without delta (per-channel step) */
        {3, 1, 20, 18, 0, SK_SCAN_SOFTPLUS | SK_SCAN_A_NEG_EXP, 1, 1, 1, 1, 1, 1, 0},
        {2, 1, 17, 7, 0, SK_SCAN_SOFTPLUS | SK_SCAN_A_NEG_EXP, 0, 1, 1, 0, 1, 0, 1},
    };
    for (size_t k = 0; k < sizeof cfg / sizeof *cfg; k++) {
        scase s = {.b = cfg[k].b, .L = cfg[k].L, .D = cfg[k].D, .N = cfg[k].N, .chunk = cfg[k].chunk, .flags = cfg[k].flags,
                   .has_z = cfg[k].z, .has_D = cfg[k].Dp, .has_bias = cfg[k].bias, .has_reset = cfg[k].reset,
                   .has_h0 = cfg[k].h0, .has_dhT = cfg[k].dhT, .no_delta = cfg[k].nodelta};
        sc_init(&s);
        char tag[96];
        snprintf(tag, sizeof tag, "case %zu (b=%lld L=%lld D=%lld N=%lld flags=0x%x%s)", k, (long long)s.b,
                 (long long)s.L, (long long)s.D, (long long)s.N, s.flags, s.no_delta ? " delta=NULL" : "");
        test_fd(&s, tag);
        char t2[128];
        snprintf(t2, sizeof t2, "%s fp32 opt", tag), test_f32(&s, t2, 0);
        snprintf(t2, sizeof t2, "%s fp32 ref", tag), test_f32(&s, t2, 1);
        test_carry(&s, tag);
        sc_free(&s);
    }
    /* a longer multi-chunk case for fp32 vs f64 only (L = 521 prime, default chunk 128) */
    {
        scase s = {.b = 2, .L = 521, .D = 19, .N = 7, .flags = SK_SCAN_SOFTPLUS | SK_SCAN_A_NEG_EXP, .has_z = 1,
                   .has_D = 1, .has_bias = 1, .has_reset = 1, .has_h0 = 1, .has_dhT = 1};
        sc_init(&s);
        test_f32(&s, "long (b=2 L=521 D=19 N=7) fp32 opt", 0);
        sc_free(&s);
    }
    /* the same, complex with constant B/C and per-channel delta */
    {
        scase s = {.b = 2, .L = 521, .D = 19, .N = 7, .flags = SK_SCAN_COMPLEX | SK_SCAN_CONST_B | SK_SCAN_CONST_C | SK_SCAN_A_NEG_EXP,
                   .has_z = 1, .has_D = 1, .has_bias = 1, .has_reset = 1, .has_h0 = 1, .has_dhT = 1, .no_delta = 1};
        sc_init(&s);
        test_f32(&s, "long complex const B/C (b=2 L=521 D=19 N=7) fp32 opt", 0);
        sc_free(&s);
    }
    /* unknown flags, and complex without A_imag, are refused with a message */
    {
        sk_scan_f32 p = {.batch = 1, .len = 1, .dim = 1, .dstate = 1, .flags = 1u << 9};
        SK_CHECK(sk_scan_fwd_f32(&p) == SK_EUNSUP && strstr(sk_errmsg(), "unknown flags"), "refused: %s", sk_errmsg());
        float x[4] = {0};
        sk_scan_f32 q = {.batch = 1, .len = 1, .dim = 1, .dstate = 1, .flags = SK_SCAN_COMPLEX, .u = x, .delta = x,
                         .A = x, .B = x, .C = x, .ldb = 2, .ldc = 2, .out = x};
        SK_CHECK(sk_scan_fwd_f32(&q) == SK_EINVAL && strstr(sk_errmsg(), "A_imag"), "no A_imag: %s", sk_errmsg());
    }
    KT_REPORT("test_scan");
    return sk_test_finish("test_scan");
}
