/* test_gpu_ops.c (label gpu) — every op of the CUDA backend against the float64 reference
 * (the kernels/cpu *_ref.inc files) and the CPU backend on the same inputs, then the whole Mamba LM on both
 * backends: logits, loss, every parameter gradient, an AdamW step and the recurrent step.
 *
 * Gate: fp32 relative error max|got - ref| / max|ref| <= 1e-4 for every output tensor (the
 * figure is printed for each). Shapes are chosen to catch indexing mistakes: prime lengths, d_state
 * not a multiple of 8 (and above 512: the multi-pass path), chunks that do not divide L, resets,
 * B/C/z as strided column slices of wider buffers (the untouched columns are checked too), state in
 * and out (aliased as in a recurrent step). Written outputs are poisoned with NaN beforehand;
 * accumulated (+=) outputs start from random values.
 *
 * Without a usable CUDA device: prints "skipped: no usable CUDA device" and exits 77.
 * With --self-test the CPU backend plays the device (label unit): that checks the test itself.
 * --only GROUP runs one group of checks (scan, conv, gemm, rmsnorm, act, embed, xent, adamw, glu,
 * s4d, model). In the emulator build the sizes are the same: the CPU emulator of tests/cuda_emu
 * runs them in about 16 s of CPU time, under several thread orders (SSMKIT_EMU_ORDERS). */
#include <math.h>
#include "kernels/cpu/sk_cpu.h"
#include "kernels/sk_backend.h"
#include "models/sk_mamba.h"
#include "tests/kernels/kt_util.h"

#define TOL 1e-4
static const sk_backend *G, *CPU;

/* ---- a tensor held three ways: float64 (reference), float (CPU backend), device (CUDA) ---- */
typedef struct T {
    int64_t n;
    double *h;  /* reference copy */
    float *f;   /* CPU backend copy */
    float *d;   /* device copy */
    float *g;   /* device result, downloaded */
} T;

static T t_vals(int64_t n, const double *vals) {
    T t = {.n = n, .h = kt_zerod(n), .f = kt_zerof(n), .g = kt_zerof(n)};
    for (int64_t i = 0; i < n; i++) t.h[i] = (float)vals[i], t.f[i] = (float)vals[i];
    if (G->alloc((void **)&t.d, (size_t)n * sizeof(float)) || G->upload(t.d, t.f, (size_t)n * sizeof(float))) {
        fprintf(stderr, "device alloc/upload: %s\n", sk_errmsg());
        exit(1);
    }
    return t;
}
static T t_rand(int64_t n, double lo, double hi) {
    double *v = kt_randd(n, lo, hi);
    T t = t_vals(n, v);
    free(v);
    return t;
}
static T t_fill(int64_t n, double x) {
    double *v = kt_zerod(n);
    for (int64_t i = 0; i < n; i++) v[i] = x;
    T t = t_vals(n, v);
    free(v);
    return t;
}
static T t_nan(int64_t n) { return t_fill(n, NAN); } /* a written output: every element must be written */
static void t_get(T *t) {
    if (G->download(t->g, t->d, (size_t)t->n * sizeof(float))) {
        fprintf(stderr, "download: %s\n", sk_errmsg());
        exit(1);
    }
}
static void t_free(T *t) {
    free(t->h), free(t->f), free(t->g);
    G->free(t->d);
    memset(t, 0, sizeof *t);
}

static double worst = 0;
/* GPU and CPU-backend results of t against the float64 reference */
static void t_check(const char *what, T *t) {
    t_get(t);
    double eg = sk_relerr_f(t->g, t->h, t->n), ec = sk_relerr_f(t->f, t->h, t->n);
    if (eg > worst || eg != eg) worst = eg;
    printf("  %-34s %s %.2e   cpu %.2e\n", what, G->name, eg, ec);
    SK_CHECK(eg <= TOL, "%s: cuda relative error %.3g > %.0e", what, eg, TOL);
    SK_CHECK(ec <= TOL, "%s: cpu relative error %.3g > %.0e", what, ec, TOL);
}
#define RUN(call, what)                                                                            \
    SK_CHECK((call) == 0, "%s: %s", (what), sk_errmsg())

static uint8_t *resets(int64_t n, double prob, uint8_t **dev) {
    uint8_t *r = calloc((size_t)n, 1);
    for (int64_t i = 0; i < n; i++) r[i] = sk_rng_uniform(&kt_rng) < prob;
    if (G->alloc((void **)dev, (size_t)n) || G->upload(*dev, r, (size_t)n)) exit(1);
    return r;
}

/* ================================ selective scan ============================================ */
typedef struct scase {
    int64_t b, L, D, N, chunk;
    unsigned flags; /* SK_SCAN_*: softplus, A_NEG_EXP, COMPLEX, CONST_B, CONST_C */
    int z, Dskip, bias, h0, reset, dhT, alias; /* alias: hT written over h0 (recurrent step) */
    int nodelta;                               /* delta = NULL: per-channel step delta_bias (S4D) */
} scase;

