/* test_fused.c — each fused elementwise chain of the Mamba block against the same chain run as
 * separate, unfused reference ops (conv1d without bias or activation, act_fwd/act_bwd, plain
 * additions and products), forward and backward:
 *   conv1d + bias + SiLU   (one conv1d call with bias and SK_ACT_SILU)
 *   dt bias + softplus     (the scan's delta_bias under SK_SCAN_SOFTPLUS)
 *   y * silu(z) gate       (the scan's z)
 *   residual add + RMSNorm (add_rmsnorm_fwd; its backward is rmsnorm_bwd adding into the residual
 *                           stream's gradient)
 * The fused float64 reference must agree with the unfused float64 chain to 1e-6 relative, the
 * optimized fp32 versions (the CPU backend's) to 1e-5. */
#include <string.h>
#include "kernels/cpu/sk_cpu.h"
#include "tests/kernels/kt_util.h"

static double worst64;

/* fused float64 (<= 1e-6) and fused fp32 (<= 1e-5) against the unfused float64 chain */
static void cmp(const char *tag, const char *what, const double *f64, const float *f32, const double *unf, int64_t n) {
    char nm[160];
    double e = sk_relerr_d(f64, unf, n);
    if (e > worst64) worst64 = e;
    SK_CHECK(e <= 1e-6, "%s: float64 %s: fused vs unfused relative error %.3g > 1e-6", tag, what, e);
    snprintf(nm, sizeof nm, "%s: fp32 %s", tag, what);
    KT_REL(nm, f32, unf, n, 1e-5);
}
static double *rnd(int64_t n, double lo, double hi) {
    double *p = kt_randd(n, lo, hi);
    kt_round(p, n); /* fp32 and float64 runs see the same inputs */
    return p;
}

