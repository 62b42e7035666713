// axpy.cu — y += a x on the CUDA backend (the CPU op: sk_axpy_f32, kernels/cpu/axpy.c).
#include "kernels/cuda/sk_cuda.h"

// y[i] += a * x[i]
__global__ void axpy_kernel(float *y, const float *x, float a, int64_t n) {
    SK_GRID_LOOP(i, n) y[i] += a * x[i];
}
int sk_cu_axpy(float *y, const float *x, float a, int64_t n) {
    if (n <= 0) return SK_OK;
    SK_LAUNCH(axpy_kernel, sk_cuda_blocks(n, 256), 256, y, x, a, n);
    SK_CUDA_LAUNCHED();
    return SK_OK;
}