static void test_scan(scase s) {
    const int KC = s.flags & SK_SCAN_COMPLEX ? 2 : 1, cB = (s.flags & SK_SCAN_CONST_B) != 0, cC = (s.flags & SK_SCAN_CONST_C) != 0;
    const int64_t b = s.b, L = s.L, Dm = s.D, N = s.N, NK = N * KC, ld = 2 * NK + 3, ldz = Dm + 5, rows = b * L;
    if (s.nodelta) s.bias = 1;
    printf("scan b=%lld L=%lld D=%lld N=%lld chunk=%lld flags=%u%s%s%s%s%s%s\n", (long long)b, (long long)L,
           (long long)Dm, (long long)N, (long long)s.chunk, s.flags, s.z ? " z" : "", s.Dskip ? " D" : "",
           s.reset ? " resets" : "", s.h0 ? " h0" : "", s.alias ? " hT=h0" : "", s.nodelta ? " delta=NULL" : "");
    const int sp = s.flags & SK_SCAN_SOFTPLUS, ne = s.flags & SK_SCAN_A_NEG_EXP;
    T u = t_rand(rows * Dm, -1, 1), dl = sp ? t_rand(rows * Dm, -4, 1) : t_rand(rows * Dm, 0.005, 0.3);
    T db = sp ? t_rand(Dm, -0.5, 0.5) : t_rand(Dm, 0.001, 0.1), A = ne ? t_rand(Dm * N, -1, 1.5) : t_rand(Dm * N, -2, -0.05);
    T Ai = t_rand(Dm * N, -4, 4), BC = t_rand(rows * ld, -1, 1), Bc = t_rand(Dm * NK, -1, 1), Cc = t_rand(Dm * NK, -1, 1);
    T Dv = t_rand(Dm, -1, 1), zb = t_rand(rows * ldz, -2, 2);
    T h0 = t_rand(b * Dm * NK, -1, 1), dout = t_rand(rows * Dm, -1, 1), dhT = t_rand(b * Dm * NK, -1, 1);
    T out = t_nan(rows * Dm), hT = t_nan(b * Dm * NK);
    const int64_t chunk = s.chunk ? s.chunk : SK_SCAN_CHUNK_DEFAULT, nch = (L + chunk - 1) / chunk;
    T ck = t_nan(b * nch * Dm * NK);
    uint8_t *rd = NULL, *rh = s.reset ? resets(rows, 0.04, &rd) : NULL;
    /* the reference and the CPU backend get hT in its own buffer when the GPU aliases it */
#define SCAN_FWD(P, X, HT)                                                                         \
    P.batch = b, P.len = L, P.dim = Dm, P.dstate = N, P.chunk = s.chunk, P.flags = s.flags;       \
    P.u = X(u), P.delta = s.nodelta ? NULL : X(dl), P.delta_bias = s.bias ? X(db) : NULL, P.A = X(A); \
    P.A_imag = KC == 2 ? X(Ai) : NULL, P.B = cB ? X(Bc) : X(BC) + 1, P.C = cC ? X(Cc) : X(BC) + 1 + NK; \
    P.ldb = ld, P.ldc = ld, P.D = s.Dskip ? X(Dv) : NULL;                                          \
    P.z = s.z ? X(zb) + 2 : NULL, P.ldz = ldz, P.h0 = s.h0 ? X(h0) : NULL, P.out = X(out);        \
    P.hT = HT, P.ckpt = X(ck)
#define XH(t) (t).h
#define XF(t) (t).f
#define XD(t) (t).d
    sk_scan_f64 pr = {0};
    sk_scan_f32 pc = {0}, pg = {0};
    SCAN_FWD(pr, XH, hT.h);
    SCAN_FWD(pc, XF, hT.f);
    SCAN_FWD(pg, XD, s.alias ? h0.d : hT.d);
    pr.reset = rh, pc.reset = rh, pg.reset = rd;
    RUN(sk_scan_fwd_ref_f64(&pr), "scan fwd ref");
    RUN(CPU->scan_fwd(&pc), "scan fwd cpu");
    RUN(G->scan_fwd(&pg), "scan fwd cuda");
    t_check("out", &out);
    t_check("ckpt", &ck);
    if (s.alias) { /* the device result is in h0: compare through hT's buffers */
        SK_CHECK(G->download(hT.g, h0.d, (size_t)hT.n * sizeof(float)) == 0, "download");
        SK_CHECK(G->upload(hT.d, hT.g, (size_t)hT.n * sizeof(float)) == 0, "upload");
    }
    t_check("hT", &hT);
    if (!s.alias) {
        /* backward from the forward's checkpoints; per-position dB/dC and dz live in wider
         * buffers whose other columns must stay as they were (0.25); constant dB/dC accumulate */
        T du = t_nan(rows * Dm), ddl = t_nan(rows * Dm), dBC = t_fill(rows * ld, 0.25), dzb = t_fill(rows * ldz, 0.25);
        T dBc = t_rand(Dm * NK, -1, 1), dCc = t_rand(Dm * NK, -1, 1), dAi = t_rand(Dm * N, -1, 1);
        T dh0 = t_nan(b * Dm * NK), dA = t_rand(Dm * N, -1, 1), dD = t_rand(Dm, -1, 1), ddb = t_rand(Dm, -1, 1);
#define SCAN_BWD(P, X)                                                                             \
    P.dout = X(dout), P.dhT = s.dhT ? X(dhT) : NULL, P.du = X(du), P.ddelta = s.nodelta ? NULL : X(ddl); \
    P.dz = s.z ? X(dzb) + 2 : NULL, P.dB = cB ? X(dBc) : X(dBC) + 1, P.dC = cC ? X(dCc) : X(dBC) + 1 + NK; \
    P.dh0 = s.h0 ? X(dh0) : NULL, P.dA = X(dA), P.dA_imag = KC == 2 ? X(dAi) : NULL, P.dD = X(dD);    \
    P.ddelta_bias = X(ddb)
        SCAN_BWD(pr, XH);
        SCAN_BWD(pc, XF);
        SCAN_BWD(pg, XD);
        RUN(sk_scan_bwd_ref_f64(&pr), "scan bwd ref");
        RUN(CPU->scan_bwd(&pc), "scan bwd cpu");
        /* the model's scratch size, as sk_mamba_lm_create allocates it */
        int64_t wl = G->scan_work_len(&pg);
        float *work = NULL;
        SK_CHECK(wl > 0 && G->alloc((void **)&work, (size_t)wl * sizeof(float)) == 0, "scan work %lld", (long long)wl);
        pg.work = work, pg.work_len = wl;
        RUN(G->scan_bwd(&pg), "scan bwd cuda");
        t_check("du", &du);
        if (!s.nodelta) t_check("ddelta", &ddl);
        t_check("dB, dC (and untouched columns)", &dBC);
        if (cB) t_check("constant dB (+=)", &dBc);
        if (cC) t_check("constant dC (+=)", &dCc);
        t_check("dz (and untouched columns)", &dzb);
        if (s.h0) t_check("dh0", &dh0);
        t_check("dA (+=)", &dA);
        if (KC == 2) t_check("dA_imag (+=)", &dAi);
        t_check("dD (+=)", &dD);
        t_check("ddelta_bias (+=)", &ddb);
        /* no scratch given: the backend allocates its own for the call; du (a fixed-order sum)
         * comes out bit for bit the same */
        pg.work = NULL, pg.work_len = 0;
        float *du2 = kt_zerof(du.n);
        RUN(G->scan_bwd(&pg), "scan bwd cuda, no scratch");
        SK_CHECK(G->download(du2, du.d, (size_t)du.n * sizeof(float)) == 0, "download");
        SK_CHECK(!memcmp(du2, du.g, (size_t)du.n * sizeof(float)), "du with per-call scratch differs");
        free(du2);
        G->free(work);
        T *all[] = {&du, &ddl, &dBC, &dzb, &dBc, &dCc, &dAi, &dh0, &dA, &dD, &ddb};
        for (size_t k = 0; k < sizeof all / sizeof *all; k++) t_free(all[k]);
    }
    T *all[] = {&u, &dl, &db, &A, &Ai, &BC, &Bc, &Cc, &Dv, &zb, &h0, &dout, &dhT, &out, &hT, &ck};
    for (size_t k = 0; k < sizeof all / sizeof *all; k++) t_free(all[k]);
    free(rh);
    G->free(rd);
}