/* ---------------- conv1d + bias + SiLU ---------------- */
static void test_conv_chain(int64_t b, int64_t L, int64_t D, int64_t W, int has_state, int has_reset) {
    const int64_t ldx = 2 * D, nx = b * L * ldx, n = b * L * D, ns = b * (W - 1) * D;
    double *x = rnd(nx, -2, 2), *w = rnd(D * W, -1, 1), *bias = rnd(D, -1, 1), *sin = has_state ? rnd(ns, -2, 2) : NULL;
    double *g = rnd(n, -1, 1), *gs = rnd(ns, -1, 1);
    uint8_t *reset = calloc((size_t)(b * L), 1);
    for (int64_t i = 0; i < b * L && has_reset; i++) reset[i] = sk_rng_uniform(&kt_rng) < 0.1;
    const uint8_t *rs = has_reset ? reset : NULL;
    char tag[96];
    snprintf(tag, sizeof tag, "conv+bias+silu b=%lld L=%lld D=%lld W=%lld", (long long)b, (long long)L, (long long)D,
             (long long)W);
    /* unfused: pre = conv(x) (no bias, no activation); pre += bias; out = act_fwd(SiLU, pre) */
    double *pre = kt_zerod(n), *uo = kt_zerod(n), *uso = kt_zerod(ns);
    sk_conv1d_f64 u = {.batch = b, .len = L, .dim = D, .width = W, .act = SK_ACT_NONE, .x = x, .ldx = ldx, .w = w,
                       .reset = rs, .state_in = sin, .out = pre, .state_out = uso};
    SK_CHECK(sk_conv1d_fwd_ref_f64(&u) == 0, "unfused conv: %s", sk_errmsg());
    for (int64_t r = 0; r < b * L; r++)
        for (int64_t c = 0; c < D; c++) pre[r * D + c] += bias[c];
    SK_CHECK(sk_act_fwd_f64(uo, pre, n, SK_ACT_SILU) == 0, "unfused silu");
    /* unfused backward: dpre = act_bwd(SiLU); dbias = sum dpre; conv backward from dpre */
    double *dpre = kt_zerod(n), *udx = kt_zerod(nx), *udw = kt_zerod(D * W), *udb = kt_zerod(D), *uds = kt_zerod(ns);
    SK_CHECK(sk_act_bwd_f64(dpre, g, pre, n, SK_ACT_SILU) == 0, "unfused silu bwd");
    for (int64_t r = 0; r < b * L; r++)
        for (int64_t c = 0; c < D; c++) udb[c] += dpre[r * D + c];
    u.dout = dpre, u.dstate_out = gs, u.dx = udx, u.dw = udw, u.dstate_in = has_state ? uds : NULL;
    SK_CHECK(sk_conv1d_bwd_ref_f64(&u) == 0, "unfused conv bwd: %s", sk_errmsg());
    /* fused float64 */
    double *fo = kt_zerod(n), *fso = kt_zerod(ns), *fdx = kt_zerod(nx), *fdw = kt_zerod(D * W), *fdb = kt_zerod(D),
           *fds = kt_zerod(ns);
    sk_conv1d_f64 f = {.batch = b, .len = L, .dim = D, .width = W, .act = SK_ACT_SILU, .x = x, .ldx = ldx, .w = w,
                       .bias = bias, .reset = rs, .state_in = sin, .out = fo, .state_out = fso, .dout = g,
                       .dstate_out = gs, .dx = fdx, .dw = fdw, .dbias = fdb, .dstate_in = has_state ? fds : NULL};
    SK_CHECK(sk_conv1d_fwd_ref_f64(&f) == 0 && sk_conv1d_bwd_ref_f64(&f) == 0, "fused conv: %s", sk_errmsg());
    /* fused fp32 (the library version) */
    float *xf = kt_tof(x, nx), *wf = kt_tof(w, D * W), *bf = kt_tof(bias, D), *sf = kt_tof(sin, ns), *gf = kt_tof(g, n);
    float *gsf = kt_tof(gs, ns), *of = kt_zerof(n), *sof = kt_zerof(ns), *dxf = kt_zerof(nx), *dwf = kt_zerof(D * W);
    float *dbf = kt_zerof(D), *dsf = kt_zerof(ns);
    sk_conv1d_f32 h = {.batch = b, .len = L, .dim = D, .width = W, .act = SK_ACT_SILU, .x = xf, .ldx = ldx, .w = wf,
                       .bias = bf, .reset = rs, .state_in = sf, .out = of, .state_out = sof, .dout = gf,
                       .dstate_out = gsf, .dx = dxf, .dw = dwf, .dbias = dbf, .dstate_in = has_state ? dsf : NULL};
    SK_CHECK(sk_conv1d_fwd_f32(&h) == 0 && sk_conv1d_bwd_f32(&h) == 0, "fp32 conv: %s", sk_errmsg());
    cmp(tag, "out", fo, of, uo, n);
    cmp(tag, "state_out", fso, sof, uso, ns);
    cmp(tag, "dx", fdx, dxf, udx, nx);
    cmp(tag, "dw", fdw, dwf, udw, D * W);
    cmp(tag, "dbias", fdb, dbf, udb, D);
    if (has_state) cmp(tag, "dstate_in", fds, dsf, uds, ns);
    double *dd[] = {x, w, bias, sin, g, gs, pre, uo, uso, dpre, udx, udw, udb, uds, fo, fso, fdx, fdw, fdb, fds};
    for (size_t k = 0; k < sizeof dd / sizeof *dd; k++) free(dd[k]);
    float *ff[] = {xf, wf, bf, sf, gf, gsf, of, sof, dxf, dwf, dbf, dsf};
    for (size_t k = 0; k < sizeof ff / sizeof *ff; k++) free(ff[k]);
    free(reset);
}

/* ---------------- the scan's dt bias + softplus, and its y * silu(z) gate ---------------- */
typedef struct sprob {
    int64_t b, L, D, N;
    double *u, *delta, *bias, *A, *B, *C, *Dv, *z, *g; /* g: the gradient of the output */
} sprob;

