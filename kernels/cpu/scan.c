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
 */
#include <stdlib.h>
#include <string.h>
#include "kernels/cpu/sk_cpu.h"
#include "kernels/cpu/sk_vmath.h"
#include "kernels/sk_scalar.h"
#ifdef SSMKIT_HAVE_OPENMP
#include <omp.h>
#endif

#define SK_REF_INC "kernels/cpu/scan_ref.inc"
#include "kernels/cpu/sk_instantiate.h"

#define VW SK_SCAN_VW

/* The block kernels are compiled for AVX-512F, AVX2 and baseline x86-64 and picked at load time
 * (GCC function multiversioning), so portable builds still use wide vectors. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__gnu_linux__)
#define SK_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define SK_CLONES
#endif
#define PAD16(n) (((n) + 15) & ~(int64_t)15)

float sk_vexpf_test(float x) { return sk_vexpf(x); }
float sk_vsoftplusf_test(float x) { return sk_vsoftplusf(x); }

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

/* Per-thread scratch (floats): At, g, dA accumulators, the chunk's states H ((chunk+1) x N x VW),
 * the chunk's delta and softplus' (chunk x VW each) and the dB, dC partials (b*L*N each). */
static int64_t per_thread(const sk_scan_f32 *p) {
    int64_t N = p->dstate, ch = chunk_of(p);
    if (ch > p->len && p->len > 0) ch = p->len;
    return PAD16(3 * N * VW) + PAD16((ch + 1) * N * VW) + PAD16(2 * ch * VW) + 2 * PAD16(p->batch * p->len * N);
}

int64_t sk_scan_work_len_f32(const sk_scan_f32 *p, int nthreads) {
    return (nthreads < 1 ? 1 : nthreads) * per_thread(p);
}

