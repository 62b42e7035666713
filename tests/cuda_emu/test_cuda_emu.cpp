// test_cuda_emu.cpp (labels gpu unit, emulator build only) — the CPU emulator of tests/cuda_emu
// itself, on small kernels whose right answers are known by hand:
//  - thread orders: the order in which the threads of a block run between barriers is the identity
//    under "forward", reversed under "reverse", a new permutation every pass under "shuffle:S";
//  - a missing barrier: a block that writes shared memory and reads another thread's slot without
//    __syncthreads gives wrong values under forward AND under reverse order (each catches the half
//    the other misses), and right values with the barrier under every order;
//  - shared memory is poisoned (NaN) at the start of every block;
//  - launches beyond the device's limits (threads per block, block and grid dimensions, shared
//    memory per block with and without the opt-in) are refused: the kernel does not run, and
//    cudaGetLastError returns an error whose text names the kernel and the limit.
#include "cuda_runtime.h"
#include "tests/sk_test.h"

static int order_a[64], order_b[64], counter;
// each thread notes when it ran, before and after a barrier
__global__ void k_order(void) {
    const int t = (int)threadIdx.x;
    order_a[t] = counter++;
    __syncthreads();
    order_b[t] = counter++ - (int)blockDim.x;
}

static float racy_out[64];
// thread t publishes t, then reads the slot of thread n-1-t: needs the barrier in between
__global__ void k_exchange(int barrier) {
    __shared__ float sh[64];
    const int t = (int)threadIdx.x, n = (int)blockDim.x;
    sh[t] = (float)t;
    if (barrier) __syncthreads();
    racy_out[t] = sh[n - 1 - t];
}

static float poison_out;
__global__ void k_poison(void) {
    __shared__ float fresh[4];
    if (threadIdx.x == 0) poison_out = fresh[2];
    fresh[2] = 1.0f;   // a later block must not see this
}

static int ran;
__global__ void k_count(void) { ran++; }

static int wrong_exchanges(const char *orders, int barrier) {
    SK_CHECK(sk_emu_set_orders(orders) == 0, "orders %s", orders);
    for (int t = 0; t < 64; t++) racy_out[t] = -1;
    sk_emu_launch("k_exchange", (const void *)k_exchange, dim3(1), dim3(64), 0, [=] { k_exchange(barrier); });
    int wrong = 0;
    for (int t = 0; t < 64; t++) wrong += racy_out[t] != (float)(63 - t);
    printf("  %-22s %s barrier: %2d of 64 threads read a wrong value\n", orders, barrier ? "with   " : "without", wrong);
    return wrong;
}

static void refused(const char *what, dim3 g, dim3 b, size_t dyn, const void *fn, cudaError_t code, const char *text) {
    ran = 0;
    sk_emu_launch("k_count", fn, g, b, dyn, [] { k_count(); });
    cudaError_t e = cudaGetLastError();
    const char *msg = cudaGetErrorString(e);
    printf("  %-34s -> %s\n", what, msg);
    SK_CHECK(e == code && ran == 0, "%s: error %d (want %d), %d threads ran", what, (int)e, (int)code, ran);
    SK_CHECK(strstr(msg, "k_count") && strstr(msg, text), "%s: message '%s' lacks '%s'", what, msg, text);
    SK_CHECK(cudaGetLastError() == cudaSuccess, "%s: the error is cleared once read", what);
}