static sprob sp_new(int64_t b, int64_t L, int64_t D, int64_t N) {
    const int64_t n = b * L * D;
    sprob s = {b, L, D, N, rnd(n, -1, 1), rnd(n, -3, 1), rnd(D, -1, 0.5), rnd(D * N, -1, 1), rnd(b * L * N, -1, 1),
               rnd(b * L * N, -1, 1), rnd(D, -1, 1), rnd(n, -2, 2), rnd(n, -1, 1)};
    return s;
}
static void sp_free(sprob *s) {
    double *a[] = {s->u, s->delta, s->bias, s->A, s->B, s->C, s->Dv, s->z, s->g};
    for (size_t k = 0; k < sizeof a / sizeof *a; k++) free(a[k]);
}

/* One scan's outputs and gradients (float64) */
typedef struct sres {
    double *out, *du, *ddelta, *dz, *dB, *dC, *dA, *dD, *dbias;
} sres;
static sres sr_new(const sprob *s) {
    const int64_t n = s->b * s->L * s->D, nb = s->b * s->L * s->N;
    sres r = {kt_zerod(n), kt_zerod(n), kt_zerod(n), kt_zerod(n), kt_zerod(nb), kt_zerod(nb), kt_zerod(s->D * s->N),
              kt_zerod(s->D), kt_zerod(s->D)};
    return r;
}
static void sr_free(sres *r) {
    double *a[] = {r->out, r->du, r->ddelta, r->dz, r->dB, r->dC, r->dA, r->dD, r->dbias};
    for (size_t k = 0; k < sizeof a / sizeof *a; k++) free(a[k]);
}
/* the same as fp32 */
typedef struct sresf {
    float *out, *du, *ddelta, *dz, *dB, *dC, *dA, *dD, *dbias;
} sresf;

/* float64 reference scan forward + backward of s with the given delta/bias/z/flags/output gradient */
static void run_ref(const sprob *s, const double *delta, const double *bias, const double *z, unsigned flags,
                    const double *g, sres *r) {
    const int64_t nch = (s->L + 7) / 8;
    double *ckpt = kt_zerod(s->b * nch * s->D * s->N);
    sk_scan_f64 p = {.batch = s->b, .len = s->L, .dim = s->D, .dstate = s->N, .chunk = 8, .flags = flags,
                     .u = s->u, .delta = delta, .delta_bias = bias, .A = s->A, .B = s->B, .C = s->C, .ldb = s->N,
                     .ldc = s->N, .D = s->Dv, .z = z, .ldz = s->D, .out = r->out, .ckpt = ckpt, .dout = g,
                     .du = r->du, .ddelta = r->ddelta, .dz = z ? r->dz : NULL, .dB = r->dB, .dC = r->dC, .dA = r->dA,
                     .dD = r->dD, .ddelta_bias = bias ? r->dbias : NULL};
    SK_CHECK(sk_scan_fwd_ref_f64(&p) == 0 && sk_scan_bwd_ref_f64(&p) == 0, "reference scan: %s", sk_errmsg());
    free(ckpt);
}
/* the optimized fp32 scan, fused (delta_bias, softplus, z) */
static sresf run_f32(const sprob *s) {
    const int64_t n = s->b * s->L * s->D, nb = s->b * s->L * s->N, nch = (s->L + 7) / 8;
    sresf r = {kt_zerof(n), kt_zerof(n), kt_zerof(n), kt_zerof(n), kt_zerof(nb), kt_zerof(nb), kt_zerof(s->D * s->N),
               kt_zerof(s->D), kt_zerof(s->D)};
    float *in[] = {kt_tof(s->u, n), kt_tof(s->delta, n), kt_tof(s->bias, s->D), kt_tof(s->A, s->D * s->N),
                   kt_tof(s->B, nb), kt_tof(s->C, nb), kt_tof(s->Dv, s->D), kt_tof(s->z, n), kt_tof(s->g, n),
                   kt_zerof(s->b * nch * s->D * s->N)};
    sk_scan_f32 p = {.batch = s->b, .len = s->L, .dim = s->D, .dstate = s->N, .chunk = 8,
                     .flags = SK_SCAN_SOFTPLUS | SK_SCAN_A_NEG_EXP, .u = in[0], .delta = in[1], .delta_bias = in[2],
                     .A = in[3], .B = in[4], .C = in[5], .ldb = s->N, .ldc = s->N, .D = in[6], .z = in[7],
                     .ldz = s->D, .out = r.out, .ckpt = in[9], .dout = in[8], .du = r.du, .ddelta = r.ddelta,
                     .dz = r.dz, .dB = r.dB, .dC = r.dC, .dA = r.dA, .dD = r.dD, .ddelta_bias = r.dbias};
    SK_CHECK(sk_scan_fwd_f32(&p) == 0 && sk_scan_bwd_f32(&p) == 0, "fp32 scan: %s", sk_errmsg());
    for (size_t k = 0; k < sizeof in / sizeof *in; k++) free(in[k]);
    return r;
}
static void sf_free(sresf *r) {
    float *a[] = {r->out, r->du, r->ddelta, r->dz, r->dB, r->dC, r->dA, r->dD, r->dbias};
    for (size_t k = 0; k < sizeof a / sizeof *a; k++) free(a[k]);
}

