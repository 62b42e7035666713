// elementwise.cu — the CUDA ops that touch each element once: axpy, SiLU / softplus / GELU forward
// and backward (kernels/cpu/act_ref.inc), GLU (kernels/cpu/glu_ref.inc) and AdamW
// (kernels/cpu/adamw_ref.inc). Grid-stride loops
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
    SK_LAUNCH(axpy_kernel, sk_cuda_blocks(n, 256), 256, y, x, a, n);
    SK_CUDA_LAUNCHED();
    return SK_OK;
}

// f(x) and f'(x) for an SK_ACT_* kind (checked by the launchers: sk_act_check, kernels/sk_ops.h)
__device__ __forceinline__ float act_f(float x, int kind) {
    return kind == SK_ACT_SILU ? sk_siluf(x) : kind == SK_ACT_GELU ? sk_geluf(x) : sk_softplusf(x);
}
__device__ __forceinline__ float act_df(float x, int kind) {
    return kind == SK_ACT_SILU ? sk_dsiluf(x) : kind == SK_ACT_GELU ? sk_dgeluf(x) : sk_dsoftplusf(x);
}
// out = f(x) (out may alias x)
__global__ void act_fwd_kernel(float *out, const float *x, int64_t n, int kind) {
    GRID_LOOP(i, n) out[i] = act_f(x[i], kind);
}
// dx = dout * f'(x) (dx may alias dout: each element is read before it is written)
__global__ void act_bwd_kernel(float *dx, const float *dout, const float *x, int64_t n, int kind) {
    GRID_LOOP(i, n) dx[i] = dout[i] * act_df(x[i], kind);
}
int sk_cu_act_fwd(float *out, const float *x, int64_t n, int kind) {
    int rc = sk_act_check(kind);
    if (rc || n <= 0) return rc;
    SK_LAUNCH(act_fwd_kernel, sk_cuda_blocks(n, 256), 256, out, x, n, kind);
    SK_CUDA_LAUNCHED();
    return SK_OK;
}
int sk_cu_act_bwd(float *dx, const float *dout, const float *x, int64_t n, int kind) {
    int rc = sk_act_check(kind);
    if (rc || n <= 0) return rc;
    SK_LAUNCH(act_bwd_kernel, sk_cuda_blocks(n, 256), 256, dx, dout, x, n, kind);
    SK_CUDA_LAUNCHED();
    return SK_OK;
}

// GLU over the last axis: out[r,j] = x[r,j] sigmoid(x[r,H+j]); x (rows, 2H), out (rows, H)
__global__ void glu_fwd_kernel(float *out, const float *x, int64_t rows, int64_t H) {
    GRID_LOOP(e, rows * H) {
        const int64_t r = e / H, j = e % H;
        out[e] = x[r * 2 * H + j] * sk_sigmoidf(x[r * 2 * H + H + j]);
    }
}
// dx[r,j] = dout sigmoid(g); dx[r,H+j] = dout a s (1 - s)   (written)
__global__ void glu_bwd_kernel(float *dx, const float *dout, const float *x, int64_t rows, int64_t H) {
    GRID_LOOP(e, rows * H) {
        const int64_t r = e / H, j = e % H;
        const float a = x[r * 2 * H + j], s = sk_sigmoidf(x[r * 2 * H + H + j]), g = dout[e];
        dx[r * 2 * H + j] = g * s;
        dx[r * 2 * H + H + j] = g * a * s * (1 - s);
    }
}
int sk_cu_glu_fwd(float *out, const float *x, int64_t rows, int64_t H) {
    if (rows * H <= 0) return SK_OK;
    SK_LAUNCH(glu_fwd_kernel, sk_cuda_blocks(rows * H, 256), 256, out, x, rows, H);
    SK_CUDA_LAUNCHED();
    return SK_OK;
}
int sk_cu_glu_bwd(float *dx, const float *dout, const float *x, int64_t rows, int64_t H) {
    if (rows * H <= 0) return SK_OK;
    SK_LAUNCH(glu_bwd_kernel, sk_cuda_blocks(rows * H, 256), 256, dx, dout, x, rows, H);
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
    SK_LAUNCH(adamw_kernel, sk_cuda_blocks(n, 256), 256, p, g, m, v, n, lr, b1, b2, eps, wd, bc1, bc2);
    SK_CUDA_LAUNCHED();
    return SK_OK;
}
