/* sk_cpu.h — the CPU kernels (kernels/cpu/), for the CPU backend table and for tests.
 *
 * Every op's reference is written once over a `real` type in kernels/cpu/<op>_ref.inc and
 * compiled twice (kernels/cpu/sk_instantiate.h; defined under both full names, e.g.
 * sk_rmsnorm_fwd_f32 and sk_rmsnorm_fwd_f64): `_f64` is the oracle used by tests (and by
 * central finite differences), `_f32` is the library version where no faster one exists.
 * Optimized fp32 versions (GEMM, selective scan) are tested against the `_f64` reference.
 * Semantics, shapes and the gradient convention of each op are documented at its declaration;
 * all sizes are int64_t and row-major. Status: 0 ok, negative sk_error code with a message.
 */
#ifndef SK_CPU_H
#define SK_CPU_H

#include <stddef.h>
#include <stdint.h>
#include "kernels/sk_ops.h"
#include "src/sk_error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SK_CPU_DECLARE(real, S)                                                                   \
    /* C = alpha * op(A) @ op(B) + beta * C, row-major; op(A) is (M, K), op(B) is (K, N);       \
     * op(X) = X^T when tX. Naive loops (the reference). */                                      \
    int sk_gemm_ref##S(int ta, int tb, int64_t M, int64_t N, int64_t K, real alpha,              \
                       const real *A, int64_t lda, const real *B, int64_t ldb, real beta,        \
                       real *C, int64_t ldc);                                                    \
    /* Selective scan, see sk_ops.h. Plain per-(batch, channel) loops; the backward recomputes   \
     * the whole sequence of states of one channel (L*N scratch per call), independent of ckpt. */\
    int sk_scan_fwd_ref##S(const sk_scan##S *p);                                                 \
    int sk_scan_bwd_ref##S(const sk_scan##S *p);                                                 \
    /* Causal depthwise conv1d (+ bias + SiLU), see sk_ops.h. Plain loops (the reference); the   \
     * backward recomputes the pre-activation per tap. */                                        \
    int sk_conv1d_fwd_ref##S(const sk_conv1d##S *p);                                             \
    int sk_conv1d_bwd_ref##S(const sk_conv1d##S *p);                                             \
    /* RMSNorm over the last axis: rstd[r] = 1/sqrt(mean_j x[r,j]^2 + eps),                      \
     * out[r,j] = x[r,j] * rstd[r] * w[j]. x, out: (rows, d); w: (d); rstd: (rows).              \
     * Backward: dx += rstd * (dout*w - xhat * mean_j(dout*w*xhat)), xhat = x*rstd (+=: the input  \
     * is the residual stream); dw[j] += sum_r dout[r,j] * xhat[r,j]. */                          \
    int sk_rmsnorm_fwd##S(real *out, real *rstd, const real *x, const real *w, int64_t rows,     \
                          int64_t d, real eps);                                                  \
    int sk_rmsnorm_bwd##S(real *dx, real *dw, const real *dout, const real *x, const real *w,    \
                          const real *rstd, int64_t rows, int64_t d);                            \
    /* Residual add + RMSNorm (the fused chain between two blocks): res_out = res + x, then       \
     * rstd and out as sk_rmsnorm_fwd of res_out, one pass per row. res, x, res_out, out:        \
     * (rows, d), all written (=); res_out may alias res (in place), nothing else aliases. The     \
     * results equal sk_axpy then sk_rmsnorm_fwd bit for bit. The backward is sk_rmsnorm_bwd: its  \
     * dx (+=) is the residual stream's gradient, which is also the gradient of x. */            \
    int sk_add_rmsnorm_fwd##S(real *res_out, real *out, real *rstd, const real *res,            \
                              const real *x, const real *w, int64_t rows, int64_t d, real eps);  \
    /* Elementwise activation (SK_ACT_SILU, _SOFTPLUS or _GELU, sk_scalar.h): out = f(x);          \
     * backward dx = dout * f'(x) (written). (n) each; out may alias x. */                       \
    int sk_act_fwd##S(real *out, const real *x, int64_t n, int kind);                            \
    int sk_act_bwd##S(real *dx, const real *dout, const real *x, int64_t n, int kind);           \
    /* Embedding: out[r,:] = W[tok[r],:]; backward dW[tok[r],:] += dout[r,:].                    \
     * tok: (rows) in [0, V) (checked: SK_EINVAL); W, dW: (V, d); out, dout: (rows, d). */        \
    int sk_embed_fwd##S(real *out, const int32_t *tok, const real *W, int64_t rows, int64_t V,   \
                        int64_t d);                                                              \
    int sk_embed_bwd##S(real *dW, const int32_t *tok, const real *dout, int64_t rows, int64_t V, \
                        int64_t d);                                                              \
    /* Softmax cross-entropy per row: loss[r] = logsumexp(logits[r,:]) - logits[r, tgt[r]], and   \
     * (if dlogits) dlogits[r,:] = scale * (softmax(logits[r,:]) - onehot(tgt[r])). Rows with     \
     * tgt[r] == ignore_index get loss 0 and zero gradient; other targets must be in [0, V)       \
     * (SK_EINVAL). logits, dlogits: (rows, V) (dlogits may alias logits); loss: (rows). For the  \
     * mean loss over n valid rows use scale = 1/n. */                                            \
    int sk_xent##S(real *loss, real *dlogits, const real *logits, const int32_t *tgt,            \
                   int64_t rows, int64_t V, int32_t ignore_index, real scale);                   \
    /* AdamW (PyTorch torch.optim.AdamW, decoupled decay), step t >= 1:                           \
     * p -= lr*wd*p; m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2;                                  \
     * p -= lr * (m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps).  p, g, m, v: (n). */                    \
    int sk_adamw##S(real *p, const real *g, real *m, real *v, int64_t n, real lr, real b1,       \
                    real b2, real eps, real wd, int64_t t);                                      \
    /* S4D ZOH fold (s4d_ref.inc): dt = exp(log_dt), Bz = B (exp(dt A) - 1) / (dt A),           \
     * A = -exp(A_log) + i A_imag (A_imag NULL: real). log_dt, dt: (D); A_log, A_imag: (D, N);   \
     * B, Bz: (D, N, K), K = 2 when complex. Backward adds (+=) into dlog_dt, dA_log, dA_imag,   \
     * dB from ddt (D) and dBz (D, N, K). */                                                     \
    int sk_s4d_zoh_fwd##S(real *dt, real *Bz, const real *log_dt, const real *A_log,            \
                          const real *A_imag, const real *B, int64_t D, int64_t N);              \
    int sk_s4d_zoh_bwd##S(real *dlog_dt, real *dA_log, real *dA_imag, real *dB, const real *ddt, \
                          const real *dBz, const real *log_dt, const real *A_log,               \
                          const real *A_imag, const real *B, int64_t D, int64_t N);              \
    /* GLU (glu_ref.inc): out (rows, H) = x[:, :H] * sigmoid(x[:, H:]), x (rows, 2H);             \
     * backward writes dx (rows, 2H). */                                                         \
    int sk_glu_fwd##S(real *out, const real *x, int64_t rows, int64_t H);                       \
    int sk_glu_bwd##S(real *dx, const real *dout, const real *x, int64_t rows, int64_t H);