/* ================================ conv1d ==================================================== */
static void test_conv(int64_t b, int64_t L, int64_t Dm, int64_t W, int act, int bias, int state, int reset, int alias) {
    printf("conv1d b=%lld L=%lld D=%lld W=%lld act=%d%s%s%s%s\n", (long long)b, (long long)L, (long long)Dm, (long long)W,
           act, bias ? " bias" : "", state ? " state" : "", reset ? " resets" : "", alias ? " state_out=state_in" : "");
    const int64_t ldx = 2 * Dm + 1, rows = b * L, ns = b * (W - 1) * Dm;
    T x = t_rand(rows * ldx, -2, 2), w = t_rand(Dm * W, -1, 1), bs = t_rand(Dm, -1, 1), sin = t_rand(ns, -2, 2);
    T out = t_nan(rows * Dm), sout = t_nan(ns), dout = t_rand(rows * Dm, -1, 1), dsout = t_rand(ns, -1, 1);
    T dx = t_fill(rows * ldx, 0.25), dw = t_rand(Dm * W, -1, 1), dbs = t_rand(Dm, -1, 1), dsin = t_nan(ns);
    uint8_t *rd = NULL, *rh = reset ? resets(rows, 0.15, &rd) : NULL;
#define CONV(P, X, SOUT)                                                                           \
    P.batch = b, P.len = L, P.dim = Dm, P.width = W, P.act = act, P.x = X(x), P.ldx = ldx, P.w = X(w); \
    P.bias = bias ? X(bs) : NULL, P.state_in = state ? X(sin) : NULL, P.out = X(out), P.state_out = SOUT; \
    P.dout = X(dout), P.dstate_out = state ? X(dsout) : NULL, P.dx = X(dx), P.dw = X(dw);          \
    P.dbias = bias ? X(dbs) : NULL, P.dstate_in = state ? X(dsin) : NULL
    sk_conv1d_f64 pr = {0};
    sk_conv1d_f32 pc = {0}, pg = {0};
    CONV(pr, XH, sout.h);
    CONV(pc, XF, sout.f);
    CONV(pg, XD, alias && state ? sin.d : sout.d);
    pr.reset = rh, pc.reset = rh, pg.reset = rd;
    /* backward first (it reads state_in, which the aliased forward overwrites) */
    RUN(sk_conv1d_bwd_ref_f64(&pr), "conv bwd ref");
    RUN(CPU->conv1d_bwd(&pc), "conv bwd cpu");
    RUN(G->conv1d_bwd(&pg), "conv bwd cuda");
    t_check("dx (and untouched columns)", &dx);
    t_check("dw (+=)", &dw);
    if (bias) t_check("dbias (+=)", &dbs);
    if (state) t_check("dstate_in", &dsin);
    RUN(sk_conv1d_fwd_ref_f64(&pr), "conv fwd ref");
    RUN(CPU->conv1d_fwd(&pc), "conv fwd cpu");
    RUN(G->conv1d_fwd(&pg), "conv fwd cuda");
    t_check("out", &out);
    if (state && alias) {
        SK_CHECK(G->download(sout.g, sin.d, (size_t)ns * sizeof(float)) == 0, "download");
        SK_CHECK(G->upload(sout.d, sout.g, (size_t)ns * sizeof(float)) == 0, "upload");
    }
    if (state) t_check("state_out", &sout);
    T *all[] = {&x, &w, &bs, &sin, &out, &sout, &dout, &dsout, &dx, &dw, &dbs, &dsin};
    for (size_t k = 0; k < sizeof all / sizeof *all; k++) t_free(all[k]);
    free(rh);
    G->free(rd);
}

/* ================================ the other ops ============================================== */
static void test_gemm(void) {
    const int64_t M = 37, N = 53, K = 29;
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++)
            for (int bz = 0; bz < 2; bz++) {
                const int64_t lda = (ta ? M : K) + 3, ldb = (tb ? K : N) + 5, ldc = N + 2;
                const float alpha = 0.75f, beta = bz ? 0.0f : -0.5f;
                T A = t_rand((ta ? K : M) * lda, -1, 1), B = t_rand((tb ? N : K) * ldb, -1, 1);
                T C = t_rand(M * ldc, -1, 1);
                if (bz) { /* beta = 0 must not read C: the (M, N) block is NaN on the CPU and the device */
                    for (int64_t i = 0; i < M; i++)
                        for (int64_t j = 0; j < N; j++) C.f[i * ldc + j] = NAN;
                    SK_CHECK(G->upload(C.d, C.f, (size_t)C.n * sizeof(float)) == 0, "upload");
                }
                RUN(sk_gemm_ref_f64(ta, tb, M, N, K, alpha, A.h, lda, B.h, ldb, beta, C.h, ldc), "gemm ref");
                RUN(CPU->gemm(ta, tb, M, N, K, alpha, A.f, lda, B.f, ldb, beta, C.f, ldc), "gemm cpu");
                RUN(G->gemm(ta, tb, M, N, K, alpha, A.d, lda, B.d, ldb, beta, C.d, ldc), "gemm cuda");
                char name[64];
                snprintf(name, sizeof name, "gemm %c%c beta=%g", ta ? 'T' : 'N', tb ? 'T' : 'N', beta);
                t_check(name, &C);
                t_free(&A), t_free(&B), t_free(&C);
            }
}

