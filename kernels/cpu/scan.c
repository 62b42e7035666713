/* scan.c — selective scan family: the reference (scan_ref.inc, float and double) and the
 * optimized fp32 forward/backward used by the CPU backend. Math and shapes: kernels/sk_ops.h.
 *
 * Optimized layout: one task = a block of SK_SCAN_VW consecutive channels for all batch rows
 * (so the per-channel parameter gradients dA, dD, ddelta_bias have one owner and need no
 * atomics). The state of a block is h[n][j] (N x VW floats); every inner loop runs over the VW
 * channels j with no dependency, so GCC vectorizes it (exp/softplus/sigmoid from sk_vmath.h).
 * B[t,:] and C[t,:] are broadcast across the block. dB/dC sum over channels: each thread adds
 * into its own (b, L, N) partial buffers in scratch, reduced after the parallel region (fixed
 * order, so results do not depend on scheduling for a given thread count).
 *
 * Complex modes (SK_SCAN_COMPLEX) keep the state as two planes per mode, h[2n][j] = re and
 * h[2n+1][j] = im, so the complex update (sk_complex.h, e^{dlt A} by sk_vexpf and sk_vsincosf)
 * vectorizes over channels like the real one. Constant B/C (SK_SCAN_CONST_B/C) are loaded once
 * per block into (N*K x VW) planes, and their gradients accumulate per block (one owner, no
 * reduction). Every block runs one body, fwd_blk / bwd_blk, specialized at compile time for
 * (K, constant B, constant C) by always-inline calls with constant arguments (scan_mode), so the
 * real variable-B/C path has no run-time tests on these in its inner loops.
 */
#include <stdlib.h>
#include <string.h>
#include "kernels/cpu/sk_cpu.h"
#include "kernels/cpu/sk_vmath.h"
#include "kernels/sk_complex.h"
#include "kernels/sk_scalar.h"
#ifdef SSMKIT_HAVE_OPENMP
#include <omp.h>
#endif

#define SK_REF_INC "kernels/cpu/scan_ref.inc"
#include "kernels/cpu/sk_instantiate.h"

#define VW SK_SCAN_VW
#define PAD16(n) (((n) + 15) & ~(int64_t)15)

float sk_vexpf_test(float x) { return sk_vexpf(x); }
float sk_vsoftplusf_test(float x) { return sk_vsoftplusf(x); }
void sk_vsincosf_test(float x, float *s, float *c) { sk_vsincosf(x, s, c); }

