// cuda_emu.cpp — the CPU emulator behind tests/cuda_emu/include (see cuda_runtime.h there): host
// memory for the runtime calls, a naive column-major SGEMM for cuBLAS, and kernel launches that run
// each block's threads as fibers on one OS thread.
//
// Fibers. Thread t of a block is fiber t: its own stack, switched by a few instructions (x86-64:
// the callee-saved registers and the stack pointer; elsewhere ucontext). A fiber runs until it
// reaches a barrier (__syncthreads, or the publishing half of a warp shuffle) and then yields; the
// scheduler resumes the fibers pass after pass. A pass in which none arrives at a barrier and none
// finishes is a deadlock (a barrier that some threads of the block or warp never reach): abort.
// A fiber that finishes its thread starts over as the same thread of the next block, so a launch
// costs two switches per thread and barrier, not a context set-up.
//
// Thread orders (race detection). Between two barriers the threads of a block run one after
// another, each to its next barrier, in an order that changes: every block of every launch takes
// one order of the list SSMKIT_EMU_ORDERS (default "forward,reverse,shuffle:1,shuffle:2"), in
// turn, and a shuffle draws a new permutation for every pass. A kernel whose result depends on the
// order (a missing __syncthreads between a write and a read of shared or global memory by different
// threads, a lane that reads what another lane of its warp writes without a shuffle) then gives a
// different result in some blocks, and the tests, which compare every output with a float64
// reference, fail. Shared memory is poisoned (all bits set: NaN) at the start of every block.
//
// Limits. A launch is refused as the device refuses it (cudaGetLastError reports it, with the
// kernel's name and the limit): a block of more than 1024 threads or beyond 1024 x 1024 x 64, a
// grid beyond (2^31 - 1) x 65535 x 65535, a zero dimension, or more shared memory per block than
// 48 KiB (up to 227 KiB after cudaFuncSetAttribute(MaxDynamicSharedMemorySize), the H100 opt-in).
// Static __shared__ arrays live in one section; the emulator cannot tell which kernel owns which,
// so it counts them all for every kernel (a bound: exact when one kernel has shared memory).
//
// Slow next to a GPU and meant for checking kernels, not for timing them.
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <map>
#include <string>
#include <vector>
#include "cublas_v2.h"
#include "cuda_runtime.h"
#if !defined(__x86_64__)
#include <ucontext.h>
#endif

dim3 threadIdx, blockIdx, blockDim, gridDim;

// ---- errors: the sticky launch error of cudaGetLastError, with the emulator's explanation ----
namespace {
cudaError_t last_error = cudaSuccess;
char last_detail[512];
}  // namespace
static cudaError_t set_error(cudaError_t e, const char *fmt, const char *a, const char *b) {
    snprintf(last_detail, sizeof last_detail, fmt, a, b);
    fprintf(stderr, "cuda_emu: %s\n", last_detail);
    return last_error = e;
}

// ---- runtime ----
cudaError_t cudaGetDeviceCount(int *n) { return *n = 1, cudaSuccess; }
cudaError_t cudaGetDevice(int *d) { return *d = 0, cudaSuccess; }
cudaError_t cudaDeviceGetAttribute(int *v, cudaDeviceAttr, int) { return *v = 2, cudaSuccess; }   // 2 "SMs": small grids
const char *cudaGetErrorString(cudaError_t e) {
    if (e == cudaSuccess) return "no error";
    return last_detail[0] ? last_detail : "emulated CUDA error";
}
cudaError_t cudaGetLastError(void) {
    cudaError_t e = last_error;
    last_error = cudaSuccess;
    return e;
}
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