static void test_rmsnorm(void) {
    const int64_t rows = 67, d = 133;
    T x = t_rand(rows * d, -2, 2), w = t_rand(d, 0.5, 1.5), out = t_nan(rows * d), rs = t_nan(rows);
    T dout = t_rand(rows * d, -1, 1), dx = t_rand(rows * d, -1, 1), dw = t_rand(d, -1, 1);
    RUN(sk_rmsnorm_fwd_f64(out.h, rs.h, x.h, w.h, rows, d, 1e-5), "ref");
    RUN(CPU->rmsnorm_fwd(out.f, rs.f, x.f, w.f, rows, d, 1e-5f), "cpu");
    RUN(G->rmsnorm_fwd(out.d, rs.d, x.d, w.d, rows, d, 1e-5f), "cuda");
    t_check("rmsnorm out", &out);
    t_check("rmsnorm rstd", &rs);
    /* the backward reads rstd from each side's own forward */
    RUN(sk_rmsnorm_bwd_f64(dx.h, dw.h, dout.h, x.h, w.h, rs.h, rows, d), "ref");
    RUN(CPU->rmsnorm_bwd(dx.f, dw.f, dout.f, x.f, w.f, rs.f, rows, d), "cpu");
    RUN(G->rmsnorm_bwd(dx.d, dw.d, dout.d, x.d, w.d, rs.d, rows, d), "cuda");
    t_check("rmsnorm dx (+=)", &dx);
    t_check("rmsnorm dw (+=)", &dw);
    /* the residual add fused in front: res_out = x + dout (out of place), then its norm */
    T so = t_nan(rows * d);
    RUN(sk_add_rmsnorm_fwd_f64(so.h, out.h, rs.h, x.h, dout.h, w.h, rows, d, 1e-5), "ref");
    RUN(CPU->add_rmsnorm_fwd(so.f, out.f, rs.f, x.f, dout.f, w.f, rows, d, 1e-5f), "cpu");
    RUN(G->add_rmsnorm_fwd(so.d, out.d, rs.d, x.d, dout.d, w.d, rows, d, 1e-5f), "cuda");
    t_check("add_rmsnorm res_out", &so);
    t_check("add_rmsnorm out", &out);
    t_check("add_rmsnorm rstd", &rs);
    T *all[] = {&x, &w, &out, &rs, &dout, &dx, &dw, &so};
    for (size_t k = 0; k < sizeof all / sizeof *all; k++) t_free(all[k]);
}

static void test_act(void) {
    const int64_t n = 10007;
    static const char *const names[] = {"", "silu", "softplus", "gelu"}, *const bnames[] = {"", "silu backward", "softplus backward", "gelu backward"};
    for (int kind = SK_ACT_SILU; kind <= SK_ACT_GELU; kind++) {
        T x = t_rand(n, -30, 30), out = t_nan(n), dout = t_rand(n, -1, 1), dx = t_nan(n);
        RUN(sk_act_fwd_f64(out.h, x.h, n, kind), "ref");
        RUN(CPU->act_fwd(out.f, x.f, n, kind), "cpu");
        RUN(G->act_fwd(out.d, x.d, n, kind), "cuda");
        RUN(sk_act_bwd_f64(dx.h, dout.h, x.h, n, kind), "ref");
        RUN(CPU->act_bwd(dx.f, dout.f, x.f, n, kind), "cpu");
        RUN(G->act_bwd(dx.d, dout.d, x.d, n, kind), "cuda");
        t_check(names[kind], &out);
        t_check(bnames[kind], &dx);
        t_free(&x), t_free(&out), t_free(&dout), t_free(&dx);
    }
    SK_CHECK(G->act_fwd(NULL, NULL, 1, 7) == SK_EINVAL, "unknown activation refused");
}

static int32_t *dev_i32(const int32_t *h, int64_t n) {
    int32_t *d = NULL;
    if (G->alloc((void **)&d, (size_t)n * sizeof(int32_t)) || G->upload(d, h, (size_t)n * sizeof(int32_t))) exit(1);
    return d;
}

static void test_embed(void) {
    const int64_t rows = 101, V = 53, d = 37;
    int32_t tok[101];
    for (int64_t r = 0; r < rows; r++) tok[r] = (int32_t)sk_rng_below(&kt_rng, r < 50 ? 5 : (uint64_t)V); /* repeats */
    int32_t *td = dev_i32(tok, rows);
    T W = t_rand(V * d, -1, 1), out = t_nan(rows * d), dout = t_rand(rows * d, -1, 1), dW = t_rand(V * d, -1, 1);
    RUN(sk_embed_fwd_f64(out.h, tok, W.h, rows, V, d), "ref");
    RUN(CPU->embed_fwd(out.f, tok, W.f, rows, V, d), "cpu");
    RUN(G->embed_fwd(out.d, td, W.d, rows, V, d), "cuda");
    t_check("embedding", &out);
    RUN(sk_embed_bwd_f64(dW.h, tok, dout.h, rows, V, d), "ref");
    RUN(CPU->embed_bwd(dW.f, tok, dout.f, rows, V, d), "cpu");
    RUN(G->embed_bwd(dW.d, td, dout.d, rows, V, d), "cuda");
    t_check("embedding backward (+=)", &dW);
    /* a bad token: the same message as the CPU, naming the first bad position */
    tok[77] = (int32_t)V, tok[90] = -3;
    SK_CHECK(G->upload(td, tok, sizeof tok) == 0, "upload");
    SK_CHECK(G->embed_fwd(out.d, td, W.d, rows, V, d) == SK_EINVAL &&
                 strstr(sk_errmsg(), "token 53 at position 77 is outside the vocabulary [0, 53)"), "bad token: %s", sk_errmsg());
    SK_CHECK(G->embed_bwd(dW.d, td, dout.d, rows, V, d) == SK_EINVAL, "bad token in the backward");
    G->free(td);
    t_free(&W), t_free(&out), t_free(&dout), t_free(&dW);
}

