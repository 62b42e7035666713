/* sk_hoststep.c — the recurrent step on host memory (hoststep_impl.h): packed weights, a
 * broadcast-FMA GEMM over transposed weights, and the one-pass step of a real-S6 Mamba layer.
 * The math is the block's (models/README.md §Block kinds); the layout: models/README.md
 * §Recurrent step on the CPU.
 */
#include <math.h>
#include <sched.h>
#ifdef __linux__
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif
#include <string.h>
#include "kernels/cpu/sk_vmath.h"
#include "models/hoststep_impl.h"

enum { VL = SK_HS_VL };
_Static_assert(SK_HS_VL == SK_VLANES, "packed widths follow the vector width");

static int64_t pad(int64_t n) { return (n + VL - 1) / VL * VL; }

/* ================================ team ===================================================== */

void sk_hs_team_init(sk_hs_team *t, int nth) {
    t->nth = nth;
    atomic_init(&t->count, 0);
    atomic_init(&t->gen, 0);
    atomic_init(&t->sleepers, 0);
}

/* Wait while t->gen == g: spin a little (the partner is usually microseconds away), then sleep
 * (a futex on Linux, else yield) so an oversubscribed machine does not burn the partner's time. */
static void team_wait(sk_hs_team *t, int g) {
    for (int spin = 0; spin < 20000; spin++)
        if (atomic_load_explicit(&t->gen, memory_order_acquire) != g) return;
    atomic_fetch_add_explicit(&t->sleepers, 1, memory_order_acq_rel);
    while (atomic_load_explicit(&t->gen, memory_order_acquire) == g) {
#ifdef __linux__
        syscall(SYS_futex, (int *)&t->gen, FUTEX_WAIT_PRIVATE, g, NULL, NULL, 0);
#else
        sched_yield();
#endif
    }
    atomic_fetch_sub_explicit(&t->sleepers, 1, memory_order_acq_rel);
}

void sk_hs_sync(sk_hs_team *t) {
    if (t->nth < 2) return;
    const int g = atomic_load_explicit(&t->gen, memory_order_acquire);
    if (atomic_fetch_add_explicit(&t->count, 1, memory_order_acq_rel) == t->nth - 1) {
        atomic_store_explicit(&t->count, 0, memory_order_relaxed);
        atomic_store_explicit(&t->gen, g + 1, memory_order_seq_cst);
#ifdef __linux__
        if (atomic_load_explicit(&t->sleepers, memory_order_seq_cst))
            syscall(SYS_futex, (int *)&t->gen, FUTEX_WAKE_PRIVATE, INT32_MAX, NULL, NULL, 0);
#endif
        return;
    }
    team_wait(t, g);
}

void sk_hs_split(int64_t n, int tid, int nth, int64_t *lo, int64_t *hi) {
    *lo = n * tid / nth, *hi = n * (tid + 1) / nth;
}

/* ================================ linear maps ============================================== */

/* Packed weights are panels of PW columns (the last one narrower), each (K, width) row-major, so
 * a tile's weights are one contiguous stream: element (k, n) of a map with Np columns. */
enum { PW = 4 * VL };
static int64_t panel_at(int64_t K, int64_t Np, int64_t k, int64_t n) {
    const int64_t p0 = n / PW * PW, w = Np - p0 < PW ? Np - p0 : PW;
    return p0 * K + k * w + (n - p0);
}

int64_t sk_hs_lin_floats(int64_t N, int64_t K, int bias) { return K * pad(N) + (bias ? pad(N) : 0); }

void sk_hs_lin_pack(sk_hs_lin *l, float **cur, const float *W, int64_t ldw, int64_t N, int64_t K, const float *bias,
                    const float *rowscale) {
    l->K = K, l->N = N, l->Np = pad(N);
    l->wt = *cur, *cur += K * l->Np;
    for (int64_t k = 0; k < K; k++)
        for (int64_t n = 0; n < l->Np; n++)
            l->wt[panel_at(K, l->Np, k, n)] = n < N ? W[n * ldw + k] * (rowscale ? rowscale[k] : 1) : 0;
    l->bias = NULL;
    if (bias) {
        l->bias = *cur, *cur += l->Np;
        for (int64_t n = 0; n < l->Np; n++) l->bias[n] = n < N ? bias[n] : 0;
    }
}

/* x in every lane: a plain broadcast (sk_v_splat's 0 + x keeps an add, for signed zeros) */
SK_VI sk_vf bcast(float x) {
    sk_vf v;
    for (int j = 0; j < VL; j++) v[j] = x;
    return v;
}

