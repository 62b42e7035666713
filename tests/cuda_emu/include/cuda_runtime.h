// cuda_runtime.h of the CPU emulator (tests/cuda_emu): just enough of the CUDA runtime and device
// language for kernels/cuda/*.cu to compile as C++ and run on the host, so that the CUDA backend's
// kernels are EXECUTED (indexing, reductions, barriers, passes, strides) on a machine without a
// GPU. Not a model of the hardware: blocks run one after another; the threads of a block are
// fibers that switch only at __syncthreads and warp shuffles, in orders that vary between blocks
// and passes (SSMKIT_EMU_ORDERS), so a missing barrier changes results; launches beyond the
// device's limits are refused. cuda_emu.cpp says how.
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
// Blocks run one at a time: a static array is the block's shared memory. All of them live in one
// section, which the emulator poisons before every block and counts against the per-block limit.
#define __shared__ static __attribute__((section("sk_emu_shared")))

struct dim3 {
    unsigned x, y, z;
    dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};
extern dim3 threadIdx, blockIdx, blockDim, gridDim;

typedef enum cudaError {
    cudaSuccess = 0, cudaErrorInvalidValue = 1, cudaErrorMemoryAllocation = 2, cudaErrorInvalidConfiguration = 9
} cudaError_t;
typedef enum cudaMemcpyKind {
    cudaMemcpyHostToHost = 0, cudaMemcpyHostToDevice = 1, cudaMemcpyDeviceToHost = 2, cudaMemcpyDeviceToDevice = 3
} cudaMemcpyKind;
typedef enum cudaDeviceAttr { cudaDevAttrMultiProcessorCount = 16 } cudaDeviceAttr;
typedef enum cudaFuncAttribute { cudaFuncAttributeMaxDynamicSharedMemorySize = 8 } cudaFuncAttribute;
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
cudaError_t sk_emu_func_set_attribute(const void *fn, cudaFuncAttribute attr, int value);
template <class F> cudaError_t cudaFuncSetAttribute(F *fn, cudaFuncAttribute attr, int value) {
    return sk_emu_func_set_attribute((const void *)fn, attr, value);
}

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
// Run grid x block threads of `body` (which reads threadIdx / blockIdx / blockDim / gridDim), as
// the device would run kernel `fn` (named `name` in messages) with `dyn_shared` bytes of dynamic
// shared memory; a launch the device would refuse sets the error cudaGetLastError returns.
void sk_emu_launch(const char *name, const void *fn, dim3 grid, dim3 block, size_t dyn_shared,
                   const std::function<void()> &body);
// Thread orders (cuda_emu.cpp): set from a list such as "forward,reverse,shuffle:7" (0, or -1 for
// a bad list); the current list (SSMKIT_EMU_ORDERS, else the default).
extern "C" int sk_emu_set_orders(const char *spec);
extern "C" const char *sk_emu_orders(void);

#endif
