/* sk_ops.h — argument blocks of the multi-tensor ops (selective scan, causal depthwise conv1d),
 * shared by every backend (the pointers are backend memory) and by the float64 reference.
 *
 * Each block is declared for `float` (sk_scan_f32, the library) and `double` (sk_scan_f64, the
 * reference run in tests and for finite differences) from one macro, so the fields are identical.
 *
 * Layout convention: per-position tensors are (batch, len, channels) row-major, channel fastest,
 * which is how the GEMMs of a layer produce them; `ld*` fields are the distance in elements
 * between consecutive positions (so a tensor can be a column slice of a wider one, e.g. z is the
 * second half of in_proj's output (b, L, 2*Di) with ldz = 2*Di, and B, C are columns of x_proj's
 * output (b, L, R + 2N) with ldb = ldc = R + 2N). 64-bit sizes and offsets everywhere.
 *
 * Gradient convention: parameter gradients (dA, dD, ddelta_bias, conv dw, dbias) accumulate with
 * +=; activation gradients (du, ddelta, dz, dB, dC, dx, initial-state gradients) are written (=).
 */
#ifndef SK_OPS_H
#define SK_OPS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------
 * Selective scan (Mamba's S6; kernels/README.md §Numerics), per batch i, channel c, time t
 * (state index n < N):
 *     x      = delta[i,t,c] + delta_bias[c]                    (bias optional)
 *     dlt    = softplus(x) if SK_SCAN_SOFTPLUS else x          (threshold 20, sk_scalar.h)
 *     A[c,n] = -exp(A[c,n]) if SK_SCAN_A_NEG_EXP (A holds A_log) else A[c,n]
 *     if reset[i,t]:  h[c,:] = 0                                (packed sequences)
 *     h[c,n] = exp(dlt * A[c,n]) * h[c,n] + dlt * B[i,t,n] * u[i,t,c]     (B-bar = delta*B)
 *     y      = sum_n C[i,t,n] * h[c,n] + D[c] * u[i,t,c]       (D optional)
 *     out    = y * silu(z[i,t,c])                              (z optional)
 * starting from h = h0[i,c,:] (zeros when h0 is NULL); hT receives the state after t = L-1.
 * The forward stores the state entering every chunk of `chunk` positions in ckpt; the backward
 * recomputes each chunk's states from it, in reverse chunk order (memory b*D*N*ceil(L/chunk),
 * never b*D*L*N). Backward: given dout and dhT (NULL = 0) it returns du, ddelta (w.r.t. the raw
 * delta before bias and softplus), dz, dB, dC, dh0 (=) and adds dA (w.r.t. the A field, i.e.
 * A_log under SK_SCAN_A_NEG_EXP), dD, ddelta_bias (+=).
 *
 * SK_SCAN_COMPLEX (S4D-Lin / complex S6; kernels/README.md §Numerics): N complex modes per channel,
 *     A[c,n]  = A_re + i*A_imag[c,n],  A_re = -exp(A[c,n]) under SK_SCAN_A_NEG_EXP, else A[c,n]
 *     B, C    : each mode n is the (re, im) pair at columns 2n, 2n+1 of a row (x_proj's output
 *               order; a row then holds 2N values), or of a constant (D, N, 2) matrix
 *     h[c,n]  = exp(dlt*A[c,n]) * h[c,n] + dlt * B[n] * u   (complex; exp(x+iy) = e^x (cos y + i sin y))
 *     y       = 2 * Re(sum_n C[n] * h[c,n]) + D[c] * u      (no conjugation; then the z gate)
 *   h0, hT, ckpt, dhT, dh0 hold (re, im) pairs: (b, D, N, 2), (b, ceil(L/chunk), D, N, 2).
 *   Gradients of complex quantities are the pairs (dL/dre, dL/dim) (PyTorch's .grad of the real
 *   view), e.g. dA gets dL/dA_re (times A_re under A_NEG_EXP) and dA_imag gets dL/dA_imag.
 * SK_SCAN_CONST_B / SK_SCAN_CONST_C (S4D, an LTI layer): B or C is one (D, N) matrix ((D, N, 2)
 *   when complex) for all batch rows and positions; ldb / ldc are then ignored. Its gradient dB /
 *   dC is then a parameter gradient: (D, N[, 2]), summed over batch and positions, += .
 * delta == NULL: dlt = f(delta_bias[c]) for every position (a per-channel step size, S4D);
 *   delta_bias is then required and ddelta is not written (may be NULL).
 * K = 2 components per mode when SK_SCAN_COMPLEX, else 1; "N" columns below means N*K.
 * ------------------------------------------------------------------------------------------- */
