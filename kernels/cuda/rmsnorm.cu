// rmsnorm.cu — RMSNorm over the last axis (kernels/cpu/rmsnorm_ref.inc is the reference):
//   rstd[r] = 1/sqrt(mean_j x[r,j]^2 + eps),  out[r,j] = x[r,j] * rstd[r] * w[j]
//   dx[r,j] += rstd * (dout*w - xhat * mean_j(dout*w*xhat)),  xhat = x*rstd
//   dw[j]   += sum_r dout[r,j] * xhat[r,j]
//   add_rmsnorm_fwd: res_out = res + x, then the forward on res_out (one pass per row)
// Rows: one block of SK_CUDA_RED threads per row (grid-stride over rows), block reductions in a
// fixed order. dw: column sums by blocks of 32 columns x 8 row lanes, combined in shared memory in
// a fixed order, so every result is deterministic (no atomics).
#include "kernels/cuda/sk_cuda.h"

__global__ void __launch_bounds__(SK_CUDA_RED) rmsnorm_fwd_kernel(float *out, float *rstd, const float *x, const float *w,
                                                                  int64_t rows, int64_t d, float eps) {
    __shared__ float sh[SK_CUDA_RED / 32];
    for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
        const float *xr = x + r * d;
        float ss = 0;
        for (int64_t j = threadIdx.x; j < d; j += blockDim.x) ss += xr[j] * xr[j];
        ss = sk_block_reduce(ss, sh, 0);
        const float rs = 1.0f / sqrtf(ss / (float)d + eps);
        if (threadIdx.x == 0) rstd[r] = rs;
        for (int64_t j = threadIdx.x; j < d; j += blockDim.x) out[r * d + j] = xr[j] * rs * w[j];
    }
}

// the residual add fused in front: res_out = res + x, then the forward above on res_out. Each thread
// writes the sums of its own columns and reads them back after the reduction (no barrier needed
// between the two: the same thread owns j in both loops; res_out may alias res).
__global__ void __launch_bounds__(SK_CUDA_RED) add_rmsnorm_fwd_kernel(float *res_out, float *out, float *rstd,
                                                                      const float *res, const float *x, const float *w,
                                                                      int64_t rows, int64_t d, float eps) {
    __shared__ float sh[SK_CUDA_RED / 32];
    for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
        const float *rr = res + r * d, *xr = x + r * d;
        float *sr = res_out + r * d;
        float ss = 0;
        for (int64_t j = threadIdx.x; j < d; j += blockDim.x) {
            const float v = rr[j] + xr[j];
            sr[j] = v;
            ss += v * v;
        }
        ss = sk_block_reduce(ss, sh, 0);
        const float rs = 1.0f / sqrtf(ss / (float)d + eps);
        if (threadIdx.x == 0) rstd[r] = rs;
        for (int64_t j = threadIdx.x; j < d; j += blockDim.x) out[r * d + j] = sr[j] * rs * w[j];
    }
}

__global__ void __launch_bounds__(SK_CUDA_RED) rmsnorm_bwd_dx_kernel(float *dx, const float *dout, const float *x,
                                                                     const float *w, const float *rstd, int64_t rows, int64_t d) {
    __shared__ float sh[SK_CUDA_RED / 32];
    for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
        const float *xr = x + r * d, *gr = dout + r * d, rs = rstd[r];
        float dot = 0;
        for (int64_t j = threadIdx.x; j < d; j += blockDim.x) dot += gr[j] * w[j] * xr[j] * rs;
        dot = sk_block_reduce(dot, sh, 0) / (float)d;
        for (int64_t j = threadIdx.x; j < d; j += blockDim.x) dx[r * d + j] += rs * (gr[j] * w[j] - xr[j] * rs * dot);
    }
}

// block (32, 8): column blockIdx.x*32 + tx, rows ty, ty+8, ...; the 8 partial sums of a column
// are added in order ty = 0..7.
__global__ void rmsnorm_bwd_dw_kernel(float *dw, const float *dout, const float *x, const float *rstd, int64_t rows,
                                      int64_t d) {
    __shared__ float part[8][33];
    const int64_t j = blockIdx.x * (int64_t)32 + threadIdx.x;
    float acc = 0;
    if (j < d)
        for (int64_t r = threadIdx.y; r < rows; r += 8) acc += dout[r * d + j] * x[r * d + j] * rstd[r];
    part[threadIdx.y][threadIdx.x] = acc;
    __syncthreads();
    if (threadIdx.y == 0 && j < d) {
        float s = 0;
        for (int k = 0; k < 8; k++) s += part[k][threadIdx.x];
        dw[j] += s;
    }
}

static unsigned row_blocks(int64_t rows) {
    int64_t cap = (int64_t)sk_cuda_sm_count() * 16;
    return (unsigned)(rows < cap ? rows : cap);
}

int sk_cu_rmsnorm_fwd(float *out, float *rstd, const float *x, const float *w, int64_t rows, int64_t d, float eps) {
    if (rows <= 0 || d <= 0) return SK_OK;
    SK_LAUNCH(rmsnorm_fwd_kernel, row_blocks(rows), SK_CUDA_RED, out, rstd, x, w, rows, d, eps);
    SK_CUDA_LAUNCHED();
    return SK_OK;
}

int sk_cu_add_rmsnorm_fwd(float *res_out, float *out, float *rstd, const float *res, const float *x, const float *w,
                          int64_t rows, int64_t d, float eps) {
    if (rows <= 0 || d <= 0) return SK_OK;
    SK_LAUNCH(add_rmsnorm_fwd_kernel, row_blocks(rows), SK_CUDA_RED, res_out, out, rstd, res, x, w, rows, d, eps);
    SK_CUDA_LAUNCHED();
    return SK_OK;
}

int sk_cu_rmsnorm_bwd(float *dx, float *dw, const float *dout, const float *x, const float *w, const float *rstd,
                      int64_t rows, int64_t d) {
    if (rows <= 0 || d <= 0) return SK_OK;
    SK_LAUNCH(rmsnorm_bwd_dx_kernel, row_blocks(rows), SK_CUDA_RED, dx, dout, x, w, rstd, rows, d);
    SK_CUDA_LAUNCHED();
    // supports: d up to 32 * (2^31 - 1) columns (one block per 32 columns)
    SK_LAUNCH(rmsnorm_bwd_dw_kernel, (unsigned)((d + 31) / 32), dim3(32, 8), dw, dout, x, rstd, rows, d);
    SK_CUDA_LAUNCHED();
    return SK_OK;
}
