// cuda_emu.cpp — the CPU emulator behind tests/cuda_emu/include (see cuda_runtime.h there): host
// memory for the runtime calls, a naive column-major SGEMM for cuBLAS, and kernel launches that run
// each block's threads as ucontext fibers on one OS thread. A fiber runs until it reaches a barrier
// (__syncthreads, or the two halves of a warp shuffle) and then yields; a pass over the fibers in
// which none arrives at a barrier and none finishes is a deadlock (a barrier that some threads of
// the block or warp never reach) and aborts with a message. Slow (a fiber switch costs a signal-mask
// system call): minutes for test_gpu_ops; meant for checking kernels, not for timing them.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include <vector>
#include "cublas_v2.h"
#include "cuda_runtime.h"

dim3 threadIdx, blockIdx, blockDim, gridDim;

// ---- runtime ----
cudaError_t cudaGetDeviceCount(int *n) { return *n = 1, cudaSuccess; }
cudaError_t cudaGetDevice(int *d) { return *d = 0, cudaSuccess; }
cudaError_t cudaDeviceGetAttribute(int *v, cudaDeviceAttr, int) { return *v = 2, cudaSuccess; }   // 2 "SMs": small grids
const char *cudaGetErrorString(cudaError_t e) { return e == cudaSuccess ? "no error" : "emulated CUDA error"; }
cudaError_t cudaGetLastError(void) { return cudaSuccess; }
cudaError_t cudaStreamCreateWithFlags(cudaStream_t *s, unsigned) { return *s = NULL, cudaSuccess; }
cudaError_t cudaStreamSynchronize(cudaStream_t) { return cudaSuccess; }
cudaError_t cudaMalloc(void **p, size_t bytes) {
    *p = malloc(bytes ? bytes : 1);
    if (*p) memset(*p, 0xff, bytes);   // garbage until written (as on a GPU)
    return *p ? cudaSuccess : cudaErrorMemoryAllocation;
}
cudaError_t cudaFree(void *p) { return free(p), cudaSuccess; }
cudaError_t cudaMallocAsync(void **p, size_t bytes, cudaStream_t) { return cudaMalloc(p, bytes); }
cudaError_t cudaFreeAsync(void *p, cudaStream_t) { return cudaFree(p); }
cudaError_t cudaMemsetAsync(void *p, int v, size_t bytes, cudaStream_t) { return memset(p, v, bytes), cudaSuccess; }
cudaError_t cudaMemcpyAsync(void *d, const void *s, size_t bytes, cudaMemcpyKind, cudaStream_t) {
    return memmove(d, s, bytes), cudaSuccess;
}
cudaError_t cudaMemcpy(void *d, const void *s, size_t bytes, cudaMemcpyKind) { return memmove(d, s, bytes), cudaSuccess; }

// ---- cuBLAS: C = alpha op(A) op(B) + beta C, column-major: X(i, j) = X[i + j * ld] ----
cublasStatus_t cublasCreate(cublasHandle_t *h) { return *h = (cublasHandle_t)1, CUBLAS_STATUS_SUCCESS; }
cublasStatus_t cublasSetMathMode(cublasHandle_t, cublasMath_t) { return CUBLAS_STATUS_SUCCESS; }
cublasStatus_t cublasSetStream(cublasHandle_t, cudaStream_t) { return CUBLAS_STATUS_SUCCESS; }
cublasStatus_t cublasSgemm_64(cublasHandle_t, cublasOperation_t ta, cublasOperation_t tb, int64_t m, int64_t n,
                              int64_t k, const float *alpha, const float *A, int64_t lda, const float *B, int64_t ldb,
                              const float *beta, float *C, int64_t ldc) {
    // the leading-dimension rules cuBLAS enforces
    if (m < 0 || n < 0 || k < 0 || lda < (ta ? k : m) || lda < 1 || ldb < (tb ? n : k) || ldb < 1 || ldc < m || ldc < 1)
        return CUBLAS_STATUS_INVALID_VALUE;
    for (int64_t j = 0; j < n; j++)
        for (int64_t i = 0; i < m; i++) {
            double acc = 0;
            for (int64_t l = 0; l < k; l++)
                acc += (double)(ta ? A[l + i * lda] : A[i + l * lda]) * (tb ? B[j + l * ldb] : B[l + j * ldb]);
            float *c = &C[i + j * ldc];
            *c = (float)(*alpha * acc + (*beta == 0 ? 0.0 : (double)*beta * *c));
        }
    return CUBLAS_STATUS_SUCCESS;
}

