// act.cu — SiLU / softplus / GELU forward and backward on the CUDA backend (reference:
// kernels/cpu/act_ref.inc); the scalar formulas are sk_scalar.h's, shared with the CPU.
#include "kernels/cuda/sk_cuda.h"
#include "kernels/sk_scalar.h"

// f(x) and f'(x) for an SK_ACT_* kind (checked by the launchers: sk_act_check, kernels/sk_ops.h)
__device__ __forceinline__ float act_f(float x, int kind) {
    return kind == SK_ACT_SILU ? sk_siluf(x) : kind == SK_ACT_GELU ? sk_geluf(x) : sk_softplusf(x);
}
__device__ __forceinline__ float act_df(float x, int kind) {
    return kind == SK_ACT_SILU ? sk_dsiluf(x) : kind == SK_ACT_GELU ? sk_dgeluf(x) : sk_dsoftplusf(x);
}
// out = f(x) (out may alias x)
__global__ void act_fwd_kernel(float *out, const float *x, int64_t n, int kind) {
    SK_GRID_LOOP(i, n) out[i] = act_f(x[i], kind);
}
// dx = dout * f'(x) (dx may alias dout: each element is read before it is written)
__global__ void act_bwd_kernel(float *dx, const float *dout, const float *x, int64_t n, int kind) {
    SK_GRID_LOOP(i, n) dx[i] = dout[i] * act_df(x[i], kind);
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