static int max_threads(void) {
#ifdef SSMKIT_HAVE_OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}
static int thread_id(void) {
#ifdef SSMKIT_HAVE_OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

static int team_size(void) {
#ifdef SSMKIT_HAVE_OPENMP
    return omp_get_num_threads();
#else
    return 1;
#endif
}

static int64_t chunk_of(const sk_scan_f32 *p) { return p->chunk ? p->chunk : SK_SCAN_CHUNK_DEFAULT; }

/* Per-thread scratch (floats), offsets from the thread's base. NKV = N*K*VW floats hold one
 * (N*K x VW) plane set: A (re, and im planes when complex), g (the state gradient, or the state
 * in the forward), the dA accumulators, constant B and C, their gradient accumulators; then the
 * chunk's states H ((chunk+1) planes sets), the chunk's delta and softplus' (chunk x VW each) and
 * the per-thread partials of the variable dB, dC (b*L*N*K each; absent when constant). */
typedef struct scan_lay {
    int64_t K, NK, ch, At, g, dA, Bk, Ck, dBk, dCk, H, dl, dBp, dCp, per;
} scan_lay;

static scan_lay scan_layout(const sk_scan_f32 *p) {
    scan_lay y;
    y.K = (p->flags & SK_SCAN_COMPLEX) ? 2 : 1;
    y.NK = p->dstate * y.K;
    y.ch = chunk_of(p);
    if (y.ch > p->len && p->len > 0) y.ch = p->len;
    const int64_t nkv = PAD16(y.NK * VW), bln = PAD16(p->batch * p->len * y.NK);
    y.At = 0, y.g = nkv, y.dA = 2 * nkv, y.Bk = 3 * nkv, y.Ck = 4 * nkv, y.dBk = 5 * nkv, y.dCk = 6 * nkv;
    y.H = 7 * nkv;
    y.dl = y.H + PAD16((y.ch + 1) * y.NK * VW);
    y.dBp = y.dl + PAD16(2 * y.ch * VW);
    y.dCp = y.dBp + ((p->flags & SK_SCAN_CONST_B) ? 0 : bln);
    y.per = y.dCp + ((p->flags & SK_SCAN_CONST_C) ? 0 : bln);
    return y;
}

int64_t sk_scan_work_len_f32(const sk_scan_f32 *p, int nthreads) {
    return (nthreads < 1 ? 1 : nthreads) * scan_layout(p).per;
}

/* Threads to use and the scratch for them (allocated when p->work is NULL: *owned is set). */
static int scan_work(const sk_scan_f32 *p, float **work, float **owned, int *nth) {
    int64_t per = scan_layout(p).per;
    int n = max_threads();
    int64_t nblk = (p->dim + VW - 1) / VW;
    if (n > nblk) n = (int)(nblk > 0 ? nblk : 1);
    *owned = NULL;
    if (p->work) {
        if (p->work_len < per)
            return sk_error(SK_EINVAL, "selective scan: scratch of %lld floats is smaller than the %lld "
                                       "one thread needs (sk_scan_work_len_f32)", (long long)p->work_len, (long long)per);
        if (n > p->work_len / per) n = (int)(p->work_len / per);
        *work = p->work;
    } else {
        *owned = *work = malloc((size_t)(n * per) * sizeof(float));
        if (!*work) return sk_error(SK_ENOMEM, "selective scan: cannot allocate %.1f MiB of scratch", n * per * 4.0 / 1048576);
    }
    *nth = n;
    return SK_OK;
}

/* A block's A planes (padded with 0): At[(n*K)*VW + j] = A_re (or -exp(A_log)),
 * At[(n*K+1)*VW + j] = A_imag when complex. */
static void load_A(const sk_scan_f32 *p, int64_t c0, int64_t w, int64_t K, float *At) {
    for (int64_t n = 0; n < p->dstate; n++)
        for (int64_t j = 0; j < VW; j++) {
            float a = j < w ? p->A[(c0 + j) * p->dstate + n] : 0;
            At[n * K * VW + j] = (p->flags & SK_SCAN_A_NEG_EXP) && j < w ? -expf(a) : a;
            if (K == 2) At[(n * 2 + 1) * VW + j] = j < w ? p->A_imag[(c0 + j) * p->dstate + n] : 0;
        }
}
/* A (b?, D, N*K) per-channel tensor (h0, constant B/C) into planes dst[m*VW + j], m < N*K. */
static void load_planes(const float *src, int64_t NK, int64_t w, float *dst) {
    for (int64_t m = 0; m < NK; m++)
        for (int64_t j = 0; j < VW; j++) dst[m * VW + j] = src && j < w ? src[j * NK + m] : 0;
}
static void store_planes(float *dst, int64_t NK, int64_t w, const float *src, int add) {
    for (int64_t j = 0; j < w; j++)
        for (int64_t m = 0; m < NK; m++) dst[j * NK + m] = (add ? dst[j * NK + m] : 0) + src[m * VW + j];
}

/* delta after bias/softplus for one position of a block; sp gets softplus'(x) (1 if none). */
static inline void load_delta(const sk_scan_f32 *p, int64_t pos, int64_t c0, int64_t w, float *dl, float *sp) {
    float x[VW];
    for (int64_t j = 0; j < VW; j++)
        x[j] = j < w ? (p->delta ? p->delta[pos * p->dim + c0 + j] : 0) + (p->delta_bias ? p->delta_bias[c0 + j] : 0) : 0;
    if (p->flags & SK_SCAN_SOFTPLUS) {
        for (int64_t j = 0; j < VW; j++) {
            dl[j] = sk_vsoftplusf(x[j]);
            if (sp) sp[j] = x[j] > SK_SOFTPLUS_THRESHOLD ? 1.0f : sk_vsigmoidf(x[j]);
        }
    } else {
        for (int64_t j = 0; j < VW; j++) {
            dl[j] = x[j];
            if (sp) sp[j] = 1.0f;
        }
    }
}
static inline void load_row(const float *src, int64_t w, float *dst) {
    for (int64_t j = 0; j < VW; j++) dst[j] = j < w ? src[j] : 0;
}

#define SK_AI static inline __attribute__((always_inline))
/* value of B or C component m (= n*K + k) for channel j: a per-block plane when constant,
 * else the position's row value broadcast over the block */
#define BCV(isconst, plane, row, m, j) ((isconst) ? (plane)[(m) * VW + (j)] : (row)[m])

/* One state update of a block at one position, h <- exp(dl A) h + dl u B, y += K Re(C h)
 * (y is not scaled here), from state hp (NULL-free: pass zeros for a reset) into hn. */
SK_AI void block_update(const float *At, const float *Bk, const float *Bt, const float *Ck, const float *Ct,
                        const float *dl, const float *dlu, const float *hp, float *hn, float *y, int64_t N,
                        const int K, const int cB, const int cC, const int rs) {
    for (int64_t n = 0; n < N; n++) {
        if (K == 1) {
            const float *An = At + n * VW, *hpn = hp + n * VW;
            float *hnn = hn + n * VW;
            for (int64_t j = 0; j < VW; j++) {
                float hv = sk_vexpf(dl[j] * An[j]) * (rs ? 0.0f : hpn[j]) + dlu[j] * BCV(cB, Bk, Bt, n, j); /* h = e^{dA} h + dBu */
                hnn[j] = hv;
                if (y) y[j] += BCV(cC, Ck, Ct, n, j) * hv;
            }
        } else {
            const float *Ar = At + 2 * n * VW, *Ai = Ar + VW, *hpr = hp + 2 * n * VW, *hpi = hpr + VW;
            float *hnr = hn + 2 * n * VW, *hni = hnr + VW;
            for (int64_t j = 0; j < VW; j++) {
                float e = sk_vexpf(dl[j] * Ar[j]), sn, cs;
                sk_vsincosf(dl[j] * Ai[j], &sn, &cs);
                float er = e * cs, ei = e * sn, h0r = rs ? 0.0f : hpr[j], h0i = rs ? 0.0f : hpi[j];
                float nr = SK_CMUL_RE(er, ei, h0r, h0i) + dlu[j] * BCV(cB, Bk, Bt, 2 * n, j);
                float ni = SK_CMUL_IM(er, ei, h0r, h0i) + dlu[j] * BCV(cB, Bk, Bt, 2 * n + 1, j);
                hnr[j] = nr, hni[j] = ni;
                if (y) y[j] += SK_CMUL_RE(BCV(cC, Ck, Ct, 2 * n, j), BCV(cC, Ck, Ct, 2 * n + 1, j), nr, ni);
            }
        }
    }
}

SK_AI void fwd_blk(const sk_scan_f32 *p, float *ws, const scan_lay *ly, int64_t blk, const int K, const int cB, const int cC) {
    const int64_t L = p->len, Dm = p->dim, N = p->dstate, NK = ly->NK, ch = chunk_of(p), nch = (L + ch - 1) / ch;
    const int64_t c0 = blk * VW, w = Dm - c0 < VW ? Dm - c0 : VW;
    float *h = ws + ly->g, *At = ws + ly->At, *Bk = ws + ly->Bk, *Ck = ws + ly->Ck;
    load_A(p, c0, w, K, At);
    if (cB) load_planes(p->B + c0 * NK, NK, w, Bk);
    if (cC) load_planes(p->C + c0 * NK, NK, w, Ck);
    for (int64_t i = 0; i < p->batch; i++) {
        load_planes(p->h0 ? p->h0 + (i * Dm + c0) * NK : NULL, NK, w, h);
        for (int64_t t = 0; t < L; t++) {
            const int64_t pos = i * L + t;
            if (p->ckpt && t % ch == 0) store_planes(p->ckpt + ((i * nch + t / ch) * Dm + c0) * NK, NK, w, h, 0);
            if (p->reset && p->reset[pos]) memset(h, 0, (size_t)(NK * VW) * sizeof(float));
            float dl[VW], u[VW], dlu[VW], y[VW];
            load_delta(p, pos, c0, w, dl, NULL);
            load_row(p->u + pos * Dm + c0, w, u);
            for (int64_t j = 0; j < VW; j++) dlu[j] = dl[j] * u[j], y[j] = 0;
            const float *Bt = cB ? NULL : p->B + pos * p->ldb, *Ct = cC ? NULL : p->C + pos * p->ldc;
            block_update(At, Bk, Bt, Ck, Ct, dl, dlu, h, h, y, N, K, cB, cC, 0); /* reset: zeroed above */
            if (K == 2)
                for (int64_t j = 0; j < VW; j++) y[j] *= 2.0f; /* y = 2 Re(sum C h) */
            if (p->D)
                for (int64_t j = 0; j < w; j++) y[j] += p->D[c0 + j] * u[j];
            if (p->z) {
                float z[VW];
                load_row(p->z + pos * p->ldz + c0, w, z);
                for (int64_t j = 0; j < VW; j++) y[j] *= z[j] * sk_vsigmoidf(z[j]);
            }
            for (int64_t j = 0; j < w; j++) p->out[pos * Dm + c0 + j] = y[j];
        }
        if (p->hT) store_planes(p->hT + (i * Dm + c0) * NK, NK, w, h, 0);
    }
}

/* mode index of a problem: (complex, constant B, constant C) as bits 2, 1, 0 */
static int scan_mode(const sk_scan_f32 *p) {
    return ((p->flags & SK_SCAN_COMPLEX) ? 4 : 0) | ((p->flags & SK_SCAN_CONST_B) ? 2 : 0) | ((p->flags & SK_SCAN_CONST_C) ? 1 : 0);
}
#define SCAN_DISPATCH(mode, fn, ...)                                   \
    switch (mode) {                                                    \
    case 0: fn(__VA_ARGS__, 1, 0, 0); break;                           \
    case 1: fn(__VA_ARGS__, 1, 0, 1); break;                           \
    case 2: fn(__VA_ARGS__, 1, 1, 0); break;                           \
    case 3: fn(__VA_ARGS__, 1, 1, 1); break;                           \
    case 4: fn(__VA_ARGS__, 2, 0, 0); break;                           \
    case 5: fn(__VA_ARGS__, 2, 0, 1); break;                           \
    case 6: fn(__VA_ARGS__, 2, 1, 0); break;                           \
    default: fn(__VA_ARGS__, 2, 1, 1); break;                          \
    }

int sk_scan_fwd_f32(const sk_scan_f32 *p) {
    int rc = sk_scan_check_f32(p, 0);
    if (rc) return rc;
    float *work, *owned;
    int nth;
    if ((rc = scan_work(p, &work, &owned, &nth))) return rc;
    const scan_lay ly = scan_layout(p);
    const int64_t nblk = (p->dim + VW - 1) / VW;
    const int mode = scan_mode(p);
#pragma omp parallel num_threads(nth)
    {
        float *ws = work + thread_id() * ly.per;
#pragma omp for schedule(static)
        for (int64_t blk = 0; blk < nblk; blk++) SCAN_DISPATCH(mode, fwd_blk, p, ws, &ly, blk)
    }
    free(owned);
    return SK_OK;
}

SK_AI void bwd_blk(const sk_scan_f32 *p, float *ws, const scan_lay *ly, int64_t blk, const int K, const int cB, const int cC) {
    const int64_t L = p->len, Dm = p->dim, N = p->dstate, NK = ly->NK, ckch = chunk_of(p), nch = (L + ckch - 1) / ckch;
    const int64_t c0 = blk * VW, w = Dm - c0 < VW ? Dm - c0 : VW;
    float *At = ws + ly->At, *g = ws + ly->g, *dAacc = ws + ly->dA, *Bk = ws + ly->Bk, *Ck = ws + ly->Ck;
    float *dBk = ws + ly->dBk, *dCk = ws + ly->dCk, *H = ws + ly->H, *dlbuf = ws + ly->dl, *spbuf = dlbuf + ly->ch * VW;
    float *dBp = ws + ly->dBp, *dCp = ws + ly->dCp;
    const float yf = (float)K; /* y = K Re(sum C h) */
    float dDacc[VW] = {0}, ddbacc[VW] = {0}, Dv[VW];
    load_A(p, c0, w, K, At);
    if (cB) load_planes(p->B + c0 * NK, NK, w, Bk);
    if (cC) load_planes(p->C + c0 * NK, NK, w, Ck);
    memset(dAacc, 0, (size_t)(NK * VW) * sizeof(float));
    memset(dBk, 0, (size_t)(NK * VW) * sizeof(float));
    memset(dCk, 0, (size_t)(NK * VW) * sizeof(float));
    for (int64_t j = 0; j < VW; j++) Dv[j] = p->D && j < w ? p->D[c0 + j] : 0;
    for (int64_t i = 0; i < p->batch; i++) {
        load_planes(p->dhT ? p->dhT + (i * Dm + c0) * NK : NULL, NK, w, g);
        for (int64_t k = nch - 1; k >= 0; k--) {
            const int64_t t0 = k * ckch, t1 = t0 + ckch < L ? t0 + ckch : L;
            /* recompute the chunk's states from its checkpoint: H[s] enters t0+s */
            load_planes(p->ckpt + ((i * nch + k) * Dm + c0) * NK, NK, w, H);
            for (int64_t t = t0; t < t1; t++) {
                const int64_t pos = i * L + t, s = t - t0;
                const int rs = p->reset && p->reset[pos];
                float *dl = dlbuf + s * VW, u[VW], dlu[VW];
                load_delta(p, pos, c0, w, dl, spbuf + s * VW);
                load_row(p->u + pos * Dm + c0, w, u);
                for (int64_t j = 0; j < VW; j++) dlu[j] = dl[j] * u[j];
                block_update(At, Bk, cB ? NULL : p->B + pos * p->ldb, Ck, NULL, dl, dlu, H + s * NK * VW,
                             H + (s + 1) * NK * VW, NULL, N, K, cB, 1, rs);
            }
            /* reverse sweep: g = dL/dh_t */
            for (int64_t t = t1 - 1; t >= t0; t--) {
                const int64_t pos = i * L + t, s = t - t0;
                const int rs = p->reset && p->reset[pos];
                const float *dl = dlbuf + s * VW;
                const float *Bt = cB ? NULL : p->B + pos * p->ldb, *Ct = cC ? NULL : p->C + pos * p->ldc;
                const float *Hp = H + s * NK * VW, *Hn = H + (s + 1) * NK * VW;
                float u[VW], dy[VW], du[VW], ddl[VW], dlu[VW];
                load_row(p->u + pos * Dm + c0, w, u);
                load_row(p->dout + pos * Dm + c0, w, dy);
                for (int64_t j = 0; j < VW; j++) dlu[j] = dl[j] * u[j];
                if (p->z) {
                    /* out = y silu(z): recompute y = D u + K Re(sum_n C h_t) */
                    float z[VW], y[VW];
                    load_row(p->z + pos * p->ldz + c0, w, z);
                    for (int64_t j = 0; j < VW; j++) y[j] = 0;
                    for (int64_t n = 0; n < N; n++) {
                        if (K == 1) {
                            for (int64_t j = 0; j < VW; j++) y[j] += BCV(cC, Ck, Ct, n, j) * Hn[n * VW + j];
                        } else {
                            const float *hr = Hn + 2 * n * VW, *hi = hr + VW;
                            for (int64_t j = 0; j < VW; j++)
                                y[j] += SK_CMUL_RE(BCV(cC, Ck, Ct, 2 * n, j), BCV(cC, Ck, Ct, 2 * n + 1, j), hr[j], hi[j]);
                        }
                    }
                    for (int64_t j = 0; j < VW; j++) {
                        float sg = sk_vsigmoidf(z[j]), yv = yf * y[j] + Dv[j] * u[j];
                        float dz = dy[j] * yv * sg * (1.0f + z[j] * (1.0f - sg));
                        dy[j] *= z[j] * sg;
                        y[j] = dz;
                    }
                    for (int64_t j = 0; j < w; j++) p->dz[pos * p->ldz + c0 + j] = y[j];
                }
                for (int64_t j = 0; j < VW; j++) {
                    du[j] = dy[j] * Dv[j];
                    dDacc[j] += dy[j] * u[j];
                    ddl[j] = 0;
                }
                float *dBrow = cB ? NULL : dBp + pos * NK, *dCrow = cC ? NULL : dCp + pos * NK;
                for (int64_t n = 0; n < N; n++) {
                    if (K == 1) {
                        const float *An = At + n * VW, *hp = Hp + n * VW, *hn = Hn + n * VW;
                        float *gn = g + n * VW, *dAn = dAacc + n * VW, *dBn = dBk + n * VW, *dCn = dCk + n * VW;
                        float sB = 0, sC = 0;
#pragma omp simd reduction(+ : sB, sC)
                        for (int64_t j = 0; j < VW; j++) {
                            const float Bn = BCV(cB, Bk, Bt, n, j), Cn = BCV(cC, Ck, Ct, n, j);
                            float a = sk_vexpf(dl[j] * An[j]), h1 = rs ? 0.0f : hp[j];
                            float gv = gn[j] + dy[j] * Cn; /* + output at t */
                            if (cC) dCn[j] += dy[j] * hn[j];
                            else sC += dy[j] * hn[j];
                            if (cB) dBn[j] += gv * dlu[j];
                            else sB += gv * dlu[j];
                            du[j] += gv * dl[j] * Bn;
#ifdef SSMKIT_MUTATE_SCAN_BWD
                            ddl[j] += gv * (An[j] * a * h1 - Bn * u[j]); /* deliberate bug (mutation test) */
#else
                            ddl[j] += gv * (An[j] * a * h1 + Bn * u[j]);
#endif
                            dAn[j] += gv * dl[j] * a * h1;
                            gn[j] = rs ? 0.0f : gv * a; /* dL/dh_{t-1} */
                        }
                        if (!cB) dBrow[n] += sB;
                        if (!cC) dCrow[n] += sC;
                    } else {
                        /* complex: the same steps as scan_ref.inc's backward (q = conj(a h_{t-1}) g) */
                        const float *Ar = At + 2 * n * VW, *Ai = Ar + VW, *hpr = Hp + 2 * n * VW, *hpi = hpr + VW;
                        const float *hnr = Hn + 2 * n * VW, *hni = hnr + VW;
                        float *gr_ = g + 2 * n * VW, *gi_ = gr_ + VW, *dAr = dAacc + 2 * n * VW, *dAi = dAr + VW;
                        float *dBr = dBk + 2 * n * VW, *dBi = dBr + VW, *dCr = dCk + 2 * n * VW, *dCi = dCr + VW;
                        float sBr = 0, sBi = 0, sCr = 0, sCi = 0;
#pragma omp simd reduction(+ : sBr, sBi, sCr, sCi)
                        for (int64_t j = 0; j < VW; j++) {
                            const float br = BCV(cB, Bk, Bt, 2 * n, j), bi = BCV(cB, Bk, Bt, 2 * n + 1, j);
                            const float cr = BCV(cC, Ck, Ct, 2 * n, j), ci = BCV(cC, Ck, Ct, 2 * n + 1, j);
                            float e = sk_vexpf(dl[j] * Ar[j]), sn, cs;
                            sk_vsincosf(dl[j] * Ai[j], &sn, &cs);
                            const float er = e * cs, ei = e * sn, pr = rs ? 0.0f : hpr[j], pi = rs ? 0.0f : hpi[j];
                            const float gr = gr_[j] + 2.0f * dy[j] * cr, gi = gi_[j] - 2.0f * dy[j] * ci;
                            const float tCr = 2.0f * dy[j] * hnr[j], tCi = -2.0f * dy[j] * hni[j];
                            if (cC) dCr[j] += tCr, dCi[j] += tCi;
                            else sCr += tCr, sCi += tCi;
                            if (cB) dBr[j] += gr * dlu[j], dBi[j] += gi * dlu[j];
                            else sBr += gr * dlu[j], sBi += gi * dlu[j];
                            const float bg = SK_CJMUL_RE(br, bi, gr, gi);
                            du[j] += dl[j] * bg;
                            const float ahr = SK_CMUL_RE(er, ei, pr, pi), ahi = SK_CMUL_IM(er, ei, pr, pi);
                            const float qr = SK_CJMUL_RE(ahr, ahi, gr, gi), qi = SK_CJMUL_IM(ahr, ahi, gr, gi);
                            ddl[j] += bg * u[j] + SK_CJMUL_RE(Ar[j], Ai[j], qr, qi);
                            dAr[j] += dl[j] * qr;
                            dAi[j] += dl[j] * qi;
                            gr_[j] = rs ? 0.0f : SK_CJMUL_RE(er, ei, gr, gi); /* conj(a) g */
                            gi_[j] = rs ? 0.0f : SK_CJMUL_IM(er, ei, gr, gi);
                        }
                        if (!cB) dBrow[2 * n] += sBr, dBrow[2 * n + 1] += sBi;
                        if (!cC) dCrow[2 * n] += sCr, dCrow[2 * n + 1] += sCi;
                    }
                }
                for (int64_t j = 0; j < w; j++) {
                    float dd = ddl[j] * spbuf[s * VW + j];
                    p->du[pos * Dm + c0 + j] = du[j];
                    if (p->delta) p->ddelta[pos * Dm + c0 + j] = dd;
                    ddbacc[j] += dd;
                }
            }
        }
        if (p->dh0) store_planes(p->dh0 + (i * Dm + c0) * NK, NK, w, g, 0);
    }
    for (int64_t j = 0; j < w; j++) {
        for (int64_t n = 0; n < N; n++) {
            float d = dAacc[n * K * VW + j];
            if (p->flags & SK_SCAN_A_NEG_EXP) d *= At[n * K * VW + j]; /* dA/dA_log = A */
            p->dA[(c0 + j) * N + n] += d;
            if (K == 2) p->dA_imag[(c0 + j) * N + n] += dAacc[(2 * n + 1) * VW + j];
        }
        if (p->D) p->dD[c0 + j] += dDacc[j];
        if (p->delta_bias) p->ddelta_bias[c0 + j] += ddbacc[j];
    }
    if (cB) store_planes(p->dB + c0 * NK, NK, w, dBk, 1);
    if (cC) store_planes(p->dC + c0 * NK, NK, w, dCk, 1);
}

int sk_scan_bwd_f32(const sk_scan_f32 *p) {
    int rc = sk_scan_check_f32(p, 1);
    if (rc) return rc;
    float *work, *owned;
    int nth;
    if ((rc = scan_work(p, &work, &owned, &nth))) return rc;
    const scan_lay ly = scan_layout(p);
    const int64_t nblk = (p->dim + VW - 1) / VW, BLN = p->batch * p->len * ly.NK;
    const int vB = !(p->flags & SK_SCAN_CONST_B), vC = !(p->flags & SK_SCAN_CONST_C);
    const int mode = scan_mode(p);
#pragma omp parallel num_threads(nth)
    {
        float *ws = work + thread_id() * ly.per;
        if (vB) memset(ws + ly.dBp, 0, (size_t)BLN * sizeof(float));
        if (vC) memset(ws + ly.dCp, 0, (size_t)BLN * sizeof(float));
#pragma omp for schedule(static)
        for (int64_t blk = 0; blk < nblk; blk++) SCAN_DISPATCH(mode, bwd_blk, p, ws, &ly, blk)
        /* implicit barrier: reduce the per-thread partials of variable dB, dC in thread order */
        if (vB || vC) {
#pragma omp for schedule(static)
            for (int64_t e = 0; e < BLN; e++) {
                float sb = 0, sc = 0;
                for (int th = 0; th < team_size(); th++) {
                    if (vB) sb += work[th * ly.per + ly.dBp + e];
                    if (vC) sc += work[th * ly.per + ly.dCp + e];
                }
                int64_t pos = e / ly.NK, m = e % ly.NK;
                if (vB) p->dB[pos * p->ldb + m] = sb;
                if (vC) p->dC[pos * p->ldc + m] = sc;
            }
        }
    }
    free(owned);
    return SK_OK;
}