// ---- device limits (compute capability 9.0) ----
namespace {
const size_t kSharedDefault = 48 * 1024, kSharedOptin = 227 * 1024;
std::map<const void *, size_t> shared_optin;   // kernel -> MaxDynamicSharedMemorySize
}  // namespace
// the static __shared__ arrays of every kernel (cuda_runtime.h puts them in this section)
extern "C" char __start_sk_emu_shared[] __attribute__((weak));
extern "C" char __stop_sk_emu_shared[] __attribute__((weak));
static size_t static_shared(void) {
    return __start_sk_emu_shared && __stop_sk_emu_shared ? (size_t)(__stop_sk_emu_shared - __start_sk_emu_shared) : 0;
}
cudaError_t sk_emu_func_set_attribute(const void *fn, cudaFuncAttribute attr, int value) {
    if (attr != cudaFuncAttributeMaxDynamicSharedMemorySize || value < 0 || (size_t)value + static_shared() > kSharedOptin)
        return set_error(cudaErrorInvalidValue, "cudaFuncSetAttribute%s: %s bytes of dynamic shared memory (with the "
                         "static) above the 227 KiB per block of the device, or not MaxDynamicSharedMemorySize", "",
                         std::to_string(value).c_str());
    shared_optin[fn] = (size_t)value;
    return cudaSuccess;
}
// Whether the device would refuse this launch; if so, the launch error is set with the reason.
static bool launch_refused(const char *name, const void *fn, dim3 g, dim3 b, size_t dyn) {
    char why[256];
    why[0] = 0;
    cudaError_t code = cudaErrorInvalidConfiguration;
    const uint64_t threads = (uint64_t)b.x * b.y * b.z;
    const size_t sh = static_shared() + dyn;
    auto it = shared_optin.find(fn);
    const size_t sh_max = it == shared_optin.end() ? kSharedDefault : it->second + static_shared();
    if (!b.x || !b.y || !b.z || !g.x || !g.y || !g.z)
        snprintf(why, sizeof why, "grid (%u, %u, %u), block (%u, %u, %u): a zero dimension", g.x, g.y, g.z, b.x, b.y, b.z);
    else if (b.x > 1024 || b.y > 1024 || b.z > 64 || threads > 1024)
        snprintf(why, sizeof why, "block (%u, %u, %u) = %llu threads: at most 1024 threads, 1024 x 1024 x 64",
                 b.x, b.y, b.z, (unsigned long long)threads);
    else if (g.x > 2147483647u || g.y > 65535 || g.z > 65535)
        snprintf(why, sizeof why, "grid (%u, %u, %u): at most (2^31 - 1) x 65535 x 65535 blocks", g.x, g.y, g.z);
    else if (sh > sh_max) {
        code = cudaErrorInvalidValue;
        snprintf(why, sizeof why, "%zu bytes of shared memory per block (%zu static, %zu dynamic) > %zu%s", sh,
                 static_shared(), dyn, sh_max,
                 it == shared_optin.end() ? " (48 KiB without cudaFuncSetAttribute(MaxDynamicSharedMemorySize))" : "");
    }
    if (!why[0]) return false;
    set_error(code, "launch of %s refused: %s", name, why);
    return true;
}

// ---- fibers ----
namespace {
const size_t kStack = 256 * 1024;
struct Barrier {
    int count = 0;
    unsigned gen = 0;
};
struct Fiber {
    char *stack;
#if defined(__x86_64__)
    void *sp;
#else
    ucontext_t ctx;
#endif
    bool done;
    unsigned tx, ty, tz;
    const Barrier *wait;   // the barrier this fiber waits at (NULL: runnable)
    unsigned wait_gen;     // ... until its generation moves on from this one
};
std::vector<Fiber> fibers;
int cur;        // the running fiber
bool progress;  // something arrived at a barrier or finished during this pass
const std::function<void()> *cur_body;
void fiber_main();
}  // namespace

#if defined(__x86_64__)
// sk_emu_switch(&save, to): push the callee-saved registers, store the stack pointer in *save,
// load `to` and pop the registers saved there (System V x86-64; the FP control words are never
// changed by kernels, so they are not saved).
extern "C" void sk_emu_switch(void **save, void *to);
asm(".pushsection .text\n"
    ".globl sk_emu_switch\n"
    ".type sk_emu_switch, @function\n"
    "sk_emu_switch:\n"
    "  pushq %rbp\n  pushq %rbx\n  pushq %r12\n  pushq %r13\n  pushq %r14\n  pushq %r15\n"
    "  movq %rsp, (%rdi)\n"
    "  movq %rsi, %rsp\n"
    "  popq %r15\n  popq %r14\n  popq %r13\n  popq %r12\n  popq %rbx\n  popq %rbp\n"
    "  ret\n"
    ".size sk_emu_switch, .-sk_emu_switch\n"
    ".popsection\n");
