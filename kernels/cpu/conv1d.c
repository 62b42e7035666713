/* conv1d.c — causal depthwise conv1d (+ bias + SiLU in the same pass): the reference
 * (conv1d_ref.inc, float and double) and the optimized fp32 forward/backward the CPU backend
 * uses. Math and shapes: kernels/sk_ops.h.
 *
 * Optimized layout: a block = SK_VLANES (16) consecutive channels, one sk_vf vector; the taps are
 * transposed once per block into W vectors. The forward walks a block's positions reading the W
 * inputs of the window straight from x (or state_in), adds the bias and applies SiLU, writing
 * `out` once; tasks are (batch row, block). The backward is one pass per (block, batch row) too:
 * at position t it recomputes the pre-activation from the window (no stored pre-activation), forms
 * dpre = dout * silu'(pre), adds the dw / dbias terms, keeps dpre in a ring of the last W
 * positions and finishes dx at t - (W-1), whose contributions are then all known; so x and dout
 * are read once and dx written once, with no zeroing pass. Tasks are blocks (the batch loop
 * inside), so dw and dbias of a channel have one owner and one summation order (fp32 partial
 * sums over tiles of SK_CONV_TILE positions, added into double totals): the result does not
 * depend on the thread count. A reset at r masks every tap that reaches before r, as in the
 * reference. Widths above SK_CONV_WMAX run the reference.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "kernels/cpu/sk_cpu.h"
#include "kernels/cpu/sk_vmath.h"
#include "kernels/sk_scalar.h"

#define SK_REF_INC "kernels/cpu/conv1d_ref.inc"
#include "kernels/cpu/sk_instantiate.h"

#define VL SK_VLANES
#define SK_CONV_WMAX 8     /* widths handled by the vector kernels (Mamba uses 4) */
#define SK_CONV_TILE 256   /* positions summed in fp32 before dw / dbias go into double totals */
#define SK_CONV_SERIAL 32768 /* b * L * D below which the conv runs on one thread (a recurrent step) */

/* Per-block constants: the taps as W vectors (wT[k][j] = w[c0 + j, k]) and the bias. */
typedef struct conv_blk {
    int64_t c0, nc;
    sk_vf wT[SK_CONV_WMAX], bias;
} conv_blk;

SK_VI conv_blk conv_block(const sk_conv1d_f32 *p, int64_t c0) {
    conv_blk k = {.c0 = c0, .nc = p->dim - c0 < VL ? p->dim - c0 : VL};
    const int64_t W = p->width;
    for (int64_t t = 0; t < W; t++) {
        float v[VL] = {0};
        for (int64_t j = 0; j < k.nc; j++) v[j] = p->w[(c0 + j) * W + t];
        k.wT[t] = sk_v_load(v);
    }
    k.bias = p->bias ? sk_v_load_n(p->bias + c0, k.nc) : sk_v_splat(0);
    return k;
}

/* Input at position s >= start of sequence row i for the block (s < 0: the carried state). */
SK_VI sk_vf conv_in(const sk_conv1d_f32 *p, const conv_blk *k, int64_t i, int64_t s) {
    if (s >= 0) return sk_v_load_n(p->x + (i * p->len + s) * p->ldx + k->c0, k->nc);
    if (!p->state_in) return sk_v_splat(0);
    return sk_v_load_n(p->state_in + (i * (p->width - 1) + s + p->width - 1) * p->dim + k->c0, k->nc);
}

/* Pre-activation at t with window inputs xv[k] (k0..W-1 valid; taps below k0 reach before the
 * sequence start and are zero). */
SK_VI sk_vf conv_pre(const sk_conv1d_f32 *p, const conv_blk *k, int64_t i, int64_t t, int64_t k0, sk_vf *xv) {
    sk_vf acc = k->bias;
    for (int64_t q = k0; q < p->width; q++) {
        xv[q] = conv_in(p, k, i, t - (p->width - 1) + q);
        acc += k->wT[q] * xv[q];
    }
    return acc;
}

/* first valid tap at t for a sequence starting at `start` */
SK_VI int64_t conv_k0(int64_t W, int64_t t, int64_t start) {
    int64_t k0 = start - (t - (W - 1));
    return k0 > 0 ? k0 : 0;
}

SK_CLONES static void conv_fwd_block(const sk_conv1d_f32 *p, int64_t i, int64_t c0) {
    const conv_blk k = conv_block(p, c0);
    const int64_t L = p->len, W = p->width;
    int64_t start = -(W - 1);
    sk_vf xv[SK_CONV_WMAX];
    for (int64_t t = 0; t < L; t++) {
        if (p->reset && p->reset[i * L + t]) start = t;
        sk_vf pre = conv_pre(p, &k, i, t, conv_k0(W, t, start), xv);
        if (p->act == SK_ACT_SILU) pre = pre * sk_v_sigmoid(pre);
        sk_v_store_n(p->out + (i * L + t) * p->dim + c0, pre, k.nc);
    }
    if (p->state_out) /* ascending k reads index L+k-(W-1) >= k - (W-1): state_out may alias state_in */
        for (int64_t q = 0; q < W - 1; q++) {
            const int64_t s = L - (W - 1) + q;
            const sk_vf v = s < start ? sk_v_splat(0) : conv_in(p, &k, i, s);
            sk_v_store_n(p->state_out + (i * (W - 1) + q) * p->dim + c0, v, k.nc);
        }
}