int main(void) {
    // ---- orders ----
    SK_CHECK(sk_emu_set_orders("forward,sideways") == -1, "a bad order list is refused");
    const char *kinds[] = {"forward", "reverse", "shuffle:5"};
    for (int k = 0; k < 3; k++) {
        SK_CHECK(sk_emu_set_orders(kinds[k]) == 0, "%s", kinds[k]);
        counter = 0;
        sk_emu_launch("k_order", (const void *)k_order, dim3(1), dim3(64), 0, [] { k_order(); });
        int fwd_a = 1, rev_a = 1, same = 1, perm = 1;
        int seen[64] = {0};
        for (int t = 0; t < 64; t++) {
            fwd_a &= order_a[t] == t, rev_a &= order_a[t] == 63 - t, same &= order_a[t] == order_b[t];
            if (order_a[t] >= 0 && order_a[t] < 64) seen[order_a[t]]++;
        }
        for (int t = 0; t < 64; t++) perm &= seen[t] == 1;
        printf("  order %-10s first pass: thread 0 ran %d-th, thread 63 ran %d-th; second pass %s\n", kinds[k],
               order_a[0], order_a[63], same ? "the same" : "different");
        SK_CHECK(perm, "%s: every thread ran once before the barrier", kinds[k]);
        if (k == 0) SK_CHECK(fwd_a && same, "forward: identity order in both passes");
        if (k == 1) SK_CHECK(rev_a && same, "reverse: reversed order in both passes");
        if (k == 2) SK_CHECK(!fwd_a && !rev_a && !same, "shuffle: a new permutation in every pass");
    }
    // ---- a missing barrier ----
    SK_CHECK(wrong_exchanges("forward", 0) == 32, "forward order: the 32 threads that read ahead see stale data");
    SK_CHECK(wrong_exchanges("reverse", 0) == 32, "reverse order: the other 32 see stale data");
    SK_CHECK(wrong_exchanges("shuffle:1", 0) > 0, "a shuffled order: some thread sees stale data");
    for (int k = 0; k < 3; k++) SK_CHECK(wrong_exchanges(kinds[k], 1) == 0, "%s with the barrier: right", kinds[k]);
    // ---- uninitialized shared memory ----
    sk_emu_set_orders("forward");
    for (int blk = 0; blk < 2; blk++) {
        poison_out = 0;
        sk_emu_launch("k_poison", (const void *)k_poison, dim3(1), dim3(32), 0, [] { k_poison(); });
        SK_CHECK(isnan(poison_out), "launch %d: shared memory reads as NaN before it is written (got %g)", blk, poison_out);
    }
    // ---- limits ----
    const void *fn = (const void *)k_count;
    refused("1025 threads", dim3(1), dim3(1025), 0, fn, cudaErrorInvalidConfiguration, "at most 1024 threads");
    refused("block (32, 32, 2)", dim3(1), dim3(32, 32, 2), 0, fn, cudaErrorInvalidConfiguration, "2048 threads");
    refused("block z 65", dim3(1), dim3(1, 1, 65), 0, fn, cudaErrorInvalidConfiguration, "1024 x 1024 x 64");
    refused("grid y 65536", dim3(1, 65536), dim3(32), 0, fn, cudaErrorInvalidConfiguration, "65535");
    refused("grid z 65536", dim3(1, 1, 65536), dim3(32), 0, fn, cudaErrorInvalidConfiguration, "65535");
    refused("grid x 2^31", dim3(2147483648u), dim3(32), 0, fn, cudaErrorInvalidConfiguration, "2^31 - 1");
    refused("a zero dimension", dim3(0), dim3(32), 0, fn, cudaErrorInvalidConfiguration, "zero dimension");
    refused("48 KiB of dynamic shared memory", dim3(1), dim3(32), 48 * 1024, fn, cudaErrorInvalidValue, "48 KiB without");
    ran = 0;
    sk_emu_launch("k_count", fn, dim3(3, 2), dim3(32, 4, 2), 0, [] { k_count(); });
    SK_CHECK(cudaGetLastError() == cudaSuccess && ran == 3 * 2 * 256, "grid (3, 2) x block (32, 4, 2): %d threads ran", ran);
    ran = 0;
    sk_emu_launch("k_count", fn, dim3(1), dim3(1024), 40 * 1024, [] { k_count(); });
    SK_CHECK(cudaGetLastError() == cudaSuccess && ran == 1024, "1024 threads and 40 KiB of dynamic shared memory run");
    // the opt-in: up to 227 KiB per block for this kernel only
    SK_CHECK(cudaFuncSetAttribute(k_count, cudaFuncAttributeMaxDynamicSharedMemorySize, 228 * 1024) == cudaErrorInvalidValue,
             "an opt-in above 227 KiB is refused");
    cudaGetLastError();
    SK_CHECK(cudaFuncSetAttribute(k_count, cudaFuncAttributeMaxDynamicSharedMemorySize, 200 * 1024) == cudaSuccess, "opt-in");
    ran = 0;
    sk_emu_launch("k_count", fn, dim3(1), dim3(32), 200 * 1024, [] { k_count(); });
    SK_CHECK(cudaGetLastError() == cudaSuccess && ran == 32, "200 KiB after the opt-in");
    refused("above the opt-in", dim3(1), dim3(32), 201 * 1024, fn, cudaErrorInvalidValue, "bytes of shared memory");
    refused("another kernel, 100 KiB", dim3(1), dim3(32), 100 * 1024, (const void *)k_order, cudaErrorInvalidValue,
            "48 KiB without");
    return sk_test_finish("test_cuda_emu");
}