SK_CPU_DECLARE(float, _f32)
SK_CPU_DECLARE(double, _f64)

/* ---- fp32 versions the CPU backend uses beside the references above ---- */
/* y[i] += a * x[i], i < n (axpy.c) */
int sk_axpy_f32(float *y, const float *x, float a, int64_t n);
/* GEMM: sk_gemm_rows_f32 for few rows of A B^T; else cblas_sgemm when built with SSMKIT_HAVE_BLAS,
 * else sk_gemm_blocked_f32. */
int sk_gemm_f32(int ta, int tb, int64_t M, int64_t N, int64_t K, float alpha, const float *A,
                int64_t lda, const float *B, int64_t ldb, float beta, float *C, int64_t ldc);
/* C = alpha A B^T + beta C for few rows (M <= SK_GEMM_ROWS_MAX; sk_gemm_f32 routes those here):
 * vectorized row dot products on one thread, for the linear layers of a recurrent step. */
#define SK_GEMM_ROWS_MAX 4
int sk_gemm_rows_f32(int64_t M, int64_t N, int64_t K, float alpha, const float *A, int64_t lda, const float *B,
                     int64_t ldb, float beta, float *C, int64_t ldc);
/* Built-in cache-blocked GEMM with OpenMP over rows (always compiled, tested in every build). */
int sk_gemm_blocked_f32(int ta, int tb, int64_t M, int64_t N, int64_t K, float alpha,
                        const float *A, int64_t lda, const float *B, int64_t ldb, float beta,
                        float *C, int64_t ldc);
/* Selective scan (every flag of sk_ops.h: real/complex, variable/constant B and C, delta or
 * per-channel delta): OpenMP over groups of blocks of SK_SCAN_VW channels (batch loop inside, so
 * dA/dD and constant dB/dC are owned by one thread), each block's 16 channels updated as one
 * vector; the backward recomputes states chunk by chunk from ckpt and reduces variable dB/dC over
 * threads in scratch. Uses p->work (sk_scan_work_len_f32 floats) or allocates it per call when
 * p->work is NULL. Results are deterministic for a given thread count. */
#define SK_SCAN_VW 16 /* = SK_VLANES of kernels/cpu/sk_vmath.h */
int sk_scan_fwd_f32(const sk_scan_f32 *p);
int sk_scan_bwd_f32(const sk_scan_f32 *p);
/* The backward's numbered versions (kernels/README.md §Kernel lab); sk_scan_bwd_f32 runs the last. */
#define SK_SCAN_BWD_VERSIONS 4
int sk_scan_bwd_version_f32(const sk_scan_f32 *p, int version);
/* Scratch elements the optimized scan needs for `nthreads` threads (forward and backward), and
 * for the threads OpenMP would use now (the backend's scan_work_len). */
int64_t sk_scan_work_len_nth_f32(const sk_scan_f32 *p, int nthreads);
int64_t sk_scan_work_len_f32(const sk_scan_f32 *p);

/* Causal depthwise conv1d + bias + SiLU in one pass (conv1d.c): blocks of SK_VLANES channels
 * as vectors; the backward recomputes the pre-activation, reads x and dout once and writes dx
 * once; dw/dbias per channel have one owner (same result for every thread count). */
int sk_conv1d_fwd_f32(const sk_conv1d_f32 *p);
int sk_conv1d_bwd_f32(const sk_conv1d_f32 *p);

/* One lane of the vector exp / softplus of sk_vmath.h (for tests against libm). */
float sk_vexpf_test(float x);
float sk_vsoftplusf_test(float x);
void sk_vsincosf_test(float x, float *s, float *c);

#ifdef __cplusplus
}
#endif
#endif