static void test_xent(void) {
    const int64_t rows = 61, V = 1009;
    int32_t tgt[61];
    int64_t valid = 0;
    for (int64_t r = 0; r < rows; r++) {
        tgt[r] = sk_rng_uniform(&kt_rng) < 0.2 ? -1 : (int32_t)sk_rng_below(&kt_rng, (uint64_t)V);
        valid += tgt[r] != -1;
    }
    int32_t *td = dev_i32(tgt, rows);
    const float scale = 1.0f / (float)valid;
    for (int alias = 0; alias < 2; alias++) {
        T lg = t_rand(rows * V, -8, 8), loss = t_nan(rows), dl = t_nan(rows * V);
        RUN(sk_xent_f64(loss.h, alias ? lg.h : dl.h, lg.h, tgt, rows, V, -1, scale), "ref");
        RUN(CPU->xent(loss.f, alias ? lg.f : dl.f, lg.f, tgt, rows, V, -1, scale), "cpu");
        RUN(G->xent(loss.d, alias ? lg.d : dl.d, lg.d, td, rows, V, -1, scale), "cuda");
        t_check("cross-entropy loss", &loss);
        t_check(alias ? "cross-entropy dlogits (over logits)" : "cross-entropy dlogits", alias ? &lg : &dl);
        t_free(&lg), t_free(&loss), t_free(&dl);
    }
    /* without a gradient */
    T lg = t_rand(rows * V, -8, 8), loss = t_nan(rows);
    RUN(sk_xent_f64(loss.h, NULL, lg.h, tgt, rows, V, -1, 1), "ref");
    RUN(CPU->xent(loss.f, NULL, lg.f, tgt, rows, V, -1, 1), "cpu");
    RUN(G->xent(loss.d, NULL, lg.d, td, rows, V, -1, 1), "cuda");
    t_check("cross-entropy loss only", &loss);
    tgt[33] = (int32_t)V + 4;
    SK_CHECK(G->upload(td, tgt, sizeof tgt) == 0, "upload");
    SK_CHECK(G->xent(loss.d, NULL, lg.d, td, rows, V, -1, 1) == SK_EINVAL && strstr(sk_errmsg(), "row 33"),
             "bad target: %s", sk_errmsg());
    G->free(td);
    t_free(&lg), t_free(&loss);
}

static void test_adamw_axpy_copy(void) {
    const int64_t n = 10007;
    T p = t_rand(n, -1, 1), g = t_rand(n, -1, 1), m = t_rand(n, -0.1, 0.1), v = t_rand(n, 0, 0.01);
    RUN(sk_adamw_f64(p.h, g.h, m.h, v.h, n, 1e-3, 0.9, 0.95, 1e-8, 0.1, 3), "ref");
    RUN(CPU->adamw(p.f, g.f, m.f, v.f, n, 1e-3f, 0.9f, 0.95f, 1e-8f, 0.1f, 3), "cpu");
    RUN(G->adamw(p.d, g.d, m.d, v.d, n, 1e-3f, 0.9f, 0.95f, 1e-8f, 0.1f, 3), "cuda");
    t_check("adamw p", &p);
    t_check("adamw m", &m);
    t_check("adamw v", &v);
    SK_CHECK(G->adamw(p.d, g.d, m.d, v.d, n, 1e-3f, 0.9f, 0.95f, 1e-8f, 0.1f, 0) == SK_EINVAL, "step 0 refused");
    /* axpy */
    for (int64_t i = 0; i < n; i++) g.h[i] += -1.5 * (double)p.f[i];
    RUN(CPU->axpy(g.f, p.f, -1.5f, n), "cpu");
    float *pd = kt_zerof(n);
    SK_CHECK(G->upload(p.d, p.f, (size_t)n * sizeof(float)) == 0, "upload");
    RUN(G->axpy(g.d, p.d, -1.5f, n), "cuda");
    t_check("axpy", &g);
    /* copy, memzero (part of a buffer) */
    RUN(G->copy(m.d, g.d, (size_t)n * sizeof(float)), "copy");
    RUN(G->memzero(m.d + 100, 50 * sizeof(float)), "memzero");
    SK_CHECK(G->download(pd, m.d, (size_t)n * sizeof(float)) == 0, "download");
    int ok = 1;
    for (int64_t i = 0; i < n; i++) ok &= pd[i] == (i >= 100 && i < 150 ? 0.0f : g.g[i]);
    SK_CHECK(ok, "copy + memzero");
    free(pd);
    t_free(&p), t_free(&g), t_free(&m), t_free(&v);
}

static void test_glu(void) {
    const int64_t rows = 43, H = 71;
    T x = t_rand(rows * 2 * H, -4, 4), out = t_nan(rows * H), dout = t_rand(rows * H, -1, 1), dx = t_nan(rows * 2 * H);
    RUN(sk_glu_fwd_f64(out.h, x.h, rows, H), "ref");
    RUN(CPU->glu_fwd(out.f, x.f, rows, H), "cpu");
    RUN(G->glu_fwd(out.d, x.d, rows, H), "cuda");
    RUN(sk_glu_bwd_f64(dx.h, dout.h, x.h, rows, H), "ref");
    RUN(CPU->glu_bwd(dx.f, dout.f, x.f, rows, H), "cpu");
    RUN(G->glu_bwd(dx.d, dout.d, x.d, rows, H), "cuda");
    t_check("glu", &out);
    t_check("glu backward", &dx);
    t_free(&x), t_free(&out), t_free(&dout), t_free(&dx);
}