/* dt projection bias + softplus: fused = the scan with delta_bias under SK_SCAN_SOFTPLUS;
 * unfused = x = delta + bias, dlt = act_fwd(softplus, x), the scan on dlt with neither; backward
 * ddelta = act_bwd(softplus, ddlt), ddelta_bias = its sum over positions. */
static void test_dt_chain(const sprob *s, const sres *fused, const sresf *f32) {
    const int64_t n = s->b * s->L * s->D;
    char tag[96];
    snprintf(tag, sizeof tag, "dt bias+softplus b=%lld L=%lld D=%lld N=%lld", (long long)s->b, (long long)s->L,
             (long long)s->D, (long long)s->N);
    double *x = kt_zerod(n), *dlt = kt_zerod(n), *dd = kt_zerod(n), *db = kt_zerod(s->D);
    for (int64_t r = 0; r < s->b * s->L; r++)
        for (int64_t c = 0; c < s->D; c++) x[r * s->D + c] = s->delta[r * s->D + c] + s->bias[c];
    SK_CHECK(sk_act_fwd_f64(dlt, x, n, SK_ACT_SOFTPLUS) == 0, "unfused softplus");
    sres u = sr_new(s);
    run_ref(s, dlt, NULL, s->z, SK_SCAN_A_NEG_EXP, s->g, &u);
    SK_CHECK(sk_act_bwd_f64(dd, u.ddelta, x, n, SK_ACT_SOFTPLUS) == 0, "unfused softplus bwd");
    for (int64_t r = 0; r < s->b * s->L; r++)
        for (int64_t c = 0; c < s->D; c++) db[c] += dd[r * s->D + c];
    cmp(tag, "out", fused->out, f32->out, u.out, n);
    cmp(tag, "ddelta", fused->ddelta, f32->ddelta, dd, n);
    cmp(tag, "ddelta_bias", fused->dbias, f32->dbias, db, s->D);
    cmp(tag, "du", fused->du, f32->du, u.du, n);
    cmp(tag, "dA", fused->dA, f32->dA, u.dA, s->D * s->N);
    free(x), free(dlt), free(dd), free(db);
    sr_free(&u);
}

/* y * silu(z): fused = the scan with z; unfused = the scan without z, then out = y * act_fwd(SiLU, z);
 * backward dy = dout * silu(z) into the scan, dz = act_bwd(SiLU, dout * y). */
