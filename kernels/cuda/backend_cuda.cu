// backend_cuda.cu — the CUDA backend's dispatch table: device memory on one stream, the shared
// helpers of sk_cuda.h, and the table of CUDA ops (one .cu file per op family, same arguments as
// kernels/cpu). Only built when SSMKIT_HAVE_CUDA.
#include <stdio.h>
#include "kernels/cuda/sk_cuda.h"
#include "src/sk_error.h"

// One non-blocking stream for everything the backend does (NCCL's all-reduce included), created at
// its first use: after sk_backend_dist_setup has chosen this rank's GPU (a stream belongs to the
// device current at its creation). The legacy default stream if creation fails, which overlaps
// less but is equally correct.
static cudaStream_t sk_stream = 0;
cudaStream_t sk_cuda_stream(void) {
    static int ready = 0;
    if (!ready) {
        ready = 1;
        if (cudaStreamCreateWithFlags(&sk_stream, cudaStreamNonBlocking) != cudaSuccess) {
            sk_stream = 0;
            cudaGetLastError();
            sk_log_warn("cuda: cannot create a stream; using the default stream");
        }
    }
    return sk_stream;
}

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

int sk_cuda_sm_count(void) {
    static int sms = 0;
    if (!sms) {
        int dev = 0, v = 0;
        if (cudaGetDevice(&dev) == cudaSuccess && cudaDeviceGetAttribute(&v, cudaDevAttrMultiProcessorCount, dev) == cudaSuccess && v > 0)
            sms = v;
        else
            sms = 1, cudaGetLastError();
    }
    return sms;
}

int sk_cuda_scratch_alloc(void **p, size_t bytes) {
    *p = NULL;
    if (bytes) SK_CUDA(cudaMallocAsync(p, bytes, sk_cuda_stream()));
    return SK_OK;
}
int sk_cuda_scratch_free(void *p) {
    if (p) SK_CUDA(cudaFreeAsync(p, sk_cuda_stream()));
    return SK_OK;
}

// ---- index validation (embedding tokens, cross-entropy targets) ----
__global__ void first_bad_kernel(const int32_t *idx, int64_t rows, int64_t V, int64_t ignore,
                                 unsigned long long *first) {
    SK_GRID_LOOP(r, rows) {
        int32_t v = idx[r];
        if ((int64_t)v != ignore && (v < 0 || v >= V)) atomicMin(first, (unsigned long long)r);
    }
}
int sk_cuda_first_bad_index(const int32_t *idx, int64_t rows, int64_t V, int64_t ignore, int64_t *bad_row,
                            int32_t *bad_value) {
    *bad_row = -1, *bad_value = 0;
    if (rows <= 0) return SK_OK;
    unsigned long long *first = NULL, host = ~0ull;
    int rc = sk_cuda_scratch_alloc((void **)&first, sizeof *first);
    if (rc) return rc;
    SK_CUDA(cudaMemcpyAsync(first, &host, sizeof host, cudaMemcpyHostToDevice, sk_cuda_stream()));
    SK_LAUNCH(first_bad_kernel, sk_cuda_blocks(rows, 256), 256, idx, rows, V, ignore, first);
    SK_CUDA_LAUNCHED();
    SK_CUDA(cudaMemcpyAsync(&host, first, sizeof host, cudaMemcpyDeviceToHost, sk_cuda_stream()));
    if ((rc = sk_cuda_scratch_free(first))) return rc;
    SK_CUDA(cudaStreamSynchronize(sk_cuda_stream()));
    if (host != ~0ull) {
        *bad_row = (int64_t)host;
        SK_CUDA(cudaMemcpy(bad_value, idx + host, sizeof *bad_value, cudaMemcpyDeviceToHost));
    }
    return SK_OK;
}

// ---- memory ----
static int cu_alloc(void **p, size_t bytes) {
    *p = NULL;
    if (!bytes) return SK_OK;
    cudaError_t e = cudaMalloc(p, bytes);
    if (e != cudaSuccess) {
        *p = NULL;
        cudaGetLastError();
        return sk_error(SK_ENOMEM, "cannot allocate %.1f MiB of GPU memory (%s)", bytes / 1048576.0,
                        cudaGetErrorString(e));
    }
    SK_CUDA(cudaMemsetAsync(*p, 0, bytes, sk_cuda_stream()));
    return SK_OK;
}
static void cu_free(void *p) {
    if (p) cudaFree(p);   // synchronizes the device: no stream work can still use p
}
static int cu_upload(void *dst, const void *src, size_t bytes) {
    if (!bytes) return SK_OK;
    SK_CUDA(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, sk_cuda_stream()));
    SK_CUDA(cudaStreamSynchronize(sk_cuda_stream()));
    return SK_OK;
}
static int cu_download(void *dst, const void *src, size_t bytes) {
    if (!bytes) return SK_OK;
    SK_CUDA(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, sk_cuda_stream()));
    SK_CUDA(cudaStreamSynchronize(sk_cuda_stream()));
    return SK_OK;
}
int sk_cuda_sync_status(void) {
    SK_CUDA(cudaStreamSynchronize(sk_cuda_stream()));
    return SK_OK;
}
static int cu_sync(void) { return sk_cuda_sync_status(); }
static int cu_memzero(void *p, size_t bytes) {
    if (bytes) SK_CUDA(cudaMemsetAsync(p, 0, bytes, sk_cuda_stream()));
    return SK_OK;
}
static int cu_copy(void *dst, const void *src, size_t bytes) {
    if (bytes && dst != src) SK_CUDA(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, sk_cuda_stream()));
    return SK_OK;
}

// Slots are assigned by name (nvcc's C++ has no designated initializers before C++20). A slot
// left NULL would be reported by model creation through sk_backend_require_groups ("op X is not
// implemented on cuda yet").
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
    // slot NAME = sk_cu_NAME (sk_cuda.h) for every row of the op list
#define SK_OP(name, groups, ret, params) cuda_backend.name = sk_cu_##name;
#include "kernels/sk_ops.def"
}

extern "C" const sk_backend *sk_backend_cuda(void) {
    static int ready = 0;
    if (!ready) cuda_backend_init(), ready = 1;
    return &cuda_backend;
}