/* MR rows x NV vectors of out from column n0; the last vector keeps `last` lanes (VL = all). */
SK_VI void lin_tile(const int MR, const int NV, const sk_hs_lin *l, float *out, int64_t ldo, const float *x,
                    int64_t ldx, const float *scale, int acc, int64_t n0, int64_t last) {
    sk_vf c[4][4];
    for (int r = 0; r < MR; r++)
        for (int v = 0; v < NV; v++) c[r][v] = sk_v_splat(0);
    const int64_t p0 = n0 / PW * PW, ldw = l->Np - p0 < PW ? l->Np - p0 : PW;
    const float *w = l->wt + p0 * l->K + (n0 - p0);
    for (int64_t k = 0; k < l->K; k++, w += ldw) {
        sk_vf wv[4];
        for (int v = 0; v < NV; v++) wv[v] = sk_v_load(w + v * VL);
        for (int r = 0; r < MR; r++) {
            const sk_vf a = bcast(x[r * ldx + k]);
            for (int v = 0; v < NV; v++) c[r][v] += a * wv[v];
        }
    }
    for (int r = 0; r < MR; r++)
        for (int v = 0; v < NV; v++) {
            sk_vf o = scale ? c[r][v] * scale[r] : c[r][v];
            if (l->bias) o += sk_v_load(l->bias + n0 + v * VL);
            float *dst = out + r * ldo + n0 + v * VL;
            const int64_t n = v == NV - 1 ? last : VL;
            if (acc) o += sk_v_load_n(dst, n);
            sk_v_store_n(dst, o, n);
        }
}

#define TILE_CASE(MR, NV) \
    case (MR) * 8 + (NV): lin_tile(MR, NV, l, o, ldo, xr, ldx, sc, acc, n0, last); break;

SK_CLONES void sk_hs_lin_run(const sk_hs_lin *l, float *out, int64_t ldo, const float *x, int64_t ldx, int64_t b,
                             const float *scale, int acc, int64_t v0, int64_t v1) {
    for (int64_t va = v0, nv; va < v1; va += nv) {
        const int64_t to_panel = 4 - va % 4; /* vectors left in va's panel */
        nv = v1 - va < to_panel ? v1 - va : to_panel;
        const int64_t n0 = va * VL, end = (va + nv) * VL < l->N ? (va + nv) * VL : l->N;
        if (end <= n0) return;
        const int64_t last = end - (n0 + (nv - 1) * VL);
        for (int64_t r0 = 0; r0 < b; r0 += 4) {
            const int mr = (int)(b - r0 < 4 ? b - r0 : 4);
            float *o = out + r0 * ldo;
            const float *xr = x + r0 * ldx, *sc = scale ? scale + r0 : NULL;
            switch (mr * 8 + nv) {
                TILE_CASE(1, 1) TILE_CASE(1, 2) TILE_CASE(1, 3) TILE_CASE(1, 4)
                TILE_CASE(2, 1) TILE_CASE(2, 2) TILE_CASE(2, 3) TILE_CASE(2, 4)
                TILE_CASE(3, 1) TILE_CASE(3, 2) TILE_CASE(3, 3) TILE_CASE(3, 4)
                TILE_CASE(4, 1) TILE_CASE(4, 2) TILE_CASE(4, 3) TILE_CASE(4, 4)
                default: break;
            }
        }
    }
}
#undef TILE_CASE

void sk_hs_lin_part(const sk_hs_lin *l, float *out, int64_t ldo, const float *x, int64_t ldx, int64_t b,
                    const float *scale, int tid, int nth) {
    int64_t lo, hi;
    sk_hs_split(l->Np / VL, tid, nth, &lo, &hi);
    sk_hs_lin_run(l, out, ldo, x, ldx, b, scale, 0, lo, hi);
}

void sk_hs_rstd(float *rstd, const float *x, int64_t b, int64_t d, float eps) {
    for (int64_t r = 0; r < b; r++) { /* as the rmsnorm op: fp32 sum of squares in order */
        float ss = 0;
        for (int64_t j = 0; j < d; j++) ss += x[r * d + j] * x[r * d + j];
        rstd[r] = 1 / sqrtf(ss / (float)d + eps);
    }
}

/* ================================ the Mamba layer ========================================== */

int sk_hs_block_supported(const sk_block_config *c) { return c->block == SK_BLOCK_MAMBA && c->ssm == SK_SSM_S6; }