namespace {
void *sched_sp;
void to_fiber(int t) { sk_emu_switch(&sched_sp, fibers[(size_t)t].sp); }
void to_sched() { sk_emu_switch(&fibers[(size_t)cur].sp, sched_sp); }
void fiber_start(Fiber &f) {
    // a fresh stack that "returns" into fiber_main with the alignment of a call (rsp + 8 = 0 mod 16)
    void **sp = (void **)(((uintptr_t)(f.stack + kStack)) & ~(uintptr_t)15);
    *--sp = NULL;                       // fiber_main's return address: it never returns
    *--sp = (void *)fiber_main;         // popped by the ret of sk_emu_switch
    for (int r = 0; r < 6; r++) *--sp = NULL;
    f.sp = sp;
}
}  // namespace
#else
namespace {
ucontext_t sched;
void to_fiber(int t) { swapcontext(&sched, &fibers[(size_t)t].ctx); }
void to_sched() { swapcontext(&fibers[(size_t)cur].ctx, &sched); }
void fiber_start(Fiber &f) {
    getcontext(&f.ctx);
    f.ctx.uc_stack.ss_sp = f.stack;
    f.ctx.uc_stack.ss_size = kStack;
    f.ctx.uc_link = NULL;
    makecontext(&f.ctx, fiber_main, 0);
}
}  // namespace
#endif

namespace {
std::vector<Barrier> warp_bar;
std::vector<float> warp_buf;
Barrier block_bar;

// A fiber runs its thread, reports it done and waits to be resumed as the same thread of the
// next block (the scheduler resets `done` and threadIdx first).
void fiber_main() {
    for (;;) {
        (*cur_body)();
        fibers[(size_t)cur].done = true;
        progress = true;
        to_sched();
    }
}
void arrive(Barrier &b, int n) {
    const unsigned g = b.gen;
    progress = true;
    if (++b.count == n) {   // the barrier opens; this thread, too, goes on in the next pass's order
        b.count = 0, b.gen++;
        to_sched();
        return;
    }
    Fiber &f = fibers[(size_t)cur];
    f.wait = &b, f.wait_gen = g;   // the scheduler skips this fiber until the barrier opens
    while (b.gen == g) to_sched();
    f.wait = NULL;
}
int nthreads() { return (int)(blockDim.x * blockDim.y * blockDim.z); }
int linear_tid() { return (int)(threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z)); }

// ---- thread orders ----
enum Kind { FORWARD, REVERSE, SHUFFLE };
struct Order {
    Kind kind;
    uint64_t seed;
};
std::vector<Order> orders;
std::string orders_spec;
uint64_t launches;

uint64_t mix(uint64_t z) {   // splitmix64
    z += 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
// the order of pass `pass` of block `blk` of this launch
void make_order(std::vector<int> &perm, int n, const Order &o, uint64_t blk, uint64_t pass) {
    perm.resize((size_t)n);
    for (int t = 0; t < n; t++) perm[(size_t)t] = o.kind == REVERSE ? n - 1 - t : t;
    if (o.kind != SHUFFLE) return;
    uint64_t s = mix(o.seed ^ mix(launches ^ mix(blk ^ mix(pass))));
    for (int t = n - 1; t > 0; t--) {
        s = mix(s);
        std::swap(perm[(size_t)t], perm[(size_t)(s % (uint64_t)(t + 1))]);
    }
}
}  // namespace

extern "C" int sk_emu_set_orders(const char *spec) {
    std::vector<Order> v;
    std::string s = spec ? spec : "";
    for (size_t i = 0; i <= s.size();) {
        size_t j = s.find(',', i);
        if (j == std::string::npos) j = s.size();
        std::string w = s.substr(i, j - i);
        if (w == "forward") v.push_back({FORWARD, 0});
        else if (w == "reverse") v.push_back({REVERSE, 0});
        else if (w.rfind("shuffle:", 0) == 0 && w.size() > 8 && w.find_first_not_of("0123456789", 8) == std::string::npos)
            v.push_back({SHUFFLE, strtoull(w.c_str() + 8, NULL, 10)});
        else {
            fprintf(stderr, "cuda_emu: thread order '%s': use forward, reverse or shuffle:SEED (comma-separated)\n", w.c_str());
            return -1;
        }
        i = j + 1;
    }
    orders = v, orders_spec = s;
    return 0;
}
extern "C" const char *sk_emu_orders(void) {
    if (orders.empty()) {
        const char *env = getenv("SSMKIT_EMU_ORDERS");
        if (!env || !*env || sk_emu_set_orders(env)) {
            if (env && *env) {
                fprintf(stderr, "cuda_emu: bad SSMKIT_EMU_ORDERS\n");
                abort();
            }
            sk_emu_set_orders("forward,reverse,shuffle:1,shuffle:2");
        }
    }
    return orders_spec.c_str();
}

