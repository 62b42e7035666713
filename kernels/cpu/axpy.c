/* axpy.c — y += a x, the CPU backend's axpy (one line of arithmetic: its own reference). */
#include "kernels/cpu/sk_cpu.h"

int sk_axpy_f32(float *y, const float *x, float a, int64_t n) {
#pragma omp parallel for if (n > 65536)
    for (int64_t i = 0; i < n; i++) y[i] += a * x[i];
    return SK_OK;
}