// ---- kernel launches ----
namespace {
struct Fiber {
    ucontext_t ctx;
    bool done;
    unsigned tx, ty, tz;
};
struct Barrier {
    int count = 0;
    unsigned gen = 0;
};
const size_t kStack = 256 * 1024;
ucontext_t sched;
std::vector<Fiber> fibers;
std::vector<char> stacks;
std::vector<Barrier> warp_bar;
std::vector<float> warp_buf;
Barrier block_bar;
const std::function<void()> *cur_body;
int cur;            // the running fiber
bool progress;      // something arrived at a barrier or finished during this pass

void yield_now() { swapcontext(&fibers[cur].ctx, &sched); }
void arrive(Barrier &b, int n) {
    const unsigned g = b.gen;
    progress = true;
    if (++b.count == n) {
        b.count = 0, b.gen++;
        return;
    }
    while (b.gen == g) yield_now();
}
void fiber_main() {
    (*cur_body)();
    fibers[cur].done = true;
    progress = true;
}
int nthreads() { return (int)(blockDim.x * blockDim.y * blockDim.z); }
int linear_tid() { return (int)(threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z)); }
}  // namespace

void __syncthreads(void) { arrive(block_bar, nthreads()); }

// Two buffers per warp, used alternately: a lane can only write the buffer of shuffle s + 2 after
// every lane has arrived at shuffle s + 1, i.e. after every lane has read the value of shuffle s.
float __shfl_xor_sync(unsigned, float v, int lane_mask) {
    const int t = linear_tid(), w = t / 32, lane = t % 32;
    float *buf = &warp_buf[(size_t)(2 * w + (warp_bar[w].gen & 1)) * 32];
    buf[lane] = v;
    arrive(warp_bar[w], 32);   // every lane has published its value
    return buf[lane ^ lane_mask];
}

void sk_emu_launch(dim3 grid, dim3 block, const std::function<void()> &body) {
    const int n = (int)(block.x * block.y * block.z);
    if (n % 32 && n > 32) {
        fprintf(stderr, "cuda_emu: blocks of %d threads (not whole warps) are not emulated\n", n);
        abort();
    }
    gridDim = grid, blockDim = block, cur_body = &body;
    fibers.resize((size_t)n);
    if (stacks.size() < (size_t)n * kStack) stacks.resize((size_t)n * kStack);
    warp_bar.assign((size_t)((n + 31) / 32), Barrier());
    warp_buf.assign((size_t)(64 * ((n + 31) / 32)), 0.0f);
    for (unsigned bz = 0; bz < grid.z; bz++)
        for (unsigned by = 0; by < grid.y; by++)
            for (unsigned bx = 0; bx < grid.x; bx++) {
                blockIdx = dim3(bx, by, bz);
                block_bar = Barrier();
                for (int t = 0; t < n; t++) {
                    Fiber &f = fibers[(size_t)t];
                    f.done = false;
                    f.tx = (unsigned)t % block.x, f.ty = (unsigned)t / block.x % block.y, f.tz = (unsigned)t / (block.x * block.y);
                    getcontext(&f.ctx);
                    f.ctx.uc_stack.ss_sp = &stacks[(size_t)t * kStack];
                    f.ctx.uc_stack.ss_size = kStack;
                    f.ctx.uc_link = &sched;
                    makecontext(&f.ctx, fiber_main, 0);
                }
                for (int alive = n; alive > 0;) {
                    progress = false;
                    alive = 0;
                    for (int t = 0; t < n; t++) {
                        if (fibers[(size_t)t].done) continue;
                        cur = t;
                        threadIdx = dim3(fibers[(size_t)t].tx, fibers[(size_t)t].ty, fibers[(size_t)t].tz);
                        swapcontext(&sched, &fibers[(size_t)t].ctx);
                        alive += !fibers[(size_t)t].done;
                    }
                    if (alive && !progress) {
                        fprintf(stderr, "cuda_emu: deadlock in block (%u, %u, %u): a barrier some threads never reach\n", bx, by, bz);
                        abort();
                    }
                }
            }
}