void __syncthreads(void) { arrive(block_bar, nthreads()); }

// Two buffers per warp, used alternately: a lane can only write the buffer of shuffle s + 2 after
// every lane has arrived at shuffle s + 1, i.e. after every lane has read the value of shuffle s.
float __shfl_xor_sync(unsigned, float v, int lane_mask) {
    const int t = linear_tid(), w = t / 32, lane = t % 32;
    float *buf = &warp_buf[(size_t)(2 * w + (warp_bar[(size_t)w].gen & 1)) * 32];
    buf[lane] = v;
    arrive(warp_bar[(size_t)w], 32);   // every lane has published its value
    return buf[lane ^ lane_mask];
}

void sk_emu_launch(const char *name, const void *fn, dim3 grid, dim3 block, size_t dyn_shared,
                   const std::function<void()> &body) {
    sk_emu_orders();
    if (launch_refused(name, fn, grid, block, dyn_shared)) return;
    const int n = (int)(block.x * block.y * block.z);
    if (n % 32 && n > 32) {
        fprintf(stderr, "cuda_emu: %s: blocks of %d threads (not whole warps) are not emulated\n", name, n);
        abort();
    }
    gridDim = grid, blockDim = block, cur_body = &body;
    if (fibers.size() < (size_t)n) {
        const size_t old = fibers.size();
        fibers.resize((size_t)n);
        for (size_t t = old; t < (size_t)n; t++) {
            void *s = mmap(NULL, kStack, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
            if (s == MAP_FAILED) {
                fprintf(stderr, "cuda_emu: cannot map a fiber stack: %s\n", strerror(errno));
                abort();
            }
            fibers[t].stack = (char *)s;
        }
    }
    // every fiber starts its thread from the top (a fiber left waiting by an aborted launch cannot be)
    for (int t = 0; t < n; t++) fiber_start(fibers[(size_t)t]);
    warp_bar.assign((size_t)((n + 31) / 32), Barrier());
    warp_buf.assign((size_t)(64 * ((n + 31) / 32)), 0.0f);
    std::vector<int> perm;
    const size_t shared = static_shared();
    uint64_t blk = 0;
    for (unsigned bz = 0; bz < grid.z; bz++)
        for (unsigned by = 0; by < grid.y; by++)
            for (unsigned bx = 0; bx < grid.x; bx++, blk++) {
                blockIdx = dim3(bx, by, bz);
                block_bar = Barrier();
                if (shared) memset(__start_sk_emu_shared, 0xff, shared);   // uninitialized shared memory
                const Order &o = orders[(size_t)((launches + blk) % orders.size())];
                for (int t = 0; t < n; t++) {
                    Fiber &f = fibers[(size_t)t];
                    f.done = false, f.wait = NULL;
                    f.tx = (unsigned)t % block.x, f.ty = (unsigned)t / block.x % block.y, f.tz = (unsigned)t / (block.x * block.y);
                }
                for (int alive = n, pass = 0; alive > 0; pass++) {
                    progress = false;
                    alive = 0;
                    make_order(perm, n, o, blk, (uint64_t)pass);
                    for (int k = 0; k < n; k++) {
                        const int t = perm[(size_t)k];
                        Fiber &f = fibers[(size_t)t];
                        if (f.done) continue;
                        if (f.wait && f.wait->gen == f.wait_gen) {   // still waiting: no need to resume it
                            alive++;
                            continue;
                        }
                        cur = t;
                        threadIdx = dim3(f.tx, f.ty, f.tz);
                        to_fiber(t);
                        alive += !f.done;
                    }
                    if (alive && !progress) {
                        fprintf(stderr, "cuda_emu: %s: deadlock in block (%u, %u, %u): a barrier some threads never reach\n",
                                name, bx, by, bz);
                        abort();
                    }
                }
            }
    launches++;
}
