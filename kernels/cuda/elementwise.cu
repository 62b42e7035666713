// elementwise.cu — the CUDA ops that touch each element once: axpy, SiLU / softplus forward and
// backward (kernels/cpu/act_ref.inc) and AdamW (kernels/cpu/adamw_ref.inc). Grid-stride loops
// with 64-bit indices; the scalar formulas are sk_scalar.h's, shared with the CPU.
#include "kernels/cuda/sk_cuda.h"
#include "kernels/sk_scalar.h"

#define GRID_LOOP(i, n) for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < (n); i += (int64_t)gridDim.x * blockDim.x)

// y[i] += a * x[i]
__global__ void axpy_kernel(float *y, const float *x, float a, int64_t n) {
    GRID_LOOP(i, n) y[i] += a * x[i];
}
int sk_cu_axpy(float *y, const float *x, float a, int64_t n) {
    if (n <= 0) return SK_OK;
    axpy_kernel<<<sk_cuda_blocks(n, 256), 256, 0, sk_cuda_stream()>>>(y, x, a, n);
    SK_CUDA_LAUNCHED();
    return SK_OK;
}

// out = f(x), f = silu or softplus (out may alias x)
__global__ void act_fwd_kernel(float *out, const float *x, int64_t n, int silu) {
    GRID_LOOP(i, n) out[i] = silu ? sk_siluf(x[i]) : sk_softplusf(x[i]);
}
// dx = dout * f'(x)
__global__ void act_bwd_kernel(float *dx, const float *dout, const float *x, int64_t n, int silu) {
    GRID_LOOP(i, n) dx[i] = dout[i] * (silu ? sk_dsiluf(x[i]) : sk_dsoftplusf(x[i]));
}
int sk_cu_act_fwd(float *out, const float *x, int64_t n, int kind) {
    if (kind != SK_ACT_SILU && kind != SK_ACT_SOFTPLUS) return sk_error(SK_EINVAL, "activation %d unknown", kind);
    if (n <= 0) return SK_OK;
    act_fwd_kernel<<<sk_cuda_blocks(n, 256), 256, 0, sk_cuda_stream()>>>(out, x, n, kind == SK_ACT_SILU);
    SK_CUDA_LAUNCHED();
    return SK_OK;
}
int sk_cu_act_bwd(float *dx, const float *dout, const float *x, int64_t n, int kind) {
    if (kind != SK_ACT_SILU && kind != SK_ACT_SOFTPLUS) return sk_error(SK_EINVAL, "activation %d unknown", kind);
    if (n <= 0) return SK_OK;
    act_bwd_kernel<<<sk_cuda_blocks(n, 256), 256, 0, sk_cuda_stream()>>>(dx, dout, x, n, kind == SK_ACT_SILU);
    SK_CUDA_LAUNCHED();
    return SK_OK;
}

// AdamW (torch.optim.AdamW): p -= lr*wd*p; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
// p -= lr * (m/bc1) / (sqrt(v/bc2) + eps), bc = 1 - beta^t computed on the host as the CPU does.
__global__ void adamw_kernel(float *p, const float *g, float *m, float *v, int64_t n, float lr, float b1, float b2,
                             float eps, float wd, float bc1, float bc2) {
    GRID_LOOP(i, n) {
        float pi = p[i], gi = g[i];
        pi -= lr * wd * pi;
        float mi = b1 * m[i] + (1 - b1) * gi, vi = b2 * v[i] + (1 - b2) * gi * gi;
        m[i] = mi, v[i] = vi;
        p[i] = pi - lr * (mi / bc1) / (sqrtf(vi / bc2) + eps);
    }
}
int sk_cu_adamw(float *p, const float *g, float *m, float *v, int64_t n, float lr, float b1, float b2, float eps,
                float wd, int64_t t) {
    if (t < 1) return sk_error(SK_EINVAL, "adamw: step %lld must be >= 1", (long long)t);
    if (n <= 0) return SK_OK;
    const float bc1 = 1 - powf(b1, (float)t), bc2 = 1 - powf(b2, (float)t);
    adamw_kernel<<<sk_cuda_blocks(n, 256), 256, 0, sk_cuda_stream()>>>(p, g, m, v, n, lr, b1, b2, eps, wd, bc1, bc2);
    SK_CUDA_LAUNCHED();
    return SK_OK;
}
