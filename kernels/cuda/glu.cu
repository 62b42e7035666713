// glu.cu — GLU forward and backward on the CUDA backend (reference: kernels/cpu/glu_ref.inc).
#include "kernels/cuda/sk_cuda.h"
#include "kernels/sk_scalar.h"

// GLU over the last axis: out[r,j] = x[r,j] sigmoid(x[r,H+j]); x (rows, 2H), out (rows, H)
__global__ void glu_fwd_kernel(float *out, const float *x, int64_t rows, int64_t H) {
    SK_GRID_LOOP(e, rows * H) {
        const int64_t r = e / H, j = e % H;
        out[e] = x[r * 2 * H + j] * sk_sigmoidf(x[r * 2 * H + H + j]);
    }
}
// dx[r,j] = dout sigmoid(g); dx[r,H+j] = dout a s (1 - s)   (written)
__global__ void glu_bwd_kernel(float *dx, const float *dout, const float *x, int64_t rows, int64_t H) {
    SK_GRID_LOOP(e, rows * H) {
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
