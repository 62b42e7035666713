// xent.cu — softmax cross-entropy with an ignore index, fused loss + gradient
// (kernels/cpu/xent_ref.inc is the reference), per row r:
//   loss[r] = logsumexp(logits[r,:]) - logits[r, tgt[r]]
//   dlogits[r,:] = scale * (softmax(logits[r,:]) - onehot(tgt[r]))      (if dlogits)
// rows with tgt == ignore_index: loss 0, gradient 0. dlogits may alias logits: every logit a
// thread needs is read before the barrier that precedes the writes. One block per row
// (grid-stride over rows), block reductions in a fixed order: deterministic.
#include "kernels/cuda/sk_cuda.h"

__global__ void __launch_bounds__(SK_CUDA_RED) xent_kernel(float *loss, float *dlogits, const float *logits,
                                                           const int32_t *tgt, int64_t rows, int64_t V,
                                                           int32_t ignore_index, float scale) {
    __shared__ float sh[SK_CUDA_RED / 32];
    for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
        const float *l = logits + r * V;
        const int32_t t = tgt[r];
        if (t == ignore_index) {
            if (threadIdx.x == 0) loss[r] = 0;
            if (dlogits)
                for (int64_t j = threadIdx.x; j < V; j += blockDim.x) dlogits[r * V + j] = 0;
            continue;   // uniform across the block: no barrier is skipped by part of it
        }
        float mx = -INFINITY;
        for (int64_t j = threadIdx.x; j < V; j += blockDim.x) mx = fmaxf(mx, l[j]);
        mx = sk_block_reduce(mx, sh, 1);
        float sum = 0;
        for (int64_t j = threadIdx.x; j < V; j += blockDim.x) sum += expf(l[j] - mx);
        sum = sk_block_reduce(sum, sh, 0);
        const float lse = mx + logf(sum), lt = l[t];
#ifndef SK_EMU_PLANTED_RACE   // defined only by a test build that must catch the missing barrier (tests/kernels)
        __syncthreads();   // every thread has read l[t] before anyone overwrites it (aliasing)
#endif
        if (threadIdx.x == 0) loss[r] = lse - lt;
        if (dlogits) {
            for (int64_t j = threadIdx.x; j < V; j += blockDim.x) dlogits[r * V + j] = scale * expf(l[j] - lse);
            __syncthreads();   // the thread that wrote dlogits[t] is done
            if (threadIdx.x == 0) dlogits[r * V + t] -= scale;
        }
        __syncthreads();   // before the next row reuses sh
    }
}

int sk_cu_xent(float *loss, float *dlogits, const float *logits, const int32_t *tgt, int64_t rows, int64_t V,
               int32_t ignore_index, float scale) {
    if (rows <= 0) return SK_OK;
    int64_t bad;
    int32_t v;
    int rc = sk_cuda_first_bad_index(tgt, rows, V, ignore_index, &bad, &v);
    if (rc) return rc;
    if (bad >= 0)
        return sk_error(SK_EINVAL, "cross-entropy: target %d at row %lld is outside [0, %lld)", v, (long long)bad,
                        (long long)V);
    int64_t cap = (int64_t)sk_cuda_sm_count() * 16;
    SK_LAUNCH(xent_kernel, (unsigned)(rows < cap ? rows : cap), SK_CUDA_RED, loss, dlogits, logits, tgt, rows,
                                                                                           V, ignore_index, scale);
    SK_CUDA_LAUNCHED();
    return SK_OK;
}