enum {
    SK_SCAN_SOFTPLUS = 1u << 0,
    SK_SCAN_A_NEG_EXP = 1u << 1,
    SK_SCAN_COMPLEX = 1u << 2,
    SK_SCAN_CONST_B = 1u << 3,
    SK_SCAN_CONST_C = 1u << 4,
};
#define SK_SCAN_SUPPORTED_FLAGS \
    (SK_SCAN_SOFTPLUS | SK_SCAN_A_NEG_EXP | SK_SCAN_COMPLEX | SK_SCAN_CONST_B | SK_SCAN_CONST_C)
#define SK_SCAN_CHUNK_DEFAULT 128

#define SK_DECLARE_SCAN(real, S)                                                                  \
    typedef struct sk_scan##S {                                                                  \
        int64_t batch, len, dim, dstate; /* b, L, D channels (d_inner), N */                     \
        int64_t chunk;                   /* checkpoint interval; 0 = SK_SCAN_CHUNK_DEFAULT */     \
        unsigned flags;                  /* SK_SCAN_* */                                         \
        /* inputs */                                                                             \
        const real *u;                   /* (b, L, D) */                                         \
        const real *delta;               /* (b, L, D) raw, before bias and softplus; or NULL */  \
        const real *delta_bias;          /* (D) or NULL */                                       \
        const real *A;                   /* (D, N): A, or A_log under SK_SCAN_A_NEG_EXP */       \
        const real *A_imag;              /* (D, N) imaginary part, iff SK_SCAN_COMPLEX */        \
        const real *B;                   /* (b, L, ldb): B[i,t,n] = B[(i*L+t)*ldb + n] */         \
        const real *C;                   /* (b, L, ldc) */                                       \
        int64_t ldb, ldc;                                                                        \
        const real *D;                   /* (D) or NULL */                                       \
        const real *z;                   /* (b, L, ldz) or NULL */                               \
        int64_t ldz;                                                                             \
        const uint8_t *reset;            /* (b, L) or NULL; nonzero: h = 0 before position t */  \
        const real *h0;                  /* (b, D, N[,2]) initial state or NULL (zeros) */       \
        /* forward outputs */                                                                    \
        real *out;                       /* (b, L, D) */                                         \
        real *hT;                        /* (b, D, N) final state or NULL; may alias h0 */       \
        real *ckpt;                      /* (b, ceil(L/chunk), D, N) or NULL (no backward) */    \
        /* backward: inputs u..h0 and ckpt as in the forward, plus */                            \
        const real *dout;                /* (b, L, D) */                                         \
        const real *dhT;                 /* (b, D, N) or NULL (zeros) */                         \
        real *du, *ddelta;               /* (b, L, D), written */                                \
        real *dz;                        /* (b, L, ldz), written (needed iff z) */               \
        real *dB, *dC;                   /* (b, L, ldb) and (b, L, ldc), N columns written */    \
        real *dh0;                       /* (b, D, N) or NULL, written */                        \
        real *dA;                        /* (D, N), += */                                        \
        real *dA_imag;                   /* (D, N), += (iff SK_SCAN_COMPLEX) */                  \
        real *dD, *ddelta_bias;          /* (D), += (needed iff D / delta_bias) */               \
        /* scratch of the optimized backends (sk_scan_work_len), NULL = allocate per call */     \
        real *work;                                                                              \
        int64_t work_len;                                                                        \
    } sk_scan##S;

