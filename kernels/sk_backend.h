/* sk_backend.h — the backend seam: a per-op dispatch table chosen at run time (--device).
 *
 * models/ calls kernels only through an sk_backend table, so the same model code runs on the
 * CPU and on CUDA. Memory for a backend comes from its `alloc`; models treat those pointers as
 * opaque handles (they never dereference them) and move data across the edge only with
 * `upload`/`download`. Every op has the same argument list on every backend (CUDA ops run on the
 * backend's stream); each returns a status (0 ok, negative error with a message, sk_error.h).
 *
 * Adding an op: write the CPU reference in kernels/cpu (with its float64 twin for tests), add a
 * slot here, fill it in kernels/cpu/backend_cpu.c, then in kernels/cuda, and compare the two in
 * tests (the `gpu` label).
 */
#ifndef SK_BACKEND_H
#define SK_BACKEND_H

#include <stddef.h>
#include <stdint.h>
#include "kernels/sk_ops.h"
#include "src/sk_error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum sk_device { SK_DEVICE_CPU = 0, SK_DEVICE_CUDA = 1 } sk_device;

typedef struct sk_backend {
    const char *name;                 /* "cpu" or "cuda" */
    sk_device device;
    /* ---- memory ---- */
    int (*alloc)(void **p, size_t bytes);                       /* zero-filled */
    void (*free)(void *p);
    int (*upload)(void *dst, const void *src, size_t bytes);    /* host -> backend */
    int (*download)(void *dst, const void *src, size_t bytes);  /* backend -> host */
    int (*sync)(void);
    int (*memzero)(void *p, size_t bytes);
    int (*copy)(void *dst, const void *src, size_t bytes);     /* backend -> backend */
    /* ---- ops (fp32; semantics, shapes and the += / = convention: kernels/cpu/sk_cpu.h and
     * kernels/sk_ops.h; a NULL slot is an op this backend does not have yet) ---- */
    /* y[i] += a * x[i], i < n.   x, y: (n) */
    int (*axpy)(float *y, const float *x, float a, int64_t n);
    /* C = alpha op(A) op(B) + beta C, row-major (sk_gemm_f32) */
    int (*gemm)(int ta, int tb, int64_t M, int64_t N, int64_t K, float alpha, const float *A, int64_t lda,
                const float *B, int64_t ldb, float beta, float *C, int64_t ldc);
    int (*scan_fwd)(const sk_scan_f32 *p);
    int (*scan_bwd)(const sk_scan_f32 *p);
    /* scratch elements scan_fwd/scan_bwd want in p->work for problems of p's size */
    int64_t (*scan_work_len)(const sk_scan_f32 *p);
    int (*conv1d_fwd)(const sk_conv1d_f32 *p);
    int (*conv1d_bwd)(const sk_conv1d_f32 *p);
    int (*rmsnorm_fwd)(float *out, float *rstd, const float *x, const float *w, int64_t rows, int64_t d, float eps);
    int (*rmsnorm_bwd)(float *dx, float *dw, const float *dout, const float *x, const float *w, const float *rstd,
                       int64_t rows, int64_t d);
    int (*act_fwd)(float *out, const float *x, int64_t n, int kind);
    int (*act_bwd)(float *dx, const float *dout, const float *x, int64_t n, int kind);
    /* tok, tgt: backend memory (int32) */
    int (*embed_fwd)(float *out, const int32_t *tok, const float *W, int64_t rows, int64_t V, int64_t d);
    int (*embed_bwd)(float *dW, const int32_t *tok, const float *dout, int64_t rows, int64_t V, int64_t d);
    int (*xent)(float *loss, float *dlogits, const float *logits, const int32_t *tgt, int64_t rows, int64_t V,
                int32_t ignore_index, float scale);
    int (*adamw)(float *p, const float *g, float *m, float *v, int64_t n, float lr, float b1, float b2, float eps,
                 float wd, int64_t t);
    /* S4D ZOH fold into the scan's constant B, and GLU (sk_cpu.h: sk_s4d_zoh_*, sk_glu_*) */
    int (*s4d_zoh_fwd)(float *dt, float *Bz, const float *log_dt, const float *A_log, const float *A_imag,
                       const float *B, int64_t D, int64_t N);
    int (*s4d_zoh_bwd)(float *dlog_dt, float *dA_log, float *dA_imag, float *dB, const float *ddt, const float *dBz,
                       const float *log_dt, const float *A_log, const float *A_imag, const float *B, int64_t D,
                       int64_t N);
    int (*glu_fwd)(float *out, const float *x, int64_t rows, int64_t H);
    int (*glu_bwd)(float *dx, const float *dout, const float *x, int64_t rows, int64_t H);
} sk_backend;

/* Names of the op slots, in declaration order, and a check that the named ones are present:
 * returns SK_EUNSUP "op NAME is not implemented on BACKEND yet" for the first NULL one. */
int sk_backend_require(const sk_backend *be, const char *const *ops, int n) SK_RESULT_USED;
/* Every op slot of sk_backend (for listing and for sk_backend_require on "all"). */
int sk_backend_op_count(void);
const char *sk_backend_op_name(int i);
/* The CPU backend (always available). */
const sk_backend *sk_backend_cpu(void);
/* "cpu" or "cuda". Asking for cuda in a build without CUDA, or on a machine without a usable
 * GPU, returns SK_ENODEV with a message saying which. */
int sk_backend_get(const char *name, const sk_backend **out) SK_RESULT_USED;
/* Number of usable CUDA devices; 0 when CUDA is not built or any CUDA error occurs (without a
 * driver cudaGetDeviceCount returns cudaErrorInsufficientDriver = 35, not 100). */
int sk_cuda_device_count(void);
/* 1 if this build contains the CUDA backend. */
int sk_cuda_built(void);
/* Data parallelism (src/sk_dist.h) on backend `be`, after sk_dist_init and before any model
 * memory is allocated: on CUDA with NCCL built and more than one rank, selects this rank's GPU
 * (local rank modulo the node's GPUs) and registers the NCCL all-reduce; otherwise nothing
 * (device gradients are then reduced through host memory over MPI). sk_backend_dist_teardown
 * releases the NCCL communicator. */
int sk_backend_dist_setup(const sk_backend *be) SK_RESULT_USED;
void sk_backend_dist_teardown(void);

#ifdef __cplusplus
}
#endif
#endif