/* S4D ZOH fold, real and complex; dt |A| spans both branches of E(z) (series and closed form) */
static void test_s4d_zoh(void) {
    const int64_t D = 13, N = 37;
    for (int cx = 0; cx < 2; cx++) {
        const int64_t K = cx ? 2 : 1;
        T ldt = t_rand(D, log(1e-3), log(1.0)), Al = t_rand(D * N, -1, 2), Ai = t_rand(D * N, -6, 6);
        T B = t_rand(D * N * K, -1, 1), dt = t_nan(D), Bz = t_nan(D * N * K);
        T ddt = t_rand(D, -1, 1), dBz = t_rand(D * N * K, -1, 1);
        T dldt = t_rand(D, -1, 1), dAl = t_rand(D * N, -1, 1), dAi = t_rand(D * N, -1, 1), dB = t_rand(D * N * K, -1, 1);
        RUN(sk_s4d_zoh_fwd_f64(dt.h, Bz.h, ldt.h, Al.h, cx ? Ai.h : NULL, B.h, D, N), "ref");
        RUN(CPU->s4d_zoh_fwd(dt.f, Bz.f, ldt.f, Al.f, cx ? Ai.f : NULL, B.f, D, N), "cpu");
        RUN(G->s4d_zoh_fwd(dt.d, Bz.d, ldt.d, Al.d, cx ? Ai.d : NULL, B.d, D, N), "cuda");
        t_check(cx ? "s4d zoh dt (complex)" : "s4d zoh dt", &dt);
        t_check(cx ? "s4d zoh Bz (complex)" : "s4d zoh Bz", &Bz);
        RUN(sk_s4d_zoh_bwd_f64(dldt.h, dAl.h, cx ? dAi.h : NULL, dB.h, ddt.h, dBz.h, ldt.h, Al.h, cx ? Ai.h : NULL, B.h, D, N), "ref");
        RUN(CPU->s4d_zoh_bwd(dldt.f, dAl.f, cx ? dAi.f : NULL, dB.f, ddt.f, dBz.f, ldt.f, Al.f, cx ? Ai.f : NULL, B.f, D, N), "cpu");
        RUN(G->s4d_zoh_bwd(dldt.d, dAl.d, cx ? dAi.d : NULL, dB.d, ddt.d, dBz.d, ldt.d, Al.d, cx ? Ai.d : NULL, B.d, D, N), "cuda");
        t_check("s4d zoh dlog_dt (+=)", &dldt);
        t_check("s4d zoh dA_log (+=)", &dAl);
        if (cx) t_check("s4d zoh dA_imag (+=)", &dAi);
        t_check("s4d zoh dB (+=)", &dB);
        T *all[] = {&ldt, &Al, &Ai, &B, &dt, &Bz, &ddt, &dBz, &dldt, &dAl, &dAi, &dB};
        for (size_t k = 0; k < sizeof all / sizeof *all; k++) t_free(all[k]);
    }
}

/* ================================ the whole model ============================================ */
static double rel(const float *got, const float *ref, int64_t n) {
    double num = 0, den = 0;
    for (int64_t i = 0; i < n; i++) {
        double d = fabs((double)got[i] - ref[i]);
        if (!(d <= num)) num = d;
        if (fabs(ref[i]) > den) den = fabs(ref[i]);
    }
    return den > 0 ? num / den : num;
}
#define MREL(what, got, ref, n)                                                                    \
    do {                                                                                           \
        double e_ = rel((got), (ref), (n));                                                        \
        if (e_ > worst || e_ != e_) worst = e_;                                                    \
        SK_CHECK(e_ <= TOL, "%s: cuda vs cpu relative error %.3g > %.0e", (what), e_, TOL);       \
        if (e_ > TOL) printf("  %-34s %.2e  FAIL\n", (what), e_);                                 \
    } while (0)