static void test_gate_chain(const sprob *s, const sres *fused, const sresf *f32) {
    const int64_t n = s->b * s->L * s->D;
    char tag[96];
    snprintf(tag, sizeof tag, "y*silu(z) gate b=%lld L=%lld D=%lld N=%lld", (long long)s->b, (long long)s->L,
             (long long)s->D, (long long)s->N);
    const unsigned fl = SK_SCAN_SOFTPLUS | SK_SCAN_A_NEG_EXP;
    sres y = sr_new(s), u = sr_new(s);
    double *sz = kt_zerod(n), *out = kt_zerod(n), *dy = kt_zerod(n), *gy = kt_zerod(n), *dz = kt_zerod(n);
    run_ref(s, s->delta, s->bias, NULL, fl, s->g, &y); /* y (its gradients are not used) */
    SK_CHECK(sk_act_fwd_f64(sz, s->z, n, SK_ACT_SILU) == 0, "unfused silu");
    for (int64_t i = 0; i < n; i++) out[i] = y.out[i] * sz[i], dy[i] = s->g[i] * sz[i], gy[i] = s->g[i] * y.out[i];
    run_ref(s, s->delta, s->bias, NULL, fl, dy, &u); /* the backward from dy */
    SK_CHECK(sk_act_bwd_f64(dz, gy, s->z, n, SK_ACT_SILU) == 0, "unfused silu bwd");
    cmp(tag, "out", fused->out, f32->out, out, n);
    cmp(tag, "dz", fused->dz, f32->dz, dz, n);
    cmp(tag, "du", fused->du, f32->du, u.du, n);
    cmp(tag, "ddelta", fused->ddelta, f32->ddelta, u.ddelta, n);
    cmp(tag, "dB", fused->dB, f32->dB, u.dB, s->b * s->L * s->N);
    cmp(tag, "dC", fused->dC, f32->dC, u.dC, s->b * s->L * s->N);
    cmp(tag, "dD", fused->dD, f32->dD, u.dD, s->D);
    free(sz), free(out), free(dy), free(gy), free(dz);
    sr_free(&y), sr_free(&u);
}

static void test_scan_chains(int64_t b, int64_t L, int64_t D, int64_t N) {
    sprob s = sp_new(b, L, D, N);
    sres fused = sr_new(&s);
    run_ref(&s, s.delta, s.bias, s.z, SK_SCAN_SOFTPLUS | SK_SCAN_A_NEG_EXP, s.g, &fused);
    sresf f32 = run_f32(&s);
    test_dt_chain(&s, &fused, &f32);
    test_gate_chain(&s, &fused, &f32);
    sr_free(&fused), sf_free(&f32), sp_free(&s);
}

/* ---------------- residual add + RMSNorm ---------------- */
/* fused: add_rmsnorm_fwd (res_out = res + x and its norm in one pass); backward rmsnorm_bwd adding
 * the norm's gradient into dres, which holds the gradient arriving on the skip path. unfused: s =
 * res + x as a plain sum, rmsnorm_fwd(s); backward rmsnorm_bwd into zeros, then dres = skip + that,
 * dx = dres. fp32: also equal to the library's axpy + rmsnorm_fwd bit for bit (what the layer loop
 * ran before). */
