// sk_cuda.h — internals shared by the CUDA backend's files (kernels/cuda/*.cu, C++ only):
// the backend's stream and cuBLAS handle, launch-size helpers, deterministic warp/block
// reductions, and the launchers that kernels/cuda/backend_cuda.cu puts in the sk_backend table.
//
// Conventions of every file here: the launchers take exactly the arguments of the op's row in
// kernels/sk_ops.def (semantics: kernels/sk_ops.h, kernels/cpu/sk_cpu.h), run on
// sk_cuda_stream(), check every CUDA/cuBLAS call (SK_CUDA / SK_CUBLAS) and every launch
// (SK_CUDA_LAUNCHED), and index with int64_t. Kernels use grid-stride loops (SK_GRID_LOOP), so
// any element count fits the grid limits.
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
// blocks one after another with cooperative threads, and refuses what the device refuses.
#ifdef SK_CUDA_EMU
#define SK_LAUNCH(kern, grid, block, ...) \
    sk_emu_launch(#kern, (const void *)(kern), dim3(grid), dim3(block), 0, [=] { kern(__VA_ARGS__); })
#else
#define SK_LAUNCH(kern, grid, block, ...) kern<<<grid, block, 0, sk_cuda_stream()>>>(__VA_ARGS__)
#endif

// A grid-stride loop: every thread of the grid takes items e, e + (all threads), ... below n.
#define SK_GRID_LOOP(e, n) \
    for (int64_t e = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; e < (n); e += (int64_t)gridDim.x * blockDim.x)

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

// ---- launchers: sk_cu_NAME for every row NAME of the op list (one .cu file per op family) ----
#define SK_OP(name, groups, ret, params) ret sk_cu_##name params;
#include "kernels/sk_ops.def"

#endif