static void test_model(int ssm, int block, int64_t d_model, int64_t N, int64_t b, int64_t L) {
    static const char *const ssms[] = {"s6", "s6-complex", "s4d-real", "s4d-lin"};
    sk_mamba_config c;
    sk_mamba_config_defaults(&c);
    c.blk.d_model = d_model, c.n_layer = 2, c.vocab_size = 11, c.blk.d_state = N, c.blk.dt_min = 0.01, c.blk.dt_max = 0.5;
    c.blk.ssm = ssm, c.blk.block = block;
    if (sk_mamba_config_finish(&c, "gpu")) {
        SK_CHECK(0, "config: %s", sk_errmsg());
        return;
    }
    printf("model %s %s d_model=%lld d_inner=%lld d_state=%lld layers=%lld b=%lld L=%lld\n", ssms[ssm],
           block == SK_BLOCK_S4_MLP ? "s4+mlp" : "mamba", (long long)c.blk.d_model, (long long)c.blk.d_inner, (long long)N,
           (long long)c.n_layer, (long long)b, (long long)L);
    sk_mamba_lm *mc = NULL, *mg = NULL;
    RUN(sk_mamba_lm_create(&mc, &c, CPU, b, L, SK_MODEL_GRADS), "create cpu");
    RUN(sk_mamba_lm_create(&mg, &c, G, b, L, SK_MODEL_GRADS), "create cuda");
    if (!mc || !mg) return;
    RUN(sk_mamba_lm_init(mc, 7), "init");
    RUN(sk_mamba_lm_init(mg, 7), "init");
    const int64_t rows = b * L, V = c.vocab_padded;
    int32_t *tok = malloc((size_t)rows * sizeof(int32_t)), *tgt = malloc((size_t)rows * sizeof(int32_t));
    uint8_t *rs = calloc((size_t)rows, 1);
    for (int64_t i = 0; i < rows; i++) {
        tok[i] = (int32_t)sk_rng_below(&kt_rng, (uint64_t)c.vocab_size);
        rs[i] = i % L == 57; /* a packed second sequence in every row */
    }
    for (int64_t i = 0; i < rows; i++) tgt[i] = i % L + 1 < L && i % 13 ? tok[i + 1] : -1;
    double lc = 0, lg = 0;
    RUN(sk_mamba_lm_forward(mc, tok, tgt, b, L, rs, NULL, &lc), "forward cpu");
    RUN(sk_mamba_lm_forward(mg, tok, tgt, b, L, rs, NULL, &lg), "forward cuda");
    printf("  loss cpu %.7f cuda %.7f (relative %.2e)\n", lc, lg, fabs(lc - lg) / fabs(lc));
    SK_CHECK(fabs(lc - lg) <= TOL * fabs(lc), "loss: cpu %.7f cuda %.7f", lc, lg);
    float *xc = malloc((size_t)(rows * V) * sizeof(float)), *xg = malloc((size_t)(rows * V) * sizeof(float));
    RUN(sk_mamba_lm_logits(mc, xc), "logits");
    RUN(sk_mamba_lm_logits(mg, xg), "logits");
    printf("  %-34s %.2e\n", "logits", rel(xg, xc, rows * V));
    MREL("logits", xg, xc, rows * V);
    /* gradients: the flat arenas have the same layout on both backends */
    RUN(sk_mamba_lm_zero_grad(mc), "zero");
    RUN(sk_mamba_lm_zero_grad(mg), "zero");
    RUN(sk_mamba_lm_backward(mc), "backward cpu");
    RUN(sk_mamba_lm_backward(mg), "backward cuda");
    int64_t n, ng;
    float *gc = sk_mamba_lm_flat(mc, 1, &n), *gdev = sk_mamba_lm_flat(mg, 1, &ng);
    float *gh = malloc((size_t)n * sizeof(float));
    SK_CHECK(n == ng && G->download(gh, gdev, (size_t)n * sizeof(float)) == 0, "gradient download");
    double gworst = 0;
    const char *gname = "";
    for (int i = 0; i < sk_mamba_lm_nparams(mc); i++) {
        const sk_param *p = sk_mamba_lm_param(mc, i);
        const int64_t off = p->g - gc;
        double e = rel(gh + off, gc + off, p->numel);
        if (e > gworst || e != e) gworst = e, gname = p->name;
        MREL(p->name, gh + off, gc + off, p->numel);
    }
    printf("  %-34s %.2e (%s)\n", "worst parameter gradient", gworst, gname);
    /* one AdamW step on the flat arenas */
    float *pc = sk_mamba_lm_flat(mc, 0, &n), *pdev = sk_mamba_lm_flat(mg, 0, &ng);
    float *mcpu = kt_zerof(n), *vcpu = kt_zerof(n), *mgpu = NULL, *vgpu = NULL, *ph = malloc((size_t)n * sizeof(float));
    SK_CHECK(G->alloc((void **)&mgpu, (size_t)n * sizeof(float)) == 0 && G->alloc((void **)&vgpu, (size_t)n * sizeof(float)) == 0, "alloc");
    RUN(CPU->adamw(pc, gc, mcpu, vcpu, n, 1e-3f, 0.9f, 0.95f, 1e-8f, 0.1f, 1), "adamw cpu");
    RUN(G->adamw(pdev, gdev, mgpu, vgpu, n, 1e-3f, 0.9f, 0.95f, 1e-8f, 0.1f, 1), "adamw cuda");
    SK_CHECK(G->download(ph, pdev, (size_t)n * sizeof(float)) == 0, "download");
    printf("  %-34s %.2e\n", "parameters after an AdamW step", rel(ph, pc, n));
    MREL("parameters after an AdamW step", ph, pc, n);
    /* recurrent step: 40 tokens one at a time from an empty state, logits compared at each */
    sk_mamba_lm_state *sc = NULL, *sg = NULL;
    RUN(sk_mamba_lm_state_create(mc, b, &sc), "state");
    RUN(sk_mamba_lm_state_create(mg, b, &sg), "state");
    double sworst = 0;
    for (int t = 0; t < 40 && sc && sg; t++) {
        int32_t st[64];
        for (int64_t i = 0; i < b; i++) st[i] = tok[i * L + t];
        RUN(sk_mamba_lm_step(mc, sc, st, xc), "step cpu");
        RUN(sk_mamba_lm_step(mg, sg, st, xg), "step cuda");
        double e = rel(xg, xc, b * V);
        sworst = e > sworst || e != e ? e : sworst;
    }
    printf("  %-34s %.2e\n", "recurrent step logits (40 steps)", sworst);
    SK_CHECK(sworst <= TOL, "step logits: relative error %.3g", sworst);
    if (sworst > worst) worst = sworst;
    sk_mamba_lm_state_free(sc), sk_mamba_lm_state_free(sg);
    G->free(mgpu), G->free(vgpu);
    free(mcpu), free(vcpu), free(ph), free(gh), free(xc), free(xg), free(tok), free(tgt), free(rs);
    sk_mamba_lm_free(mc), sk_mamba_lm_free(mg);
}

