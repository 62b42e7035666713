/* sk_ops_check.c — argument checks of the ops, shared by every backend (sk_ops.h).
 *
 * A check reads sizes, flags and which pointers are given, never the data, so it is written once
 * over a precision-free view of the argument block; the f32 and f64 entry points fill the view
 * from their block with one macro (the field names of sk_scan_f32 and sk_scan_f64 are the same).
 */
#include "kernels/sk_ops.h"
#include "src/sk_error.h"

typedef struct scan_view {
    int64_t batch, len, dim, dstate, chunk, ldb, ldc, ldz;
    unsigned flags;
    const void *u, *delta, *delta_bias, *A, *A_imag, *B, *C, *D, *z, *out, *ckpt, *dout;
    const void *du, *ddelta, *dz, *dB, *dC, *dA, *dA_imag, *dD, *ddelta_bias;
} scan_view;
#define SCAN_VIEW(p)                                                                                           \
    {(p)->batch, (p)->len, (p)->dim, (p)->dstate, (p)->chunk, (p)->ldb, (p)->ldc, (p)->ldz, (p)->flags,         \
     (p)->u, (p)->delta, (p)->delta_bias, (p)->A, (p)->A_imag, (p)->B, (p)->C, (p)->D, (p)->z, (p)->out,         \
     (p)->ckpt, (p)->dout, (p)->du, (p)->ddelta, (p)->dz, (p)->dB, (p)->dC, (p)->dA, (p)->dA_imag, (p)->dD,      \
     (p)->ddelta_bias}

static int scan_check(const scan_view *p, int bwd) {
    const int cplx = (p->flags & SK_SCAN_COMPLEX) != 0, K = cplx ? 2 : 1;
    if (p->flags & ~(unsigned)SK_SCAN_SUPPORTED_FLAGS)
        return sk_error(SK_EUNSUP, "selective scan: unknown flags 0x%x",
                        p->flags & ~(unsigned)SK_SCAN_SUPPORTED_FLAGS);
    if (p->batch < 0 || p->len < 0 || p->dim < 0 || p->dstate <= 0 || p->chunk < 0)
        return sk_error(SK_EINVAL, "selective scan: bad sizes b=%lld L=%lld D=%lld N=%lld",
                        (long long)p->batch, (long long)p->len, (long long)p->dim, (long long)p->dstate);
    if (!p->u || !p->A || !p->B || !p->C || (!bwd && !p->out))
        return sk_error(SK_EINVAL, "selective scan: u, A, B, C (and out in the forward) are required");
    if (!p->delta && !p->delta_bias)
        return sk_error(SK_EINVAL, "selective scan: delta or delta_bias (per-channel step) is required");
    if (cplx && !p->A_imag)
        return sk_error(SK_EINVAL, "selective scan: SK_SCAN_COMPLEX needs A_imag");
    if ((!(p->flags & SK_SCAN_CONST_B) && p->ldb < K * p->dstate) ||
        (!(p->flags & SK_SCAN_CONST_C) && p->ldc < K * p->dstate) || (p->z && p->ldz < p->dim))
        return sk_error(SK_EINVAL, "selective scan: row strides ldb/ldc/ldz smaller than %sN or D",
                        cplx ? "2" : "");
    if (bwd && (!p->ckpt || !p->dout || !p->du || (p->delta && !p->ddelta) || !p->dB || !p->dC ||
                !p->dA || (cplx && !p->dA_imag) || (p->z && !p->dz) || (p->D && !p->dD) ||
                (p->delta_bias && !p->ddelta_bias)))
        return sk_error(SK_EINVAL, "selective scan backward: ckpt, dout and the gradients of the "
                                   "given inputs are required");
    return SK_OK;
}
int sk_scan_check_f32(const sk_scan_f32 *p, int bwd) {
    const scan_view v = SCAN_VIEW(p);
    return scan_check(&v, bwd);
}
int sk_scan_check_f64(const sk_scan_f64 *p, int bwd) {
    const scan_view v = SCAN_VIEW(p);
    return scan_check(&v, bwd);
}

typedef struct conv1d_view {
    int64_t batch, len, dim, width, ldx;
    int act;
    const void *x, *w, *bias, *out, *dout, *dx, *dw, *dbias;
} conv1d_view;
#define CONV1D_VIEW(p)                                                                                        \
    {(p)->batch, (p)->len, (p)->dim, (p)->width, (p)->ldx, (p)->act, (p)->x, (p)->w, (p)->bias, (p)->out,      \
     (p)->dout, (p)->dx, (p)->dw, (p)->dbias}

static int conv1d_check(const conv1d_view *p, int bwd) {
    if (p->batch < 0 || p->len < 0 || p->dim < 0 || p->width < 1 || p->ldx < p->dim)
        return sk_error(SK_EINVAL, "conv1d: bad sizes b=%lld L=%lld D=%lld W=%lld ldx=%lld", (long long)p->batch,
                        (long long)p->len, (long long)p->dim, (long long)p->width, (long long)p->ldx);
    if (p->act != SK_ACT_NONE && p->act != SK_ACT_SILU)
        return sk_error(SK_EINVAL, "conv1d: activation %d not supported", p->act);
    if (!p->x || !p->w || (!bwd && !p->out))
        return sk_error(SK_EINVAL, "conv1d: x, w and out are required");
    if (bwd && (!p->dout || !p->dx || !p->dw || (p->bias && !p->dbias)))
        return sk_error(SK_EINVAL, "conv1d backward: dout, dx, dw (and dbias with a bias) are required");
    return SK_OK;
}
int sk_conv1d_check_f32(const sk_conv1d_f32 *p, int bwd) {
    const conv1d_view v = CONV1D_VIEW(p);
    return conv1d_check(&v, bwd);
}
int sk_conv1d_check_f64(const sk_conv1d_f64 *p, int bwd) {
    const conv1d_view v = CONV1D_VIEW(p);
    return conv1d_check(&v, bwd);
}

int sk_act_check(int kind) {
    if (kind != SK_ACT_SILU && kind != SK_ACT_SOFTPLUS && kind != SK_ACT_GELU)
        return sk_error(SK_EINVAL, "activation %d unknown", kind);
    return SK_OK;
}