/* Threads to use and the scratch for them (allocated when p->work is NULL: *owned is set). */
static int scan_work(const sk_scan_f32 *p, float **work, float **owned, int *nth) {
    int64_t per = per_thread(p);
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

/* A block's A (N x VW, padded with 0), or -exp(A_log). */
static void load_A(const sk_scan_f32 *p, int64_t c0, int64_t w, float *At) {
    for (int64_t n = 0; n < p->dstate; n++)
        for (int64_t j = 0; j < VW; j++) {
            float a = j < w ? p->A[(c0 + j) * p->dstate + n] : 0;
            At[n * VW + j] = (p->flags & SK_SCAN_A_NEG_EXP) && j < w ? -expf(a) : a;
        }
}

/* A block's row of a (b, L, ld) tensor, zero-padded past the w valid channels. */
static inline void load_row(const float *src, int64_t w, float *dst) {
    if (w == VW) {
        for (int64_t j = 0; j < VW; j++) dst[j] = src[j];
    } else {
        for (int64_t j = 0; j < VW; j++) dst[j] = j < w ? src[j] : 0;
    }
}

/* delta after bias (bv: the block's delta_bias, 0-padded) and softplus for one position of a
 * block; sp (if not NULL) gets softplus'(x), 1 without softplus. */
static inline void load_delta(const sk_scan_f32 *p, int64_t pos, int64_t c0, int64_t w, const float *bv, float *dl,
                              float *sp) {
    float x[VW];
    load_row(p->delta + pos * p->dim + c0, w, x);
    for (int64_t j = 0; j < VW; j++) x[j] += bv[j];
    if (p->flags & SK_SCAN_SOFTPLUS) {
        for (int64_t j = 0; j < VW; j++) dl[j] = sk_vsoftplusf(x[j]);
        if (sp)
            for (int64_t j = 0; j < VW; j++) sp[j] = x[j] > SK_SOFTPLUS_THRESHOLD ? 1.0f : sk_vsigmoidf(x[j]);
    } else {
        for (int64_t j = 0; j < VW; j++) dl[j] = x[j];
        if (sp)
            for (int64_t j = 0; j < VW; j++) sp[j] = 1.0f;
    }
}
static inline void load_bias(const sk_scan_f32 *p, int64_t c0, int64_t w, float *bv) {
    for (int64_t j = 0; j < VW; j++) bv[j] = p->delta_bias && j < w ? p->delta_bias[c0 + j] : 0;
}

/* One block of VW channels, all batch rows (the forward's unit of work). */
SK_CLONES static void fwd_block(const sk_scan_f32 *p, int64_t blk, float *h, float *At) {
    const int64_t L = p->len, Dm = p->dim, N = p->dstate, ch = chunk_of(p), nch = (L + ch - 1) / ch;
    const int64_t c0 = blk * VW, w = Dm - c0 < VW ? Dm - c0 : VW;
    float bv[VW];
    load_A(p, c0, w, At);
    load_bias(p, c0, w, bv);
    for (int64_t i = 0; i < p->batch; i++) {
        for (int64_t n = 0; n < N; n++)
            for (int64_t j = 0; j < VW; j++) h[n * VW + j] = p->h0 && j < w ? p->h0[(i * Dm + c0 + j) * N + n] : 0;
        for (int64_t t = 0; t < L; t++) {
            const int64_t pos = i * L + t;
            if (p->ckpt && t % ch == 0)
                for (int64_t j = 0; j < w; j++)
                    for (int64_t n = 0; n < N; n++) p->ckpt[((i * nch + t / ch) * Dm + c0 + j) * N + n] = h[n * VW + j];
            if (p->reset && p->reset[pos]) memset(h, 0, (size_t)(N * VW) * sizeof(float));
            float dl[VW], u[VW], dlu[VW], y[VW];
            load_delta(p, pos, c0, w, bv, dl, NULL);
            load_row(p->u + pos * Dm + c0, w, u);
            for (int64_t j = 0; j < VW; j++) dlu[j] = dl[j] * u[j], y[j] = 0;
            const float *Bt = p->B + pos * p->ldb, *Ct = p->C + pos * p->ldc;
            for (int64_t n = 0; n < N; n++) {
                const float Bn = Bt[n], Cn = Ct[n];
                float *hn = h + n * VW;
                const float *An = At + n * VW;
                for (int64_t j = 0; j < VW; j++) {
                    float hv = sk_vexpf(dl[j] * An[j]) * hn[j] + dlu[j] * Bn; /* h = e^{dA} h + dBu */
                    hn[j] = hv;
                    y[j] += Cn * hv;
                }
            }
            if (p->D)
                for (int64_t j = 0; j < w; j++) y[j] += p->D[c0 + j] * u[j];
            if (p->z) {
                float z[VW];
                load_row(p->z + pos * p->ldz + c0, w, z);
                for (int64_t j = 0; j < VW; j++) y[j] *= z[j] * sk_vsigmoidf(z[j]);
            }
            for (int64_t j = 0; j < w; j++) p->out[pos * Dm + c0 + j] = y[j];
        }
        if (p->hT)
            for (int64_t j = 0; j < w; j++)
                for (int64_t n = 0; n < N; n++) p->hT[(i * Dm + c0 + j) * N + n] = h[n * VW + j];
    }
}

int sk_scan_fwd_f32(const sk_scan_f32 *p) {
    int rc = sk_scan_check_f32(p, 0);
    if (rc) return rc;
    float *work, *owned;
    int nth = 1;
    if ((rc = scan_work(p, &work, &owned, &nth))) return rc;
    const int64_t Dm = p->dim, N = p->dstate, nblk = (Dm + VW - 1) / VW, per = per_thread(p);
#pragma omp parallel num_threads(nth)
    {
        float *h = work + thread_id() * per, *At = h + N * VW;
#pragma omp for schedule(static)
        for (int64_t blk = 0; blk < nblk; blk++) {
            fwd_block(p, blk, h, At);
        }
    }
    free(owned);
    return SK_OK;
}

/* One block of VW channels, all batch rows (the backward's unit of work); ws = this thread's
 * scratch, dBp/dCp = its (b, L, N) partials of dB and dC. */
SK_CLONES static void bwd_block(const sk_scan_f32 *p, int64_t blk, float *ws, float *dBp, float *dCp) {
    const int64_t L = p->len, Dm = p->dim, N = p->dstate, nch = (L + chunk_of(p) - 1) / chunk_of(p);
    const int64_t ch = L > 0 && chunk_of(p) > L ? L : chunk_of(p);
    const int64_t ckch = chunk_of(p); /* the checkpoint interval of the forward */
    float *At = ws, *g = At + N * VW, *dAacc = g + N * VW;
    float *H = At + PAD16(3 * N * VW);
    float *dlbuf = H + PAD16((ch + 1) * N * VW), *spbuf = dlbuf + ch * VW;
    const int64_t c0 = blk * VW, w = Dm - c0 < VW ? Dm - c0 : VW;
    float dDacc[VW] = {0}, ddbacc[VW] = {0}, Dv[VW], bv[VW];
    load_A(p, c0, w, At);
    load_bias(p, c0, w, bv);
    memset(dAacc, 0, (size_t)(N * VW) * sizeof(float));
    for (int64_t j = 0; j < VW; j++) Dv[j] = p->D && j < w ? p->D[c0 + j] : 0;
    for (int64_t i = 0; i < p->batch; i++) {
        for (int64_t n = 0; n < N; n++)
            for (int64_t j = 0; j < VW; j++) g[n * VW + j] = p->dhT && j < w ? p->dhT[(i * Dm + c0 + j) * N + n] : 0;
        for (int64_t k = nch - 1; k >= 0; k--) {
            const int64_t t0 = k * ckch, t1 = t0 + ckch < L ? t0 + ckch : L;
            /* recompute the chunk's states from its checkpoint: H[s] enters t0+s */
            for (int64_t n = 0; n < N; n++)
                for (int64_t j = 0; j < VW; j++) H[n * VW + j] = j < w ? p->ckpt[((i * nch + k) * Dm + c0 + j) * N + n] : 0;
            for (int64_t t = t0; t < t1; t++) {
                const int64_t pos = i * L + t, s = t - t0;
                const float keep = p->reset && p->reset[pos] ? 0.0f : 1.0f; /* h_{t-1} survives? */
                float *dl = dlbuf + s * VW, u[VW], dlu[VW];
                load_delta(p, pos, c0, w, bv, dl, spbuf + s * VW);
                load_row(p->u + pos * Dm + c0, w, u);
                for (int64_t j = 0; j < VW; j++) dlu[j] = dl[j] * u[j];
                const float *Bt = p->B + pos * p->ldb;
                for (int64_t n = 0; n < N; n++) {
                    const float *hp = H + (s * N + n) * VW, *An = At + n * VW;
                    float *hn = H + ((s + 1) * N + n) * VW;
                    for (int64_t j = 0; j < VW; j++) hn[j] = sk_vexpf(dl[j] * An[j]) * (keep * hp[j]) + dlu[j] * Bt[n];
                }
            }
            /* reverse sweep: g = dL/dh_t */
            for (int64_t t = t1 - 1; t >= t0; t--) {
                const int64_t pos = i * L + t, s = t - t0;
                const float keep = p->reset && p->reset[pos] ? 0.0f : 1.0f; /* h_{t-1} survives? */
                const float *dl = dlbuf + s * VW, *Bt = p->B + pos * p->ldb, *Ct = p->C + pos * p->ldc;
                float u[VW], dy[VW], du[VW], ddl[VW];
                load_row(p->u + pos * Dm + c0, w, u);
                load_row(p->dout + pos * Dm + c0, w, dy);
                if (p->z) {
                    /* out = y silu(z): recompute y = D u + sum_n C h_t */
                    float z[VW], y[VW];
                    load_row(p->z + pos * p->ldz + c0, w, z);
                    for (int64_t j = 0; j < VW; j++) y[j] = Dv[j] * u[j];
                    for (int64_t n = 0; n < N; n++) {
                        const float *hn = H + ((s + 1) * N + n) * VW;
                        for (int64_t j = 0; j < VW; j++) y[j] += Ct[n] * hn[j];
                    }
                    for (int64_t j = 0; j < VW; j++) {
                        float sg = sk_vsigmoidf(z[j]);
                        float dz = dy[j] * y[j] * sg * (1.0f + z[j] * (1.0f - sg));
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
                float *dBrow = dBp + pos * N, *dCrow = dCp + pos * N;
                for (int64_t n = 0; n < N; n++) {
                    const float Bn = Bt[n], Cn = Ct[n], *An = At + n * VW;
                    const float *hp = H + (s * N + n) * VW, *hn = H + ((s + 1) * N + n) * VW;
                    float *gn = g + n * VW, *dAn = dAacc + n * VW;
                    float sB = 0, sC = 0;
    #pragma omp simd reduction(+ : sB, sC)
                    for (int64_t j = 0; j < VW; j++) {
                        float a = sk_vexpf(dl[j] * An[j]), h1 = keep * hp[j];
                        float gv = gn[j] + dy[j] * Cn; /* + output at t */
                        sC += dy[j] * hn[j];
                        sB += gv * dl[j] * u[j];
                        du[j] += gv * dl[j] * Bn;
    #ifdef SSMKIT_MUTATE_SCAN_BWD
                        ddl[j] += gv * (An[j] * a * h1 - Bn * u[j]); /* deliberate bug (mutation test) */
    #else
                        ddl[j] += gv * (An[j] * a * h1 + Bn * u[j]);
    #endif
                        dAn[j] += gv * dl[j] * a * h1;
                        gn[j] = keep * gv * a; /* dL/dh_{t-1} (0 across a reset) */
                    }
                    dBrow[n] += sB;
                    dCrow[n] += sC;
                }
                for (int64_t j = 0; j < w; j++) {
                    float dd = ddl[j] * spbuf[s * VW + j];
                    p->du[pos * Dm + c0 + j] = du[j];
                    p->ddelta[pos * Dm + c0 + j] = dd;
                    ddbacc[j] += dd;
                }
            }
        }
        if (p->dh0)
            for (int64_t j = 0; j < w; j++)
                for (int64_t n = 0; n < N; n++) p->dh0[(i * Dm + c0 + j) * N + n] = g[n * VW + j];
    }
    for (int64_t j = 0; j < w; j++) {
        for (int64_t n = 0; n < N; n++) {
            float d = dAacc[n * VW + j];
            if (p->flags & SK_SCAN_A_NEG_EXP) d *= At[n * VW + j]; /* dA/dA_log = A */
            p->dA[(c0 + j) * N + n] += d;
        }
        if (p->D) p->dD[c0 + j] += dDacc[j];
        if (p->delta_bias) p->ddelta_bias[c0 + j] += ddbacc[j];
    }
}

int sk_scan_bwd_f32(const sk_scan_f32 *p) {
    int rc = sk_scan_check_f32(p, 1);
    if (rc) return rc;
    float *work, *owned;
    int nth = 1;
    if ((rc = scan_work(p, &work, &owned, &nth))) return rc;
    const int64_t L = p->len, Dm = p->dim, N = p->dstate, ch = L > 0 && chunk_of(p) > L ? L : chunk_of(p);
    const int64_t nblk = (Dm + VW - 1) / VW, per = per_thread(p), BLN = p->batch * L * N;
#pragma omp parallel num_threads(nth)
    {
        float *dBp = work + thread_id() * per + PAD16(3 * N * VW) + PAD16((ch + 1) * N * VW) + PAD16(2 * ch * VW);
        float *dCp = dBp + PAD16(BLN);
        memset(dBp, 0, (size_t)BLN * sizeof(float));
        memset(dCp, 0, (size_t)BLN * sizeof(float));
#pragma omp for schedule(static)
        for (int64_t blk = 0; blk < nblk; blk++) {
            bwd_block(p, blk, work + thread_id() * per, dBp, dCp);
        }
        /* implicit barrier: reduce the per-thread dB, dC partials in thread order */
#pragma omp for schedule(static)
        for (int64_t e = 0; e < BLN; e++) {
            float sb = 0, sc = 0;
            for (int th = 0; th < team_size(); th++) {
                const float *base = work + th * per + PAD16(3 * N * VW) + PAD16((ch + 1) * N * VW) + PAD16(2 * ch * VW);
                sb += base[e];
                sc += base[PAD16(BLN) + e];
            }
            int64_t pos = e / N, n = e % N;
            p->dB[pos * p->ldb + n] = sb;
            p->dC[pos * p->ldc + n] = sc;
        }
    }
    free(owned);
    return SK_OK;
}
