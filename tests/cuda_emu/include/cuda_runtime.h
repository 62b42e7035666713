// cuda_runtime.h of the CPU emulator (tests/cuda_emu): just enough of the CUDA runtime and device
// language for kernels/cuda/*.cu to compile as C++ and run on the host, so that the CUDA backend's
// kernels are EXECUTED (indexing, reductions, barriers, passes, strides) on a machine without a
// GPU. Not a model of the hardware: blocks run one after another; the threads of a block are
// cooperative fibers that switch only at __syncthreads and warp shuffles, so races cannot show.
// Memory is host memory; every call succeeds unless it is handed something impossible.
#ifndef SK_CUDA_EMU_RUNTIME_H
#define SK_CUDA_EMU_RUNTIME_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <functional>

#define SK_CUDA_EMU 1
#define __global__ static
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __shared__ static   // blocks run one at a time: a static array is the block's shared memory

struct dim3 {
    unsigned x, y, z;
    dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};
extern dim3 threadIdx, blockIdx, blockDim, gridDim;

typedef enum cudaError { cudaSuccess = 0, cudaErrorMemoryAllocation = 2, cudaErrorInvalidValue = 1 } cudaError_t;
typedef enum cudaMemcpyKind {
    cudaMemcpyHostToHost = 0, cudaMemcpyHostToDevice = 1, cudaMemcpyDeviceToHost = 2, cudaMemcpyDeviceToDevice = 3
} cudaMemcpyKind;
typedef enum cudaDeviceAttr { cudaDevAttrMultiProcessorCount = 16 } cudaDeviceAttr;
typedef struct sk_emu_stream *cudaStream_t;
#define cudaStreamNonBlocking 1

cudaError_t cudaGetDeviceCount(int *n);
cudaError_t cudaGetDevice(int *d);
cudaError_t cudaDeviceGetAttribute(int *v, cudaDeviceAttr a, int dev);
const char *cudaGetErrorString(cudaError_t e);
cudaError_t cudaGetLastError(void);
cudaError_t cudaStreamCreateWithFlags(cudaStream_t *s, unsigned flags);
cudaError_t cudaStreamSynchronize(cudaStream_t s);
cudaError_t cudaMalloc(void **p, size_t bytes);
cudaError_t cudaFree(void *p);
cudaError_t cudaMallocAsync(void **p, size_t bytes, cudaStream_t s);
cudaError_t cudaFreeAsync(void *p, cudaStream_t s);
cudaError_t cudaMemsetAsync(void *p, int v, size_t bytes, cudaStream_t s);
cudaError_t cudaMemcpyAsync(void *dst, const void *src, size_t bytes, cudaMemcpyKind k, cudaStream_t s);
cudaError_t cudaMemcpy(void *dst, const void *src, size_t bytes, cudaMemcpyKind k);

// ---- device side ----
void __syncthreads(void);
float __shfl_xor_sync(unsigned mask, float v, int lane_mask);
inline float atomicAdd(float *p, float v) {
    float old = *p;
    *p = old + v;
    return old;
}
inline unsigned long long atomicMin(unsigned long long *p, unsigned long long v) {
    unsigned long long old = *p;
    if (v < old) *p = v;
    return old;
}
// Run grid x block threads of `body` (which reads threadIdx / blockIdx / blockDim / gridDim).
void sk_emu_launch(dim3 grid, dim3 block, const std::function<void()> &body);

#endif
