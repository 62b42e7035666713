/* sk_scalar.h — scalar activation helpers shared by the CPU reference kernels, the optimized CPU
 * kernels and (later) the CUDA kernels (functions are __host__ __device__ under nvcc).
 *
 * float and double versions have the same formulas; the `f` suffix is the fp32 one.
 *   softplus(x) = log(1 + e^x), but x itself when x > 20 (PyTorch F.softplus threshold=20, and
 *                 the selective-scan kernel's `delta <= 20 ? log1pf(expf(delta)) : delta`)
 *   d/dx softplus(x) = sigmoid(x), 1 when x > 20 (PyTorch's softplus backward)
 *   silu(x) = x * sigmoid(x);  d/dx silu(x) = s * (1 + x * (1 - s)),  s = sigmoid(x)
 *   gelu(x) = x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2)) (exact, PyTorch nn.GELU());
 *   d/dx gelu(x) = Phi(x) + x * phi(x),  phi(x) = exp(-x^2/2) / sqrt(2 pi)
 */
#ifndef SK_SCALAR_H
#define SK_SCALAR_H

#include <math.h>

#ifdef __CUDACC__
#define SK_HD static __host__ __device__ __forceinline__
#else
#define SK_HD static inline
#endif

#define SK_SOFTPLUS_THRESHOLD 20

SK_HD float sk_sigmoidf(float x) { return 1.0f / (1.0f + expf(-x)); }
SK_HD double sk_sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }

SK_HD float sk_softplusf(float x) { return x > SK_SOFTPLUS_THRESHOLD ? x : log1pf(expf(x)); }
SK_HD double sk_softplus(double x) { return x > SK_SOFTPLUS_THRESHOLD ? x : log1p(exp(x)); }
SK_HD float sk_dsoftplusf(float x) { return x > SK_SOFTPLUS_THRESHOLD ? 1.0f : sk_sigmoidf(x); }
SK_HD double sk_dsoftplus(double x) { return x > SK_SOFTPLUS_THRESHOLD ? 1.0 : sk_sigmoid(x); }

SK_HD float sk_siluf(float x) { return x * sk_sigmoidf(x); }
SK_HD double sk_silu(double x) { return x * sk_sigmoid(x); }
SK_HD float sk_dsiluf(float x) {
    float s = sk_sigmoidf(x);
    return s * (1.0f + x * (1.0f - s));
}
SK_HD double sk_dsilu(double x) {
    double s = sk_sigmoid(x);
    return s * (1.0 + x * (1.0 - s));
}

SK_HD float sk_geluf(float x) { return 0.5f * x * (1.0f + erff(x * 0.70710678118654752f)); }
SK_HD double sk_gelu(double x) { return 0.5 * x * (1.0 + erf(x * 0.70710678118654752)); }
SK_HD float sk_dgeluf(float x) {
    return 0.5f * (1.0f + erff(x * 0.70710678118654752f)) + x * expf(-0.5f * x * x) * 0.39894228040143268f;
}
SK_HD double sk_dgelu(double x) {
    return 0.5 * (1.0 + erf(x * 0.70710678118654752)) + x * exp(-0.5 * x * x) * 0.39894228040143268;
}

#endif