int64_t sk_hs_block_floats(const sk_block_config *c) {
    const int64_t d = c->d_model, Di = c->d_inner, Dp = pad(Di), N = c->d_state, R = c->dt_rank, W = c->d_conv;
    return sk_hs_lin_floats(2 * Dp, d, 0) + sk_hs_lin_floats(R + 2 * N, Di, 0) + sk_hs_lin_floats(Di, R, 1) +
           sk_hs_lin_floats(d, Di, 0) + (W + 2 + N) * Dp;
}

void sk_hs_block_pack(sk_hs_block *p, float **cur, const sk_block_config *c, const float *norm_w, const sk_mamba_w *w) {
    const int64_t d = c->d_model, Di = c->d_inner, Dp = pad(Di), N = c->d_state, R = c->dt_rank, W = c->d_conv;
    *p = (sk_hs_block){.d = d, .Di = Di, .Dp = Dp, .N = N, .R = R, .W = W, .Dx = R + 2 * N, .eps = (float)c->norm_epsilon};
    /* in_proj rows x (0..Di-1) and z (Di..2Di-1) at columns 0.. and Dp..: pack the two halves
     * side by side, each padded to Dp */
    p->in.K = d, p->in.N = 2 * Dp, p->in.Np = 2 * Dp, p->in.bias = NULL, p->in.wt = *cur;
    *cur += d * 2 * Dp;
    for (int64_t k = 0; k < d; k++)
        for (int64_t n = 0; n < 2 * Dp; n++) {
            const int64_t half = n / Dp, j = n % Dp;
            p->in.wt[panel_at(d, 2 * Dp, k, n)] = j < Di ? w->in_proj[(half * Di + j) * d + k] * norm_w[k] : 0;
        }
    sk_hs_lin_pack(&p->xp, cur, w->x_proj, Di, R + 2 * N, Di, NULL, NULL);
    sk_hs_lin_pack(&p->dtp, cur, w->dt_proj_w, R, Di, R, w->dt_proj_b, NULL);
    sk_hs_lin_pack(&p->out, cur, w->out_proj, Di, d, Di, NULL, NULL);
    p->conv_t = *cur, *cur += W * Dp;
    p->conv_b = *cur, *cur += Dp;
    p->Dsk = *cur, *cur += Dp;
    p->At = *cur, *cur += N * Dp;
    for (int64_t j = 0; j < Dp; j++) {
        for (int64_t k = 0; k < W; k++) p->conv_t[k * Dp + j] = j < Di ? w->conv_w[j * W + k] : 0;
        p->conv_b[j] = j < Di ? w->conv_b[j] : 0;
        p->Dsk[j] = j < Di ? w->D[j] : 0;
        for (int64_t n = 0; n < N; n++) p->At[n * Dp + j] = j < Di ? -expf(w->A_log[j * N + n]) : 0;
    }
}

int64_t sk_hs_scratch_floats(int64_t b, int64_t Dp, int64_t Dx, int64_t d) {
    (void)d;
    return b * 5 * Dp + SK_HS_MAX_TEAM * (pad(b) + b * pad(Dx));
}

void sk_hs_scratch_carve(sk_hs_scratch *s, float **cur, int64_t b, int64_t Dp, int64_t Dx, int64_t d) {
    (void)d;
    s->xz = *cur, *cur += b * 2 * Dp;
    s->xc = *cur, *cur += b * Dp;
    s->dt = *cur, *cur += b * Dp;
    s->y = *cur, *cur += b * Dp;
    for (int t = 0; t < SK_HS_MAX_TEAM; t++) {
        s->rstd[t] = *cur, *cur += pad(b);
        s->xdbl[t] = *cur, *cur += b * pad(Dx);
    }
}

/* xc = SiLU(conv(x) + bias) on channel vectors [v0, v1), conv state shifted in. */
SK_CLONES static void conv_part(const sk_hs_block *p, int64_t b, float *conv, const float *xz, float *xc, int64_t v0,
                                int64_t v1) {
    const int64_t Di = p->Di, Dp = p->Dp, W = p->W;
    for (int64_t r = 0; r < b; r++) {
        float *st = conv + r * (W - 1) * Di;
        for (int64_t v = v0; v < v1; v++) {
            const int64_t c0 = v * VL, n = Di - c0 < VL ? Di - c0 : VL;
            const sk_vf x = sk_v_load(xz + r * 2 * Dp + c0);
            sk_vf a = sk_v_load(p->conv_b + c0) + sk_v_load(p->conv_t + (W - 1) * Dp + c0) * x;
            for (int64_t k = 0; k < W - 1; k++) {
                const sk_vf s = sk_v_load_n(st + k * Di + c0, n);
                a += sk_v_load(p->conv_t + k * Dp + c0) * s;
                if (k) sk_v_store_n(st + (k - 1) * Di + c0, s, n);
            }
            if (W > 1) sk_v_store_n(st + (W - 2) * Di + c0, x, n);
            sk_v_store(xc + r * Dp + c0, a * sk_v_sigmoid(a));
        }
    }
}