/* dw / dbias accumulators of a block: fp32 over a tile, double in total */
typedef struct conv_acc {
    sk_vf dw[SK_CONV_WMAX], db;
    double tw[SK_CONV_WMAX][VL], tb[VL];
} conv_acc;

SK_VI void acc_flush(conv_acc *a, int64_t W) {
    for (int64_t q = 0; q < W; q++) {
        for (int64_t j = 0; j < VL; j++) a->tw[q][j] += a->dw[q][j];
        a->dw[q] = sk_v_splat(0);
    }
    for (int64_t j = 0; j < VL; j++) a->tb[j] += a->db[j];
    a->db = sk_v_splat(0);
}

SK_CLONES static void conv_bwd_block(const sk_conv1d_f32 *p, int64_t c0) {
    const conv_blk k = conv_block(p, c0);
    const int64_t L = p->len, W = p->width, D = p->dim;
    conv_acc a;
    memset(&a, 0, sizeof a);
    sk_vf xv[SK_CONV_WMAX], ring[SK_CONV_WMAX];
    int64_t rstart[SK_CONV_WMAX];
    for (int64_t i = 0; i < p->batch; i++) {
        int64_t start = -(W - 1);
        for (int64_t t = 0; t < L + W - 1; t++) {
            if (t < L) { /* dpre at t, its dw / dbias terms, into the ring */
                if (p->reset && p->reset[i * L + t]) start = t;
                const int64_t k0 = conv_k0(W, t, start);
                const sk_vf pre = conv_pre(p, &k, i, t, k0, xv);
                sk_vf g = sk_v_load_n(p->dout + (i * L + t) * D + c0, k.nc);
                if (p->act == SK_ACT_SILU) {
                    const sk_vf s = sk_v_sigmoid(pre);
                    g = g * (s * (1.0f + pre * (1.0f - s)));
                }
                a.db += g;
                for (int64_t q = k0; q < W; q++) a.dw[q] += g * xv[q];
                ring[t % W] = g, rstart[t % W] = start;
                if ((i * L + t + 1) % SK_CONV_TILE == 0) acc_flush(&a, W);
            }
            /* dx at s = t - (W-1): tap q of position tt = t - q reaches s (unless a reset after s starts tt) */
            const int64_t s = t - (W - 1);
            if (s < 0 && !p->dstate_in) continue;
            sk_vf v = sk_v_splat(0);
            for (int64_t q = 0; q < W; q++) {
                const int64_t tt = t - q;
                if (tt >= 0 && tt < L && s >= rstart[tt % W]) v += ring[tt % W] * k.wT[q];
            }
            if (p->dstate_out && s >= L - (W - 1) && s >= start) /* the carried state's gradient reaches its inputs */
                v += sk_v_load_n(p->dstate_out + (i * (W - 1) + s - (L - (W - 1))) * D + c0, k.nc);
            if (s >= 0) sk_v_store_n(p->dx + (i * L + s) * p->ldx + c0, v, k.nc);
            else sk_v_store_n(p->dstate_in + (i * (W - 1) + s + W - 1) * D + c0, v, k.nc);
        }
    }
    acc_flush(&a, W);
    for (int64_t j = 0; j < k.nc; j++) {
        for (int64_t q = 0; q < W; q++) p->dw[(c0 + j) * W + q] += (float)a.tw[q][j];
        if (p->bias) p->dbias[c0 + j] += (float)a.tb[j];
    }
}

int sk_conv1d_fwd_f32(const sk_conv1d_f32 *p) {
    int rc = sk_conv1d_check_f32(p, 0);
    if (rc) return rc;
    if (p->width > SK_CONV_WMAX) return sk_conv1d_fwd_ref_f32(p);
    const int64_t nblk = (p->dim + VL - 1) / VL;
#pragma omp parallel for collapse(2) schedule(static) if (p->batch * p->len * p->dim > SK_CONV_SERIAL)
    for (int64_t i = 0; i < p->batch; i++)
        for (int64_t bk = 0; bk < nblk; bk++) conv_fwd_block(p, i, bk * VL);
    return SK_OK;
}

int sk_conv1d_bwd_f32(const sk_conv1d_f32 *p) {
    int rc = sk_conv1d_check_f32(p, 1);
    if (rc) return rc;
    if (p->width > SK_CONV_WMAX) return sk_conv1d_bwd_ref_f32(p);
    const int64_t nblk = (p->dim + VL - 1) / VL;
#pragma omp parallel for schedule(static) if (p->batch * p->len * p->dim > SK_CONV_SERIAL)
    for (int64_t bk = 0; bk < nblk; bk++) conv_bwd_block(p, bk * VL);
    return SK_OK;
}