/* the scan cases */
static void test_scans(void) {
    const unsigned MAMBA = SK_SCAN_SOFTPLUS | SK_SCAN_A_NEG_EXP;
    /* Mamba's flags, everything on, prime L, N = 13, chunks of 16 (L not a multiple) */
    test_scan((scase){.b = 2, .L = 131, .D = 37, .N = 13, .chunk = 16, .flags = MAMBA, .z = 1, .Dskip = 1, .bias = 1,
                      .h0 = 1, .reset = 1, .dhT = 1});
    /* N = 40 (two states per lane), default chunk (2 chunks of L = 257), no optional inputs */
    test_scan((scase){.b = 1, .L = 257, .D = 19, .N = 40, .chunk = 0, .flags = MAMBA});
    /* raw delta and A, N = 100 (4 per lane), chunk larger than L */
    test_scan((scase){.b = 3, .L = 53, .D = 11, .N = 100, .chunk = 64, .flags = 0, .z = 1, .Dskip = 1, .reset = 1,
                      .h0 = 1, .dhT = 1});
    /* d_state 600: two passes of 512 states, with every input that sums across passes */
    test_scan((scase){.b = 2, .L = 37, .D = 5, .N = 600, .chunk = 8, .flags = MAMBA, .z = 1, .Dskip = 1, .bias = 1,
                      .h0 = 1, .reset = 1, .dhT = 1});
    /* a recurrent step: L = 1, hT written over h0 */
    test_scan((scase){.b = 3, .L = 1, .D = 29, .N = 16, .chunk = 0, .flags = MAMBA, .z = 1, .Dskip = 1, .bias = 1,
                      .h0 = 1, .alias = 1});
    const unsigned CPLX = SK_SCAN_COMPLEX, CB = SK_SCAN_CONST_B | SK_SCAN_CONST_C;
    /* complex S6 (variable B/C of 2N columns), N = 13 */
    test_scan((scase){.b = 2, .L = 131, .D = 17, .N = 13, .chunk = 16, .flags = MAMBA | CPLX, .z = 1, .Dskip = 1,
                      .bias = 1, .h0 = 1, .reset = 1, .dhT = 1});
    /* complex with 300 modes: two passes of 256 */
    test_scan((scase){.b = 1, .L = 29, .D = 3, .N = 300, .chunk = 8, .flags = MAMBA | CPLX, .z = 1, .Dskip = 1,
                      .bias = 1, .h0 = 1, .reset = 1, .dhT = 1});
    /* S4D: constant B and C, per-channel step (delta = NULL), real and complex, with a state */
    test_scan((scase){.b = 3, .L = 67, .D = 9, .N = 11, .chunk = 32, .flags = SK_SCAN_A_NEG_EXP | CB, .Dskip = 1,
                      .h0 = 1, .reset = 1, .dhT = 1, .nodelta = 1});
    test_scan((scase){.b = 2, .L = 67, .D = 9, .N = 35, .chunk = 0, .flags = SK_SCAN_A_NEG_EXP | CB | CPLX,
                      .Dskip = 1, .z = 1, .h0 = 1, .dhT = 1, .nodelta = 1});
    /* only B constant, per-position delta; d_state 520 with constant C: multi-pass + per-channel grads */
    test_scan((scase){.b = 2, .L = 41, .D = 6, .N = 21, .chunk = 16, .flags = MAMBA | SK_SCAN_CONST_B, .z = 1,
                      .Dskip = 1, .bias = 1, .reset = 1});
    test_scan((scase){.b = 1, .L = 23, .D = 3, .N = 520, .chunk = 8, .flags = SK_SCAN_A_NEG_EXP | SK_SCAN_CONST_C,
                      .bias = 1, .nodelta = 1, .h0 = 1, .dhT = 1});
}

/* the whole model, every SSM kind and block */
static void test_models(void) {
    test_model(SK_SSM_S6, SK_BLOCK_MAMBA, 24, 6, 2, 131);
    test_model(SK_SSM_S6, SK_BLOCK_MAMBA, 64, 16, 3, 257);
    test_model(SK_SSM_S6_COMPLEX, SK_BLOCK_MAMBA, 24, 5, 2, 131);
    test_model(SK_SSM_S4D_REAL, SK_BLOCK_MAMBA, 24, 7, 2, 131);
    test_model(SK_SSM_S4D_LIN, SK_BLOCK_MAMBA, 24, 5, 2, 131);
    test_model(SK_SSM_S4D_REAL, SK_BLOCK_S4_MLP, 24, 7, 2, 131);
    test_model(SK_SSM_S4D_LIN, SK_BLOCK_S4_MLP, 24, 5, 2, 131);
}

/* --only NAME runs one group of checks (NULL: all) */
static const char *only;
static int want(const char *group) { return !only || !strcmp(only, group); }

int main(int argc, char **argv) {
    /* --self-test: the CPU backend stands in for the device, which checks this test's own logic
     * (poisoning, strides, aliasing, bookkeeping) on a machine without a GPU (ctest: unit) */
    int self = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--self-test")) self = 1;
        else if (!strcmp(argv[i], "--only") && i + 1 < argc) only = argv[++i];
        else {
            fprintf(stderr, "usage: test_gpu_ops [--self-test] [--only scan|conv|gemm|rmsnorm|act|embed|xent|adamw|glu|s4d|model]\n");
            return 2;
        }
    }
    if (self) {
        G = sk_backend_cpu();
    } else if (sk_cuda_device_count() == 0) {
        printf("test_gpu_ops: skipped: no usable CUDA device%s\n", sk_cuda_built() ? "" : " (built without CUDA)");
        return 77;
    }
    if (!self && sk_backend_get("cuda", &G)) {
        fprintf(stderr, "test_gpu_ops: %s\n", sk_errmsg());
        return 1;
    }
    CPU = sk_backend_cpu();
    sk_rng_seed(&kt_rng, 20261123, 0);
#ifdef SSMKIT_CUDA_EMU
    if (!self) {
        const char *o = getenv("SSMKIT_EMU_ORDERS");
        printf("test_gpu_ops: CPU emulator, thread orders %s\n", o && *o ? o : "forward,reverse,shuffle:1,shuffle:2 (default)");
    }
#endif
    /* every op slot is filled */
    for (int i = 0; i < sk_backend_op_count(); i++) {
        const char *op = sk_backend_op_name(i);
        SK_CHECK(sk_backend_require(G, &op, 1) == 0, "cuda lacks %s", op);
    }
    if (want("scan")) test_scans();
    if (want("conv")) {
        test_conv(3, 53, 19, 4, SK_ACT_SILU, 1, 1, 1, 0);
        test_conv(2, 3, 7, 7, SK_ACT_NONE, 0, 1, 1, 0); /* L < W - 1: the state reaches past the sequence */
        test_conv(4, 1, 23, 4, SK_ACT_SILU, 1, 1, 0, 1); /* a recurrent step, state_out over state_in */
        test_conv(2, 41, 13, 5, SK_ACT_SILU, 1, 0, 0, 0);
    }
    if (want("gemm")) test_gemm();
    if (want("rmsnorm")) test_rmsnorm();
    if (want("act")) test_act();
    if (want("embed")) test_embed();
    if (want("xent")) test_xent();
    if (want("adamw")) test_adamw_axpy_copy();
    if (want("glu")) test_glu();
    if (want("s4d")) test_s4d_zoh();
    if (want("model")) test_models();
    printf("test_gpu_ops%s: worst %s relative error %.3g (gate %.0e)\n", self ? " --self-test" : "", G->name, worst, TOL);
    return sk_test_finish(self ? "test_gpu_ops --self-test" : "test_gpu_ops");
}
