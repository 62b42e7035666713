// backend_cuda.cu — the CUDA backend's dispatch table: device memory on one stream and the CUDA
// versions of the ops (same arguments as kernels/cpu). Only built when SSMKIT_HAVE_CUDA.
#include <stdio.h>
#include "kernels/cuda/sk_cuda_check.h"
#include "kernels/sk_backend.h"

static cudaStream_t sk_stream = 0;

extern "C" int sk_cuda_probe(char *why, size_t n) {
    int count = 0;
    cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess) {   // any error means "no GPU" (35 without a driver, 100 without devices)
        snprintf(why, n, "cudaGetDeviceCount: %s", cudaGetErrorString(e));
        cudaGetLastError();   // clear the sticky error
        return 0;
    }
    if (count == 0) snprintf(why, n, "no CUDA devices");
    return count;
}

static int cu_alloc(void **p, size_t bytes) {
    *p = NULL;
    if (!bytes) return SK_OK;
    SK_CUDA(cudaMalloc(p, bytes));
    SK_CUDA(cudaMemsetAsync(*p, 0, bytes, sk_stream));
    return SK_OK;
}
static void cu_free(void *p) {
    if (p) cudaFree(p);
}
static int cu_upload(void *dst, const void *src, size_t bytes) {
    SK_CUDA(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, sk_stream));
    SK_CUDA(cudaStreamSynchronize(sk_stream));
    return SK_OK;
}
static int cu_download(void *dst, const void *src, size_t bytes) {
    SK_CUDA(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, sk_stream));
    SK_CUDA(cudaStreamSynchronize(sk_stream));
    return SK_OK;
}
static int cu_sync(void) {
    SK_CUDA(cudaStreamSynchronize(sk_stream));
    return SK_OK;
}

// y[i] += a * x[i]; 64-bit grid-stride loop.
__global__ void axpy_kernel(float *y, const float *x, float a, int64_t n) {
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x)
        y[i] += a * x[i];
}
static int cu_axpy(float *y, const float *x, float a, int64_t n) {
    if (n <= 0) return SK_OK;
    int64_t blocks = (n + 255) / 256;
    axpy_kernel<<<(unsigned)(blocks < 65535 ? blocks : 65535), 256, 0, sk_stream>>>(y, x, a, n);
    SK_CUDA_LAUNCHED();
    return SK_OK;
}

static int cu_memzero(void *p, size_t bytes) {
    if (bytes) SK_CUDA(cudaMemsetAsync(p, 0, bytes, sk_stream));
    return SK_OK;
}
static int cu_copy(void *dst, const void *src, size_t bytes) {
    if (bytes) SK_CUDA(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, sk_stream));
    return SK_OK;
}

// Slots are assigned by name (nvcc's C++ has no designated initializers before C++20), so adding
// an op to sk_backend never shifts the others. Ops not written for CUDA yet stay NULL; model
// creation reports them with sk_backend_require ("op X is not implemented on cuda yet").
static sk_backend cuda_backend;
static void cuda_backend_init(void) {
    cuda_backend.name = "cuda";
    cuda_backend.device = SK_DEVICE_CUDA;
    cuda_backend.alloc = cu_alloc;
    cuda_backend.free = cu_free;
    cuda_backend.upload = cu_upload;
    cuda_backend.download = cu_download;
    cuda_backend.sync = cu_sync;
    cuda_backend.memzero = cu_memzero;
    cuda_backend.copy = cu_copy;
    cuda_backend.axpy = cu_axpy;
}

extern "C" const sk_backend *sk_backend_cuda(void) {
    static int ready = 0;
    if (!ready) cuda_backend_init(), ready = 1;
    return &cuda_backend;
}
