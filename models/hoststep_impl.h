/* hoststep_impl.h — private to models/ (not installed). The recurrent step on host memory (the
 * CPU backend), defined in sk_hoststep.c: weights copied once into the layout a one-position
 * step reads (transposed for a broadcast-FMA GEMM, norm weights folded in, A = -exp(A_log)
 * ready), and the step of a real-S6 Mamba residual layer over b rows in one pass over its
 * weights. The work is split by column ranges among the threads of a team, which meet at a spin
 * barrier between dependent phases; every output element is computed by the same code whatever
 * the split, so results do not depend on the thread count. models/README.md §Recurrent step on
 * the CPU.
 */
#ifndef HOSTSTEP_IMPL_H
#define HOSTSTEP_IMPL_H

#include <stdatomic.h>
#include <stdint.h>
#include "models/mamba_block_impl.h"

#define SK_HS_VL 16 /* floats per vector: packed widths are padded to a multiple */

/* A team of nth threads stepping together (one per thread id 0..nth-1). */
typedef struct sk_hs_team {
    int nth;
    atomic_int count, gen, sleepers;
} sk_hs_team;
void sk_hs_team_init(sk_hs_team *t, int nth);
/* Every thread of the team waits here until all have arrived. */
void sk_hs_sync(sk_hs_team *t);
/* The share [lo, hi) of thread tid in n units. */
void sk_hs_split(int64_t n, int tid, int nth, int64_t *lo, int64_t *hi);

/* A linear map out (b, N) = x (b, K) @ W^T + bias with W stored transposed, (K, Np) with
 * Np = N rounded up to SK_HS_VL (zero columns past N), cut into panels of 4 * SK_HS_VL columns
 * (the last one narrower) stored one after the other, each (K, width) row-major, so a tile of
 * the product streams one contiguous block; bias (Np) or NULL. */
typedef struct sk_hs_lin {
    int64_t K, N, Np;
    float *wt, *bias;
} sk_hs_lin;
/* Columns [v0*VL, v1*VL) (vector units, clipped to N) of out (b rows, row stride ldo) =
 * scale[r] * (x @ W^T) + bias (+ out when acc); scale NULL = 1. */
void sk_hs_lin_run(const sk_hs_lin *l, float *out, int64_t ldo, const float *x, int64_t ldx, int64_t b,
                   const float *scale, int acc, int64_t v0, int64_t v1);
/* The share of thread tid of a team of nth of all the columns. */
void sk_hs_lin_part(const sk_hs_lin *l, float *out, int64_t ldo, const float *x, int64_t ldx, int64_t b,
                    const float *scale, int tid, int nth);
/* Pack: the linear map with weights W (N rows of K, row stride ldw) and bias (NULL = none) into
 * l, whose wt and bias take floats from *cur (advanced); rowscale (K) or NULL multiplies column k
 * of W (a norm weight folded in). */
void sk_hs_lin_pack(sk_hs_lin *l, float **cur, const float *W, int64_t ldw, int64_t N, int64_t K, const float *bias,
                    const float *rowscale);
int64_t sk_hs_lin_floats(int64_t N, int64_t K, int bias);

/* 1 / rms(x_r) for b rows of width d. */
void sk_hs_rstd(float *rstd, const float *x, int64_t b, int64_t d, float eps);

/* A real-S6 Mamba residual layer packed for the step. */
typedef struct sk_hs_block {
    int64_t d, Di, Dp, N, R, W, Dx; /* Dp = Di rounded up to SK_HS_VL */
    float eps;
    sk_hs_lin in;      /* (d) -> x | z, each Dp wide (2 Dp columns), norm weight folded in */
    sk_hs_lin xp;      /* (Di) -> dt_in | B | C, Dx = R + 2N */
    sk_hs_lin dtp;     /* (R) -> Di, with the dt bias */
    sk_hs_lin out;     /* (Di) -> d */
    float *conv_t;     /* (W, Dp) */
    float *conv_b;     /* (Dp) */
    float *At;         /* (N, Dp) -exp(A_log) */
    float *Dsk;        /* (Dp) */
} sk_hs_block;

/* 1 if the step of layer kind c has a packed host version (real S6 Mamba blocks). */
int sk_hs_block_supported(const sk_block_config *c);
int64_t sk_hs_block_floats(const sk_block_config *c);
void sk_hs_block_pack(sk_hs_block *p, float **cur, const sk_block_config *c, const float *norm_w, const sk_mamba_w *w);

/* Per-thread scratch of the block step for up to b rows of the widest level: rstd (b),
 * x_dbl (b, Dx) — and the team-shared xz (b, 2 Dp), xc (b, Dp), dt and y (b, Dp). */
typedef struct sk_hs_scratch {
    float *xz, *xc, *dt, *y; /* shared by the team */
    float *rstd[2], *xdbl[2]; /* one per thread (teams of at most 2 here: SK_HS_MAX_TEAM) */
} sk_hs_scratch;
#define SK_HS_MAX_TEAM 2
/* Floats of the scratch for b rows, Dp and Dx the largest of the model's levels. */
int64_t sk_hs_scratch_floats(int64_t b, int64_t Dp, int64_t Dx, int64_t d);
void sk_hs_scratch_carve(sk_hs_scratch *s, float **cur, int64_t b, int64_t Dp, int64_t Dx, int64_t d);

/* out (b, d) = in + Mamba(RMSNorm(in)) for one position, conv state (b, W-1, Di) oldest first
 * and SSM state in this step's own layout (b, N, Di), both updated; called by every thread of
 * the team; ends with a barrier. out may not alias in. */
void sk_hs_block_step(const sk_hs_block *p, float *out, const float *in, int64_t b, float *conv, float *ssm,
                      const sk_hs_scratch *s, sk_hs_team *tm, int tid);

#endif