/* y = (S6 scan step + D u) * SiLU(z) on channel vectors [v0, v1), SSM state (b, N, Di) updated. */
SK_CLONES static void scan_part(const sk_hs_block *p, int64_t b, float *ssm, const float *xz, const float *xc,
                                const float *dt, const float *xdbl, int64_t ldx, float *y, int64_t v0, int64_t v1) {
    const int64_t Di = p->Di, Dp = p->Dp, N = p->N, R = p->R;
    for (int64_t r = 0; r < b; r++) {
        const float *B = xdbl + r * ldx + R, *C = B + N;
        float *h0 = ssm + r * N * Di;
        for (int64_t v = v0; v < v1; v++) {
            const int64_t c0 = v * VL, n = Di - c0 < VL ? Di - c0 : VL;
            const sk_vf u = sk_v_load(xc + r * Dp + c0), dl = sk_v_softplus(sk_v_load(dt + r * Dp + c0));
            const sk_vf dlu = dl * u, z = sk_v_load(xz + r * 2 * Dp + Dp + c0);
            sk_vf acc = sk_v_load(p->Dsk + c0) * u;
            for (int64_t m = 0; m < N; m++) {
                float *hp = h0 + m * Di + c0;
                const sk_vf h = sk_v_exp(dl * sk_v_load(p->At + m * Dp + c0)) * sk_v_load_n(hp, n) + dlu * B[m];
                sk_v_store_n(hp, h, n);
                acc += h * C[m];
            }
            sk_v_store(y + r * Dp + c0, acc * (z * sk_v_sigmoid(z)));
        }
    }
}

void sk_hs_block_step(const sk_hs_block *p, float *out, const float *in, int64_t b, float *conv, float *ssm,
                      const sk_hs_scratch *s, sk_hs_team *tm, int tid) {
    const int nth = tm->nth;
    const int64_t Dp = p->Dp, nv = Dp / VL;
    float *rstd = s->rstd[tid], *xdbl = s->xdbl[tid];
    const int64_t ldx = pad(p->Dx);
    int64_t lo, hi;
    /* 1. x and z of this thread's channels (the norm folded into in_proj: rstd scales the rows), conv */
    sk_hs_rstd(rstd, in, b, p->d, p->eps);
    sk_hs_split(nv, tid, nth, &lo, &hi);
    sk_hs_lin_run(&p->in, s->xz, 2 * Dp, in, p->d, b, rstd, 0, lo, hi);
    sk_hs_lin_run(&p->in, s->xz, 2 * Dp, in, p->d, b, rstd, 0, nv + lo, nv + hi);
    conv_part(p, b, conv, s->xz, s->xc, lo, hi);
    sk_hs_sync(tm);
    /* 2. x_dbl of all channels (every thread its own: small), dt and the scan of its channels */
    sk_hs_lin_run(&p->xp, xdbl, ldx, s->xc, Dp, b, NULL, 0, 0, ldx / VL);
    sk_hs_lin_run(&p->dtp, s->dt, Dp, xdbl, ldx, b, NULL, 0, lo, hi);
    scan_part(p, b, ssm, s->xz, s->xc, s->dt, xdbl, ldx, s->y, lo, hi);
    sk_hs_sync(tm);
    /* 3. out = in + y @ out_proj^T, this thread's output columns */
    sk_hs_split(pad(p->d) / VL, tid, nth, &lo, &hi);
    for (int64_t r = 0; r < b; r++) {
        const int64_t c0 = lo * VL, c1 = hi * VL < p->d ? hi * VL : p->d;
        if (c1 > c0) memcpy(out + r * p->d + c0, in + r * p->d + c0, (size_t)(c1 - c0) * sizeof(float));
    }
    sk_hs_lin_run(&p->out, out, p->d, s->y, Dp, b, NULL, 1, lo, hi);
    sk_hs_sync(tm);
}