static void test_add_norm_chain(int64_t rows, int64_t d) {
    const int64_t n = rows * d;
    double *res = rnd(n, -2, 2), *x = rnd(n, -2, 2), *w = rnd(d, 0.5, 1.5), *gh = rnd(n, -1, 1), *gs = rnd(n, -1, 1);
    char tag[96];
    snprintf(tag, sizeof tag, "residual add+rmsnorm rows=%lld d=%lld", (long long)rows, (long long)d);
    /* unfused float64 */
    double *us = kt_zerod(n), *uo = kt_zerod(n), *urs = kt_zerod(rows), *dn = kt_zerod(n), *udw = kt_zerod(d);
    double *udr = kt_zerod(n);
    for (int64_t i = 0; i < n; i++) us[i] = res[i] + x[i];
    SK_CHECK(sk_rmsnorm_fwd_f64(uo, urs, us, w, rows, d, 1e-5) == 0, "unfused rmsnorm");
    SK_CHECK(sk_rmsnorm_bwd_f64(dn, udw, gh, us, w, urs, rows, d) == 0, "unfused rmsnorm bwd");
    for (int64_t i = 0; i < n; i++) udr[i] = gs[i] + dn[i];
    /* fused float64: in place on a copy of res, then the backward into the skip gradient */
    double *fs = kt_zerod(n), *fo = kt_zerod(n), *frs = kt_zerod(rows), *fdw = kt_zerod(d), *fdr = kt_zerod(n);
    memcpy(fs, res, (size_t)n * sizeof(double));
    memcpy(fdr, gs, (size_t)n * sizeof(double));
    SK_CHECK(sk_add_rmsnorm_fwd_f64(fs, fo, frs, fs, x, w, rows, d, 1e-5) == 0, "fused add+rmsnorm f64");
    SK_CHECK(sk_rmsnorm_bwd_f64(fdr, fdw, gh, fs, w, frs, rows, d) == 0, "fused rmsnorm bwd f64");
    /* fused fp32 (out of place), and the unfused library ops it replaced */
    float *resf = kt_tof(res, n), *xf = kt_tof(x, n), *wf = kt_tof(w, d), *ghf = kt_tof(gh, n), *drf = kt_tof(gs, n);
    float *sf = kt_zerof(n), *of = kt_zerof(n), *rsf = kt_zerof(rows), *dwf = kt_zerof(d);
    float *as = kt_tof(res, n), *ao = kt_zerof(n), *ars = kt_zerof(rows);
    SK_CHECK(sk_add_rmsnorm_fwd_f32(sf, of, rsf, resf, xf, wf, rows, d, 1e-5f) == 0, "fused add+rmsnorm f32");
    SK_CHECK(sk_rmsnorm_bwd_f32(drf, dwf, ghf, sf, wf, rsf, rows, d) == 0, "fused rmsnorm bwd f32");
    SK_CHECK(sk_axpy_f32(as, xf, 1.0f, n) == 0 && sk_rmsnorm_fwd_f32(ao, ars, as, wf, rows, d, 1e-5f) == 0, "axpy+norm");
    cmp(tag, "res_out", fs, sf, us, n);
    cmp(tag, "out", fo, of, uo, n);
    cmp(tag, "rstd", frs, rsf, urs, rows);
    cmp(tag, "dres = dx", fdr, drf, udr, n);
    cmp(tag, "dw", fdw, dwf, udw, d);
    SK_CHECK(!memcmp(sf, as, (size_t)n * sizeof(float)) && !memcmp(of, ao, (size_t)n * sizeof(float)) &&
                 !memcmp(rsf, ars, (size_t)rows * sizeof(float)),
             "%s: fp32 fused differs from axpy + rmsnorm_fwd in some bit", tag);
    double *dd[] = {res, x, w, gh, gs, us, uo, urs, dn, udw, udr, fs, fo, frs, fdw, fdr};
    for (size_t k = 0; k < sizeof dd / sizeof *dd; k++) free(dd[k]);
    float *ff[] = {resf, xf, wf, ghf, drf, sf, of, rsf, dwf, as, ao, ars};
    for (size_t k = 0; k < sizeof ff / sizeof *ff; k++) free(ff[k]);
}

int main(void) {
    sk_rng_seed(&kt_rng, 22, 0);
    test_conv_chain(2, 53, 37, 4, 1, 1); /* vector blocks + a tail, state, resets */
    test_conv_chain(1, 300, 16, 4, 0, 0);
    test_conv_chain(3, 5, 7, 3, 1, 0);
    test_scan_chains(2, 37, 35, 4);
    test_scan_chains(1, 64, 16, 16);
    test_add_norm_chain(37, 128); /* the dna-1.4m width */
    test_add_norm_chain(300, 33);  /* more rows than the threading threshold, an odd width */
    printf("test_fused: worst float64 fused-vs-unfused relative error %.3g (gate 1e-6)\n", worst64);
    KT_REPORT("test_fused");
    return sk_test_finish("test_fused");
}
