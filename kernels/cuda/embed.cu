// embed.cu — token embedding (kernels/cpu/embed_ref.inc is the reference):
//   out[r,:] = W[tok[r],:];   dW[tok[r],:] += dout[r,:]
// Tokens are checked on the device first (same message as the CPU: the first bad position), so
// nothing is read or written out of bounds. The backward scatters with atomicAdd (a token may
// repeat): the order of the additions, hence the last bits of dW, can differ between runs.
#include "kernels/cuda/sk_cuda.h"

__global__ void embed_fwd_kernel(float *out, const int32_t *tok, const float *W, int64_t rows, int64_t d) {
    SK_GRID_LOOP(e, rows * d) {
        int64_t r = e / d, j = e % d;
        out[e] = W[(int64_t)tok[r] * d + j];
    }
}
__global__ void embed_bwd_kernel(float *dW, const int32_t *tok, const float *dout, int64_t rows, int64_t d) {
    SK_GRID_LOOP(e, rows * d) {
        int64_t r = e / d, j = e % d;
        atomicAdd(&dW[(int64_t)tok[r] * d + j], dout[e]);
    }
}

static int check_tokens(const int32_t *tok, int64_t rows, int64_t V) {
    int64_t bad;
    int32_t v;
    int rc = sk_cuda_first_bad_index(tok, rows, V, SK_CUDA_NO_IGNORE, &bad, &v);
    if (rc) return rc;
    if (bad >= 0)
        return sk_error(SK_EINVAL, "embedding: token %d at position %lld is outside the vocabulary [0, %lld)", v,
                        (long long)bad, (long long)V);
    return SK_OK;
}

int sk_cu_embed_fwd(float *out, const int32_t *tok, const float *W, int64_t rows, int64_t V, int64_t d) {
    if (rows <= 0) return SK_OK;
    int rc = check_tokens(tok, rows, V);
    if (rc) return rc;
    SK_LAUNCH(embed_fwd_kernel, sk_cuda_blocks(rows * d, 256), 256, out, tok, W, rows, d);
    SK_CUDA_LAUNCHED();
    return SK_OK;
}

int sk_cu_embed_bwd(float *dW, const int32_t *tok, const float *dout, int64_t rows, int64_t V, int64_t d) {
    if (rows <= 0) return SK_OK;
    int rc = check_tokens(tok, rows, V);
    if (rc) return rc;
    SK_LAUNCH(embed_bwd_kernel, sk_cuda_blocks(rows * d, 256), 256, dW, tok, dout, rows, d);
    SK_CUDA_LAUNCHED();
    return SK_OK;
}