SK_DECLARE_SCAN(float, _f32)
SK_DECLARE_SCAN(double, _f64)

/* ---------------------------------------------------------------------------------------------
 * Causal depthwise conv1d (the short convolution ahead of a Mamba block's scan), per batch i, channel c, time t:
 *     pre[t] = bias[c] + sum_{k<W} w[c,k] * xin(t - (W-1) + k)       (w[c,W-1] hits x_t)
 *     out[t] = silu(pre[t]) if act == SK_ACT_SILU else pre[t]
 * where xin(s) = x[i,s,c] for s >= 0 and state_in[i, s+W-1, c] for s < 0 (zeros when state_in is
 * NULL), and xin(s) = 0 for s before the latest reset position r <= t (reset[i,r] != 0 starts a
 * new sequence at r). state_out receives the last W-1 inputs of the current sequence, oldest
 * first (the raw pre-conv x, as mamba_ssm's conv_state). A recurrent step is the forward with
 * len = 1 and state_out == state_in (aliasing is allowed: each channel reads before it writes).
 * Backward: given dout and dstate_out (NULL = 0), writes dx and dstate_in, adds dw and dbias.
 * ------------------------------------------------------------------------------------------- */
enum { SK_ACT_NONE = 0, SK_ACT_SILU = 1, SK_ACT_SOFTPLUS = 2, SK_ACT_GELU = 3 /* exact (erf) */ };

#define SK_DECLARE_CONV1D(real, S)                                                                \
    typedef struct sk_conv1d##S {                                                                \
        int64_t batch, len, dim, width;  /* b, L, D, W */                                        \
        int act;                         /* SK_ACT_NONE or SK_ACT_SILU */                        \
        const real *x;                   /* (b, L, ldx) */                                       \
        int64_t ldx;                                                                             \
        const real *w;                   /* (D, W) */                                            \
        const real *bias;                /* (D) or NULL */                                       \
        const uint8_t *reset;            /* (b, L) or NULL */                                    \
        const real *state_in;            /* (b, W-1, D) or NULL (zeros) */                       \
        real *out;                       /* (b, L, D) */                                         \
        real *state_out;                 /* (b, W-1, D) or NULL; may alias state_in */           \
        const real *dout;                /* (b, L, D) */                                         \
        const real *dstate_out;          /* (b, W-1, D) or NULL */                               \
        real *dx;                        /* (b, L, ldx), D columns written */                    \
        real *dw;                        /* (D, W), += */                                        \
        real *dbias;                     /* (D), += (needed iff bias) */                         \
        real *dstate_in;                 /* (b, W-1, D) or NULL, written */                      \
    } sk_conv1d##S;

SK_DECLARE_CONV1D(float, _f32)
SK_DECLARE_CONV1D(double, _f64)

/* ---------------------------------------------------------------------------------------------
 * Argument checks (kernels/sk_ops_check.c), shared by the reference, the optimized CPU and the
 * CUDA versions so every backend rejects the same calls with the same message: flags, sizes and
 * required pointers (bwd: the backward's); no pointer is dereferenced. 0 or an sk_error code.
 * ------------------------------------------------------------------------------------------- */
int sk_scan_check_f32(const sk_scan_f32 *p, int bwd);
int sk_scan_check_f64(const sk_scan_f64 *p, int bwd);
int sk_conv1d_check_f32(const sk_conv1d_f32 *p, int bwd);
int sk_conv1d_check_f64(const sk_conv1d_f64 *p, int bwd);
/* the activation kind of act_fwd / act_bwd (SK_ACT_SILU, _SOFTPLUS or _GELU) */
int sk_act_check(int kind);

#ifdef __cplusplus
}
#endif
#endif
