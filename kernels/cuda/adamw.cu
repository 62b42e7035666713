// adamw.cu — the AdamW update on the CUDA backend (reference: kernels/cpu/adamw_ref.inc).
#include "kernels/cuda/sk_cuda.h"

// AdamW (torch.optim.AdamW): p -= lr*wd*p; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
// p -= lr * (m/bc1) / (sqrt(v/bc2) + eps), bc = 1 - beta^t computed on the host as the CPU does.
__global__ void adamw_kernel(float *p, const float *g, float *m, float *v, int64_t n, float lr, float b1, float b2,
                             float eps, float wd, float bc1, float bc2) {
    SK_GRID_LOOP(i, n) {
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
