// sk_cuda.h — internals shared by the CUDA backend's files (kernels/cuda/*.cu, C++ only):
// the backend's stream and cuBLAS handle, launch-size helpers, deterministic warp/block
// reductions, and the launchers that kernels/cuda/backend_cuda.cu puts in the sk_backend table.
//
// Conventions of every file here: the launchers take exactly the arguments of the CPU op
// (kernels/cpu/sk_cpu.h, kernels/sk_ops.h), run on sk_cuda_stream(), check every CUDA/cuBLAS
// call (SK_CUDA / SK_CUBLAS) and every launch (SK_CUDA_LAUNCHED), and index with int64_t.
// Kernels use grid-stride loops, so any element count fits the grid limits.
#ifndef SK_CUDA_H
#define SK_CUDA_H

#include <math.h>
#include <stdint.h>
#include "kernels/cuda/sk_cuda_check.h"
#include "kernels/sk_backend.h"

// ---- the backend's stream, scratch and cuBLAS (backend_cuda.cu, gemm.cu) ----
cudaStream_t sk_cuda_stream(void);
// Temporary device memory for one call, stream-ordered (cudaMallocAsync / cudaFreeAsync).
int sk_cuda_scratch_alloc(void **p, size_t bytes);
int sk_cuda_scratch_free(void *p);
// Wait for the stream (host buffers handed to async copies must outlive them); status.
int sk_cuda_sync_status(void);
// Number of multiprocessors of the current device (1 if it cannot be read).
int sk_cuda_sm_count(void);

// Launch a kernel on the backend's stream (always followed by SK_CUDA_LAUNCHED()). Under the CPU
// emulator of tests/cuda_emu (SK_CUDA_EMU, a test build: no nvcc) the launch runs the kernel's
// blocks one after another with cooperative threads.
#ifdef SK_CUDA_EMU
#define SK_LAUNCH(kern, grid, block, ...) sk_emu_launch(dim3(grid), dim3(block), [=] { kern(__VA_ARGS__); })
#else
#define SK_LAUNCH(kern, grid, block, ...) kern<<<grid, block, 0, sk_cuda_stream()>>>(__VA_ARGS__)
#endif

// Blocks for a grid-stride loop over n items with `threads` per block: enough to fill the GPU
// several times over, never more than the grid limit.
static inline unsigned sk_cuda_blocks(int64_t n, int threads) {
    int64_t b = (n + threads - 1) / threads, cap = (int64_t)sk_cuda_sm_count() * 32;
    if (b > cap) b = cap;
    return (unsigned)(b < 1 ? 1 : b);
}

// First row whose index (device int32) is outside [0, V) and not equal to `ignore` (the
// cross-entropy ignore index; SK_CUDA_NO_IGNORE for none), or -1 in *bad_row. Synchronizes.
#define SK_CUDA_NO_IGNORE INT64_MIN
int sk_cuda_first_bad_index(const int32_t *idx, int64_t rows, int64_t V, int64_t ignore, int64_t *bad_row,
                            int32_t *bad_value);

// ---- deterministic reductions (fixed order: results do not depend on timing) ----
__device__ __forceinline__ float sk_warp_sum(float v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;   // every lane holds the sum
}
__device__ __forceinline__ float sk_warp_max(float v) {
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}
// Sum (or max) over a block of SK_CUDA_RED threads; every thread gets the result. `sh` is
// __shared__ float[SK_CUDA_RED / 32]. Contains __syncthreads: call from all threads.
#define SK_CUDA_RED 256
__device__ __forceinline__ float sk_block_reduce(float v, float *sh, int is_max) {
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    v = is_max ? sk_warp_max(v) : sk_warp_sum(v);
    __syncthreads();   // sh may still be read by a previous reduction
    if (lane == 0) sh[warp] = v;
    __syncthreads();
    v = lane < SK_CUDA_RED / 32 ? sh[lane] : (is_max ? -INFINITY : 0.0f);
    return is_max ? sk_warp_max(v) : sk_warp_sum(v);
}

// ---- launchers (one .cu file per op family) ----
int sk_cu_gemm(int ta, int tb, int64_t M, int64_t N, int64_t K, float alpha, const float *A, int64_t lda,
               const float *B, int64_t ldb, float beta, float *C, int64_t ldc);
int sk_cu_scan_fwd(const sk_scan_f32 *p);
int sk_cu_scan_bwd(const sk_scan_f32 *p);
int64_t sk_cu_scan_work_len(const sk_scan_f32 *p);
int sk_cu_conv1d_fwd(const sk_conv1d_f32 *p);
int sk_cu_conv1d_bwd(const sk_conv1d_f32 *p);
int sk_cu_rmsnorm_fwd(float *out, float *rstd, const float *x, const float *w, int64_t rows, int64_t d, float eps);
int sk_cu_rmsnorm_bwd(float *dx, float *dw, const float *dout, const float *x, const float *w, const float *rstd,
                      int64_t rows, int64_t d);
int sk_cu_act_fwd(float *out, const float *x, int64_t n, int kind);
int sk_cu_act_bwd(float *dx, const float *dout, const float *x, int64_t n, int kind);
int sk_cu_embed_fwd(float *out, const int32_t *tok, const float *W, int64_t rows, int64_t V, int64_t d);
int sk_cu_embed_bwd(float *dW, const int32_t *tok, const float *dout, int64_t rows, int64_t V, int64_t d);
int sk_cu_xent(float *loss, float *dlogits, const float *logits, const int32_t *tgt, int64_t rows, int64_t V,
               int32_t ignore_index, float scale);
int sk_cu_adamw(float *p, const float *g, float *m, float *v, int64_t n, float lr, float b1, float b2, float eps,
                float wd, int64_t t);
int sk_cu_axpy(float *y, const float *x, float a, int64_t n);
int sk_cu_glu_fwd(float *out, const float *x, int64_t rows, int64_t H);
int sk_cu_glu_bwd(float *dx, const float *dout, const float *x, int64_t rows, int64_t H);
int sk_cu_s4d_zoh_fwd(float *dt, float *Bz, const float *log_dt, const float *A_log, const float *A_imag,
                      const float *B, int64_t D, int64_t N);
int sk_cu_s4d_zoh_bwd(float *dlog_dt, float *dA_log, float *dA_imag, float *dB, const float *ddt, const float *dBz,
                      const float *log_dt, const float *A_log, const float *A_imag, const float *B, int64_t D,
                      int64_t N);

#endif
